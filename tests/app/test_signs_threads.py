"""The SIGNS page tells the truth about cores: the device picker and the sidebar name the same
CPU thread count, and a run states its share of the cores: all of them alone, an equal share
beside others (its numbers are the same either way: tests/unit/test_same_seed.py)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.devices import CPU_THREADS
from tests.app.conftest import APP
from ui.classroom import training_slots


@pytest.fixture
def signs_run():
    slots = training_slots()  # the process's queue: forget runs earlier tests left in it
    stale_s, slots.stale_s = slots.stale_s, 0.0
    slots.status()
    slots.stale_s = stale_s
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.session_state["signs_n_train"], at.session_state["signs_n_test"] = 120, 60
    at.switch_page("app_pages/signs.py").run()
    # the course CNN for 50 epochs: a run that lasts many ticks, even alone on every core
    at.selectbox(key="signs_model").set_value("signs_cnn").run()
    at.slider(key="signs_epochs").set_value(50).run()
    assert not at.exception
    yield at
    if at.session_state["signs_running"]:  # hand the slot back for the tests after this one
        at.button(key="signs_stop").click().run()


def cores_caption(at: AppTest) -> str:
    return next((c.value for c in at.caption if c.value.startswith("This run trains on")), "")


def test_picker_and_sidebar_name_the_same_threads(signs_run):
    at = signs_run
    picker = at.selectbox(key="signs_device")
    label = picker.format_func(picker.value)
    assert label == f"cpu ({CPU_THREADS} core{'s' * (CPU_THREADS != 1)})"
    assert any(label in c.value for c in at.sidebar.caption)


def test_a_student_alone_trains_on_every_core_and_the_page_says_so(signs_run):
    at = signs_run
    slots = training_slots()
    assert slots.status() == (0, 0)
    at.button(key="signs_train").click().run()
    assert not at.exception and at.session_state["signs_running"]
    cores = min(CPU_THREADS, 2)  # a batch of 32 is 2 pieces: it can use 2 cores
    assert at.session_state["_cores"] == (cores, 1, slots.capacity, 2)
    sentence = cores_caption(at)
    assert "only run training now" in sentence and "same seed gives the same run" in sentence
    if CPU_THREADS <= 2:
        assert "trains on all of the server" in sentence


def test_a_batch_of_one_piece_keeps_one_core_busy_and_the_page_says_why(signs_run):
    at = signs_run
    at.select_slider(key="signs_batch").set_value(16).run()
    at.button(key="signs_train").click().run()
    assert not at.exception and at.session_state["signs_running"]
    assert at.session_state["_cores"][0] == 1
    if CPU_THREADS > 1:
        assert "a batch of this size is 1 piece, so it keeps 1 busy" in cores_caption(at)


def test_with_another_student_training_the_run_states_its_share(signs_run):
    at = signs_run
    slots = training_slots()
    if slots.capacity < 2:
        pytest.skip("PLAYGROUND_MAX_JOBS=1: two runs never train at once here")
    assert slots.request("another-student") == 0  # got the slot first
    try:
        at.button(key="signs_train").click().run()
        assert not at.exception and at.session_state["signs_running"]
        share = max(1, CPU_THREADS // 2)  # the later of two jobs gets the smaller half
        assert at.session_state["_cores"] == (share, 2, slots.capacity, 2)
        assert "2 runs train now" in cores_caption(at)
        at.button(key="signs_stop").click().run()
        speeds = next(d.value for d in at.dataframe if "images/s" in d.value.columns)
        assert list(speeds["cores"]) == [share]  # the speed table notes the share it had
    finally:
        slots.release("another-student")


def test_train_and_stop_stay_enabled_and_a_click_with_nothing_to_do_does_nothing(signs_run):
    """A button that turns disabled under the keyboard's focus drops the focus to the page: both
    stay enabled, and Train during a run or Stop with none running changes nothing."""
    at = signs_run
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


def test_show_code_says_how_the_page_cuts_a_batch_into_pieces(signs_run):
    at = signs_run
    notes = [m.value for m in at.markdown if "pieces of" in m.value]
    assert notes and "batch of 32 cut into 2 pieces of 16+ images" in notes[0]
    at.select_slider(key="signs_batch").set_value(16).run()
    assert not [m.value for m in at.markdown if "pieces of" in m.value]  # one piece: nothing to say
