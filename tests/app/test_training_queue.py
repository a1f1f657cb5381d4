"""The lecture-hall queue through the real pages: with every slot taken, Train puts the student in
line with a sentence, nothing trains and no chart is redrawn while they wait, and the run starts by itself once a slot frees."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP
from ui.classroom import training_slots


@pytest.fixture
def full_server():
    """Every training slot held by another student; released again after the test."""
    slots = training_slots()
    stale_s, slots.stale_s = slots.stale_s, 3600.0  # the others keep training however slow the box
    others = [f"other-student-{i}" for i in range(slots.capacity)]
    for other in others:
        assert slots.request(other) == 0
    yield slots, others
    for other in others:
        slots.release(other)
    slots.stale_s = stale_s


def live_charts(at: AppTest) -> int:
    """The training pages' live charts on screen: sin fit's loss curve, SIGNS' loss/accuracy pair."""
    count = 0
    for element in at.get("plotly_chart"):
        layout = json.loads(element.proto.spec)["layout"]
        texts = [layout.get("title", {}).get("text", "")] + [
            a.get("text", "") for a in layout.get("annotations", [])
        ]
        count += "Loss per step" in texts or "Accuracy" in texts
    return count


def waiting_sentence(at: AppTest) -> str:
    return next((i.value for i in at.info if "in the queue" in i.value), "")


@pytest.mark.parametrize("page", ["sin_fit", "signs"])
def test_a_full_server_queues_the_student_then_starts_their_run(full_server, page):
    slots, others = full_server
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.session_state["signs_n_train"], at.session_state["signs_n_test"] = 120, 60
    at.switch_page(f"app_pages/{page}.py").run()
    train, running = (
        ("fit_train", "fit_training") if page == "sin_fit" else ("signs_train", "signs_running")
    )
    if page == "sin_fit":
        at.number_input(key="fit_steps").set_value(50).run()

    at.button(key=train).click().run()
    assert not at.exception and at.session_state[running]
    assert "number 1 in the queue of 1" in waiting_sentence(at)
    assert at.session_state["_queued"]
    progress = at.get("progress")[0].proto.text
    assert progress.startswith("step 0 of") or "batch 0 of" in progress  # nothing trained
    assert live_charts(at) == 0  # the live charts wait too

    at.run()  # another tick while the server is still full: still waiting, still nothing trained
    assert "number 1 in the queue" in waiting_sentence(at)

    slots.release(others[0])  # a slot frees: the student's next tick starts the run
    at.run()
    assert not at.exception and not waiting_sentence(at)
    assert not at.session_state["_queued"] and live_charts(at) == 1
    if page == "sin_fit":
        assert at.session_state["fit_trainer"].step > 0
    else:
        assert at.session_state["signs_trainer"].batches_done > 0
    if at.session_state[running]:  # give the slot back for the tests after this one
        at.button(key="fit_stop" if page == "sin_fit" else "signs_stop").click().run()
    assert not at.exception and slots.status() == (len(others) - 1, 0)
