"""ui.live_chart's figures: a zigzagging loss stays readable, an empty log axis reads well."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from core.sin_fit import PRESETS, SineFitTrainer
from ui.live_chart import DASHES, PALETTE, Curve, history_figure

READABLE_POINTS = 200  # at most this many points in a line drawn over a chart's width


def values(array) -> np.ndarray:
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array)


def turn_share(y: np.ndarray) -> float:
    slopes = np.sign(np.diff(y))
    return np.count_nonzero(slopes[1:] * slopes[:-1] < 0) / max(1, len(slopes))


@pytest.fixture(scope="module")
def forgot() -> list[float]:
    trainer = SineFitTrainer(PRESETS["Forget zero_grad"])
    trainer.run(2000)
    return trainer.loss_history


def test_the_forget_zero_grad_curve_is_a_band_and_a_readable_line(forgot):
    """Drawn point by point, this loss turns back at most steps: a solid block on screen."""
    assert turn_share(np.asarray(forgot)) > 0.4
    figure = history_figure([Curve("loss", forgot)], log_y=True).to_plotly_json()
    lines = [t for t in figure["data"] if t["line"]["width"] > 0]
    (line,) = lines
    y = values(line["y"])
    assert len(y) <= READABLE_POINTS and line.get("mode") == "lines"
    low, high = (values(t["y"]) for t in figure["data"] if t["line"]["width"] == 0)
    assert low.min() == pytest.approx(min(forgot)) and high.max() == pytest.approx(max(forgot))
    assert np.all(low <= y) and np.all(y <= high)
    # the line follows the trend: from point to point it moves by a small part of the swing
    assert np.mean(np.abs(np.diff(y))) < 0.05 * np.mean(high - low)
    assert np.mean(np.abs(np.diff(forgot))) > 0.3 * np.mean(high - low)  # the raw steps do not


def test_a_smooth_curve_is_drawn_as_it_is():
    from ui.live_chart import zigzags

    falling = list(np.geomspace(1e4, 10, 2000))
    assert not zigzags(falling)
    (trace,) = history_figure([Curve("loss", falling)]).to_plotly_json()["data"]
    assert values(trace["y"]) == pytest.approx(np.asarray(falling, dtype=np.float32))


def test_an_empty_log_axis_gets_whole_decades_and_a_sentence():
    """With no data plotly labels one decade's digits: the tour read '9 1 2 3'."""
    layout = history_figure(
        [Curve("loss", [])], log_y=True, hlines=[(8.8172, "optimum")]
    ).to_plotly_json()["layout"]
    assert layout["yaxis"]["type"] == "log" and layout["yaxis"]["dtick"] == 1
    low, high = layout["yaxis"]["range"]
    assert low < np.log10(8.8172) < high and float(low).is_integer() and float(high).is_integer()
    assert any("No steps yet" in note["text"] for note in layout["annotations"])


def test_run_styles_are_fixed_by_the_run_number_and_distinct():
    from ui.live_chart import run_style

    styles = [run_style(run) for run in range(1, 31)]
    assert len(set(styles)) == 30
    assert run_style(1) == (PALETTE[0], DASHES[0]) and run_style(2) == (PALETTE[1], DASHES[1])
