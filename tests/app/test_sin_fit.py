"""AppTest for the sin(x) fit fit: presets, a short run, Stop, Step once, anatomy, errors, export."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import plotly.io as pio
import pytest
from streamlit.testing.v1 import AppTest

from core.sin_fit import PRESETS, SineFitConfig, SineFitTrainer, optimum_loss

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "sin_fit.py")


@pytest.fixture
def fit() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    return at


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly specs by their title text."""
    out = {}
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        out[spec["layout"]["title"]["text"]] = spec
    return out


def numbers(values) -> list[float]:
    """A plotly trace's x or y: a plain list, or numpy sent as a base64 typed array."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def frame_with(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_page_shows_settings_optimum_and_empty_charts(fit):
    assert fit.title[0].value.endswith("sin(x) fit")
    metrics = {m.label: m.value for m in fit.metric}
    assert metrics["Best possible (sum)"] == f"{optimum_loss(SineFitConfig()).loss:.6g}"
    assert metrics["Loss now"] == "—"
    assert "Loss per step" in charts(fit)
    assert fit.session_state["fit_trainer"].config == SineFitConfig()


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_loads_its_exact_config(fit, name):
    fit.selectbox(key="fit_preset").set_value(name).run()
    assert not fit.exception and not fit.error
    assert fit.session_state["fit_trainer"].config == PRESETS[name]


def test_short_run_fills_the_charts_and_the_table(fit):
    fit.number_input(key="fit_steps").set_value(40).run()
    fit.button(key="fit_train").click().run()  # one fragment tick: 40 steps fit in it
    assert not fit.exception
    trainer = fit.session_state["fit_trainer"]
    assert trainer.step == 40 and not fit.session_state["fit_training"]
    loss_spec = charts(fit)["Loss per step"]
    assert numbers(loss_spec["data"][0]["y"]) == pytest.approx(trainer.loss_history)
    runs = fit.session_state["fit_runs"]
    assert len(runs) == 1 and runs[0].metrics["status"] == "finished" and len(runs[0].history) == 40
    table = frame_with(fit, "final loss")
    assert table["steps"].tolist() == [40] and table["final loss"].iloc[0] == pytest.approx(
        trainer.loss
    )
    assert "Loss of the chosen runs" in charts(fit)


def test_charts_carry_only_the_template_parts_a_line_chart_uses(fit):
    full = pio.templates[pio.templates.default].to_plotly_json()
    specs = charts(fit)
    assert specs
    for spec in specs.values():
        assert {trace["type"] for trace in spec["data"]} <= {"scatter"}
        template = spec["layout"]["template"]
        assert template["layout"]["colorway"] == full["layout"]["colorway"]
        assert template["data"] == {"scatter": full["data"]["scatter"]}


def test_stop_keeps_the_history_and_records_the_run(fit):
    fit.number_input(key="fit_steps").set_value(100_000).run()
    fit.button(key="fit_train").click().run()
    assert fit.session_state["fit_training"]
    fit.run()  # a second tick
    fit.button(key="fit_stop").click().run()
    assert not fit.exception and not fit.session_state["fit_training"]
    trainer = fit.session_state["fit_trainer"]
    steps = trainer.step
    assert 0 < steps < 100_000 and len(trainer.loss_history) == steps
    fit.run()
    assert fit.session_state["fit_trainer"].step == steps  # nothing trains after Stop
    run = fit.session_state["fit_runs"][0]
    assert run.metrics["status"] == "stopped" and len(run.history) == steps
    fit.button(key="fit_train").click().run()  # Train resumes the same run
    fit.button(key="fit_stop").click().run()
    assert fit.session_state["fit_trainer"].step > steps
    assert len(fit.session_state["fit_runs"]) == 1


def test_step_once_reset_and_anatomy(fit):
    fit.button(key="fit_step").click().run()
    assert fit.session_state["fit_trainer"].step == 1
    fit.button(key="fit_reset").click().run()
    assert fit.session_state["fit_trainer"].step == 0
    fit.button(key="fit_phase").click().run()
    assert not any(".grad" in d.value.columns for d in fit.dataframe)  # closed: not built
    fit.session_state["fit_anatomy_open"] = True  # the student opens the anatomy expander
    for _ in range(3):
        fit.button(key="fit_phase").click().run()
    assert not fit.exception
    report = fit.session_state["fit_phase_report"]
    assert report.phase == "backward" and all(g is not None for g in report.grads)
    table = frame_with(fit, ".grad")
    assert table[".grad"].tolist() == pytest.approx(fit.session_state["fit_trainer"].gradients)
    fit.button(key="fit_phase").click().run()
    assert fit.session_state["fit_trainer"].step == 1


def test_forget_zero_grad_switch_starts_a_fresh_run(fit):
    fit.button(key="fit_step").click().run()
    fit.toggle(key="fit_forget").set_value(True).run()
    trainer = fit.session_state["fit_trainer"]
    assert trainer.config.forget_zero_grad and trainer.step == 0


def test_divergence_is_a_sentence_not_a_traceback(fit):
    fit.selectbox(key="fit_preset").set_value("Too large a learning rate").run()
    fit.button(key="fit_train").click().run()
    for _ in range(5):
        if not fit.session_state["fit_training"]:
            break
        fit.run()
    assert not fit.exception
    assert any("Training stopped at step" in e.value and "'mean'" in e.value for e in fit.error)
    assert fit.session_state["fit_runs"][0].metrics["status"] == "diverged"


def test_bad_interval_gets_a_sentence(fit):
    fit.number_input(key="fit_lo").set_value(2.0).run()
    fit.number_input(key="fit_hi").set_value(1.0).run()
    assert not fit.exception
    assert any("interval" in e.value for e in fit.error)


def test_show_code_matches_the_settings(fit):
    fit.selectbox(key="fit_preset").set_value("Seed listing 2 · nn + torch.optim RMSprop").run()
    assert not [c for c in fit.code if "torch.optim" in c.value]  # closed: the listing not sent
    fit.session_state["fit_code_open"] = True  # the student opens "Show the code"
    fit.run()
    code = [c.value for c in fit.code if "torch.optim.RMSprop" in c.value]
    assert code and "optimizer.zero_grad()" in code[0] and "streamlit" not in code[0]


def test_page_through_the_app_navigation():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("app_pages/sin_fit.py").run()
    assert not at.exception
    assert at.button(key="fit_train") is not None


@pytest.mark.parametrize("log_y", [True, False])
def test_the_optimum_line_sits_at_the_optimum_on_either_axis(fit, log_y):
    """plotly.js puts a shape on a log axis at its data value but an annotation at its log10."""
    fit.toggle(key="fit_log_y").set_value(log_y).run()
    spec = charts(fit)["Loss per step"]
    optimum = optimum_loss(SineFitConfig()).loss
    assert spec["layout"]["yaxis"]["type"] == ("log" if log_y else "linear")
    (line,) = spec["layout"]["shapes"]
    assert line["y0"] == line["y1"] == pytest.approx(optimum)
    (label,) = [a for a in spec["layout"]["annotations"] if a["yref"] == "y"]
    assert label["y"] == pytest.approx(np.log10(optimum) if log_y else optimum)
    assert label["text"].startswith("optimum")


def test_train_and_stop_stay_enabled_for_the_keyboard(fit):
    """A disabled button drops the keyboard focus, so Train and Stop never are: Stop with nothing
    training and Train while training change nothing."""
    assert not fit.button(key="fit_train").disabled and not fit.button(key="fit_stop").disabled
    fit.button(key="fit_stop").click().run()
    assert fit.session_state["fit_runs"] == [] and not fit.session_state["fit_training"]
    fit.number_input(key="fit_steps").set_value(100_000).run()
    fit.button(key="fit_train").click().run()
    trainer = fit.session_state["fit_trainer"]
    steps = trainer.step
    fit.button(key="fit_train").click().run()  # again while training: the same run goes on
    assert fit.session_state["fit_trainer"] is trainer and fit.session_state["fit_training"]
    assert trainer.step > steps
    assert not fit.button(key="fit_train").disabled and not fit.button(key="fit_stop").disabled
    assert not fit.button(key="fit_step").disabled
    fit.button(key="fit_step").click().run()  # Step once while training: a sentence, no step
    assert fit.session_state["fit_trainer"] is trainer and fit.session_state["fit_training"]
    assert any("press **Stop** first" in i.value for i in fit.info)
    fit.button(key="fit_stop").click().run()
    assert not fit.session_state["fit_training"] and len(fit.session_state["fit_runs"]) == 1
    steps = trainer.step
    fit.button(key="fit_step").click().run()  # stopped: it steps
    assert fit.session_state["fit_trainer"].step == steps + 1


class RacingTrainer(SineFitTrainer):
    """A trainer another thread of the session steps while the panel is being drawn: the first
    time the fit chart asks the model for its curve, 300 more steps land."""

    raced = False

    def predict(self, x):
        if not self.raced:
            self.raced = True
            self.run(300)
        return super().predict(x)


def test_every_number_of_one_redraw_belongs_to_the_same_step(fit):
    """The tour saw 'step 5,727' beside 'Fit after 2,994 steps': every panel of one redraw must
    read one snapshot."""
    fit.button(key="fit_step").click().run()
    fit.session_state["fit_trainer"] = RacingTrainer(SineFitConfig())
    fit.run()
    assert not fit.exception
    trainer = fit.session_state["fit_trainer"]
    assert trainer.raced
    progress = fit.get("progress")[0].proto.text
    step = int(progress.split()[1].replace(",", ""))
    specs = charts(fit)
    fit_title = next(title for title in specs if title.startswith("Fit after"))
    assert fit_title == f"Fit after {step:,} steps"
    loss_x = numbers(specs["Loss per step"]["data"][0]["x"])
    assert len(loss_x) == step and loss_x[-1] == step - 1
    metrics = {m.label: m.value for m in fit.metric}
    assert metrics["Loss now"] == f"{trainer.loss_history[step - 1]:.6g}"
    table = frame_with(fit, "loss")
    assert table["step"].iloc[-1] == step - 1


def test_the_chart_tables_are_built_when_the_run_stops_not_on_every_tick(fit):
    fit.number_input(key="fit_steps").set_value(100_000).run()
    fit.button(key="fit_train").click().run()
    assert fit.session_state["fit_training"]
    labels = [e.label for e in fit.expander]
    assert not any(label.endswith("as a table") for label in labels)
    assert any("appear as tables below them when the run stops" in c.value for c in fit.caption)
    fit.button(key="fit_stop").click().run()
    labels = [e.label for e in fit.expander]
    for name in ("Loss at milestones", "The fit at 11 points", "Coefficients"):
        assert f"{name} as a table" in labels


def test_a_run_keeps_its_colour_and_dash_in_every_chart(fit):
    from ui.live_chart import run_style

    fit.number_input(key="fit_steps").set_value(30).run()
    live = {}
    for run in (1, 2, 3):
        fit.button(key="fit_step").click().run()  # the live chart, before the run is recorded
        live[run] = charts(fit)["Loss per step"]["data"][0]["line"]
        fit.button(key="fit_train").click().run()
        fit.button(key="fit_reset").click().run()

    def overlay() -> dict[str, tuple[str, str]]:
        spec = charts(fit)["Loss of the chosen runs"]
        return {t["name"][:2]: (t["line"]["color"], t["line"]["dash"]) for t in spec["data"]}

    styles = overlay()
    assert styles == {f"#{run}": run_style(run) for run in (1, 2, 3)}
    assert {run: (line["color"], line["dash"]) for run, line in live.items()} == {
        run: run_style(run) for run in (1, 2, 3)
    }
    names = fit.multiselect(key="fit_compare").value
    fit.multiselect(key="fit_compare").set_value([n for n in names if not n.startswith("#1")]).run()
    assert overlay() == {f"#{run}": run_style(run) for run in (2, 3)}  # #2 did not take #1's look
