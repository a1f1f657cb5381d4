"""Each sin(x) fit lesson opens the page with its idea on screen, and a second lesson link on the
same page sets its own lesson up again."""

from __future__ import annotations

import json

import pytest
import torch
from streamlit.testing.v1 import AppTest

from core.devices import use_threads
from core.sin_fit import OptimizerRace, SineFitConfig, optimum_loss
from tests.app.conftest import APP
from ui.lessons import BY_KEY
from ui.lessons.sin_fit import LESSONS

PAGE = "app_pages/sin_fit.py"
EXPECTED = {  # the config each lesson sets up
    "sin-fit-way-1-autograd": SineFitConfig(variant="autograd", lr=1e-6),
    "sin-fit-way-2-optim": SineFitConfig(variant="optim", optimizer="rmsprop", lr=1e-3),
    "sin-fit-way-3-nn": SineFitConfig(variant="nn", lr=1e-6),
    "sin-fit-nn-module": SineFitConfig(variant="module", optimizer="sgd", lr=1e-6),
    "sin-fit-loss-choice": SineFitConfig(variant="optim", optimizer="adam", lr=1e-2, loss="l1"),
    "sin-fit-optimizer-race": SineFitConfig(),
    "sin-fit-training-loop": SineFitConfig(variant="nn", lr=1e-6),
}
OPENS = {  # the expander each lesson opens
    "sin-fit-way-1-autograd": "fit_code_open",
    "sin-fit-way-2-optim": "fit_code_open",
    "sin-fit-way-3-nn": "fit_code_open",
    "sin-fit-optimizer-race": "fit_race_open",
    "sin-fit-training-loop": "fit_anatomy_open",
}


def open_lesson(key: str, at: AppTest | None = None) -> AppTest:
    """Open the lesson's link: a fresh app, or `at` (already on the page) given the new link."""
    lesson = BY_KEY[key]
    if at is None:
        at = AppTest.from_file(APP, default_timeout=120)
        at.query_params.update(lesson.query)
        at.run()
        at.switch_page(PAGE).run()
    else:
        at.query_params.clear()
        at.query_params.update(lesson.query)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def screen_text(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "info", "caption", "code", "warning", "error"):
        parts += [str(element.value) for element in at.get(kind)]
    return "\n".join(parts)


def chart_titles(at: AppTest) -> dict[str, dict]:
    specs = [json.loads(e.proto.spec) for e in at.get("plotly_chart")]
    return {spec["layout"]["title"]["text"]: spec for spec in specs}


def finish_race(at: AppTest) -> None:
    """run_every never fires under AppTest: each run of the page races one chunk."""
    for _ in range(200):
        if not at.session_state["fit_race_running"]:
            return
        at.run()
    raise AssertionError("the race did not finish")


def test_every_lesson_is_listed_here():
    assert {lesson.key for lesson in LESSONS} == set(EXPECTED)
    assert {lesson.idea for lesson in LESSONS} == {7, 8, 9, 10, 13}
    assert next(lesson for lesson in LESSONS if lesson.idea == 8).group == "Losses"


@pytest.mark.parametrize("key", [k for k in EXPECTED if k != "sin-fit-optimizer-race"])
def test_a_lesson_opens_with_its_idea_on_screen(key):
    at = open_lesson(key)
    lesson = BY_KEY[key]
    assert at.session_state["fit_trainer"].config == EXPECTED[key]
    assert lesson.proof.replace("`", "") in screen_text(at).replace("`", "")
    if key in OPENS:
        assert at.session_state[OPENS[key]] is True


def test_the_module_lesson_shows_polynomial3_and_what_init_and_forward_do():
    at = open_lesson("sin-fit-nn-module")
    text = screen_text(at)
    assert "class Polynomial3(torch.nn.Module)" in text
    assert "__init__" in text and "forward" in text and "nn.Parameter" in text


def test_the_loss_lesson_shows_the_l1_optimum_not_the_least_squares_one():
    at = open_lesson("sin-fit-loss-choice")
    metrics = {m.label: m.value for m in at.metric}
    l1 = optimum_loss(EXPECTED["sin-fit-loss-choice"]).loss
    mse = optimum_loss(SineFitConfig()).loss
    assert metrics["Best possible (sum)"] == f"{l1:.6g}" != f"{mse:.6g}"
    assert at.radio(key="fit_loss").value == "l1"


def test_the_race_lesson_starts_the_race_and_overlays_four_deterministic_curves():
    at = open_lesson("sin-fit-optimizer-race")
    assert at.session_state["fit_race_open"] is True
    assert at.session_state["fit_race"] is not None
    finish_race(at)
    race = at.session_state["fit_race"]
    assert race.finished and race.step == 2000
    spec = chart_titles(at)["Optimizer race: loss per step"]
    assert spec["layout"]["yaxis"]["type"] == "log"
    named = [trace for trace in spec["data"] if trace.get("showlegend", True)]
    assert len(named) == 4
    assert len({(t["line"]["color"], t["line"]["dash"]) for t in named}) == 4
    # one seed, one race, however it was cut into chunks (on one torch thread, as the page's
    # script thread trains: ui/classroom.job_cores)
    before = torch.get_num_threads()
    use_threads(1)
    try:
        again = OptimizerRace(SineFitConfig())
        again.run()
    finally:
        use_threads(before)
    for name, trainer in race.trainers.items():
        assert trainer.loss_history == again.trainers[name].loss_history
    assert BY_KEY["sin-fit-optimizer-race"].proof in screen_text(at)
    table = next(d.value for d in at.dataframe if "learning rate" in d.value.columns)
    assert table["steps"].tolist() == [2000] * 4


def test_a_second_lesson_link_on_the_same_page_sets_its_own_lesson_up():
    at = open_lesson("sin-fit-loss-choice")
    at.radio(key="fit_loss").set_value("huber").run()  # the student plays with it...
    at = open_lesson("sin-fit-way-1-autograd", at)  # ...then follows another lesson's link
    assert at.session_state["fit_trainer"].config == EXPECTED["sin-fit-way-1-autograd"]
    assert at.session_state["fit_code_open"] is True
    at = open_lesson("sin-fit-training-loop", at)
    assert at.session_state["fit_trainer"].config == EXPECTED["sin-fit-training-loop"]
    assert at.session_state["fit_anatomy_open"] is True
    assert BY_KEY["sin-fit-training-loop"].proof in screen_text(at)
    at = open_lesson("sin-fit-loss-choice", at)  # and back: set up again, not left as played
    assert at.session_state["fit_trainer"].config.loss == "l1"
