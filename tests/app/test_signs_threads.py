"""The SIGNS page tells the truth about threads: the device picker and the sidebar name the same
CPU thread count, and a run states its share: the same whoever else trains (one seed, one run)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.devices import CPU_THREADS
from core.serving import thread_shares
from tests.app.conftest import APP
from ui.classroom import training_slots


@pytest.fixture
def signs_mlp():
    slots = training_slots()  # the process's queue: forget runs earlier tests left in it
    stale_s, slots.stale_s = slots.stale_s, 0.0
    slots.status()
    slots.stale_s = stale_s
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.session_state["signs_n_train"], at.session_state["signs_n_test"] = 120, 60
    at.switch_page("app_pages/signs.py").run()
    at.selectbox(key="signs_model").set_value("mlp").run()
    assert not at.exception
    yield at
    if at.session_state["signs_running"]:  # hand the slot back for the tests after this one
        at.button(key="signs_stop").click().run()


def thread_caption(at: AppTest) -> str:
    return next((c.value for c in at.caption if c.value.startswith("This run trains with")), "")


def test_picker_and_sidebar_name_the_same_threads(signs_mlp):
    at = signs_mlp
    picker = at.selectbox(key="signs_device")
    label = picker.format_func(picker.value)
    assert label == f"cpu ({CPU_THREADS} threads)"
    assert any(label in c.value for c in at.sidebar.caption)


def test_a_student_alone_gets_the_same_share_as_beside_others_and_the_page_says_so(signs_mlp):
    at = signs_mlp
    slots = training_slots()
    assert slots.status() == (0, 0)
    at.button(key="signs_train").click().run()
    assert not at.exception and at.session_state["signs_running"]
    share = thread_shares(CPU_THREADS, slots.capacity)[-1]
    assert at.session_state["_threads"] == (share, 1, slots.capacity)
    sentence = thread_caption(at)
    assert "only run training now" in sentence and "same share whoever else trains" in sentence
    assert (f"with {share} of the" if share < CPU_THREADS else "with all") in sentence


def test_with_another_student_training_the_run_states_its_share(signs_mlp):
    at = signs_mlp
    slots = training_slots()
    if slots.capacity < 2:
        pytest.skip("PLAYGROUND_MAX_JOBS=1: two runs never train at once here")
    assert slots.request("another-student") == 0  # got the slot first
    try:
        at.button(key="signs_train").click().run()
        assert not at.exception and at.session_state["signs_running"]
        share = thread_shares(CPU_THREADS, slots.capacity)[-1]
        assert at.session_state["_threads"] == (share, 2, slots.capacity)
        assert "2 runs train now" in thread_caption(at)
        at.button(key="signs_stop").click().run()
        speeds = next(d.value for d in at.dataframe if "images/s" in d.value.columns)
        assert list(speeds["threads"]) == [share]  # the speed table notes the share it had
    finally:
        slots.release("another-student")


def test_train_and_stop_stay_enabled_and_a_click_with_nothing_to_do_does_nothing(signs_mlp):
    """A button that turns disabled under the keyboard's focus drops the focus to the page: both
    stay enabled, and Train during a run or Stop with none running changes nothing."""
    at = signs_mlp
    assert not at.button(key="signs_train").disabled and not at.button(key="signs_stop").disabled
    at.button(key="signs_stop").click().run()  # nothing runs: nothing happens
    assert not at.exception and not at.session_state["signs_running"]
    assert at.session_state["signs_trainer"] is None
    at.button(key="signs_train").click().run()
    trainer = at.session_state["signs_trainer"]
    assert at.session_state["signs_running"] and trainer.batches_done > 0
    assert not at.button(key="signs_train").disabled and not at.button(key="signs_stop").disabled
    seen = trainer.batches_done
    at.button(key="signs_train").click().run()  # a second Train keeps the run, does not restart
    assert at.session_state["signs_trainer"] is trainer and trainer.batches_done >= seen
    at.button(key="signs_stop").click().run()
    assert not at.session_state["signs_running"]
