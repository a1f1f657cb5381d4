"""Lecturer mode's charts follow the browser's viewport (reported by ui/viewport.py): the size
maths, the 1.4× fallback while the size is unknown (AppTest has no browser, so the reporter never
reports), and the real pages drawing larger charts once a size is known."""

from __future__ import annotations

import json

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP
from ui import viewport
from ui.classroom import (
    LECTURE_CHART_SCALE,
    chart_height,
    chart_text_scale,
    graph_font_points,
    lecture_text_px,
)

PROJECTORS = [(1280, 720), (1920, 1080)]


def test_the_page_text_size_is_the_css_clamp():
    assert lecture_text_px(1280) == 20  # 0.9vw + 8px = 19.5, raised to the least
    assert lecture_text_px(1920) == pytest.approx(25.28)
    assert lecture_text_px(390) == 20 and lecture_text_px(5000) == 34


def test_chart_text_is_the_page_text_and_grows_with_the_width():
    small, large = (chart_text_scale(size) * 12 for size in PROJECTORS)
    assert small == pytest.approx(lecture_text_px(1280))
    assert large == pytest.approx(lecture_text_px(1920))
    assert large > small
    assert chart_text_scale(None) == LECTURE_CHART_SCALE  # unknown: the old fixed 1.4


@pytest.mark.parametrize("base", [180, 260, 330, 380, 450])
def test_a_chart_grows_with_the_viewport_but_fits_its_height(base):
    small, large = (chart_height(base, size) for size in PROJECTORS)
    assert base < small <= large
    for (width, height), drawn in zip(PROJECTORS, (small, large)):
        header = 4 * lecture_text_px(width)  # Streamlit's header is about 4 rem tall
        assert drawn + header <= height
    assert chart_height(base, None) == round(base * LECTURE_CHART_SCALE)


def test_a_short_viewport_never_squeezes_a_chart_to_nothing():
    assert chart_height(330, (1280, 300)) == 240  # 204 px of room: the least a chart gets
    assert chart_height(180, (1280, 250)) == 180  # a small chart keeps its own height


def test_the_graph_font_is_the_page_text_in_points():
    assert graph_font_points(None) == round(11 * LECTURE_CHART_SCALE)
    assert graph_font_points((1280, 720)) == 15  # 20 px
    assert graph_font_points((1920, 1080)) == 19  # 25.3 px
    assert graph_font_points((1920, 1080)) * 4 / 3 == pytest.approx(lecture_text_px(1920), abs=1)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "1280x720",
        {"width": 1280},
        {"width": "1280", "height": 720},
        {"width": True, "height": 720},
        {"width": 10, "height": 720},
        {"width": 1280, "height": 10**9},
        {"width": float("nan"), "height": 720},
    ],
)
def test_a_report_that_is_not_a_browser_size_is_ignored(value):
    assert viewport.parse_size(value) is None


def test_a_report_is_kept_as_whole_pixels(monkeypatch):
    assert viewport.parse_size({"width": 1280.4, "height": 719.6}) == (1280, 719)
    state = {viewport.KEY: {"size": {"width": 1920, "height": 1080}}}
    monkeypatch.setattr(st, "session_state", state)
    viewport._store()
    assert state[viewport.SIZE_KEY] == (1920, 1080)
    state[viewport.KEY] = {"size": {"width": "huge"}}
    viewport._store()  # a bad report leaves the last good size
    assert state[viewport.SIZE_KEY] == (1920, 1080)


def lecture_page(path: str, size: tuple[int, int] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["app_lecturer"] = True
    if size is not None:
        at.session_state[viewport.SIZE_KEY] = size
    at.run()
    at.switch_page(path).run()
    assert not at.exception
    return at


def layouts(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec)["layout"] for el in at.get("plotly_chart")]


def test_the_reporter_is_mounted_in_lecturer_mode_only():
    at = lecture_page("app_pages/home.py")
    keys = [getattr(el, "key", None) for el in at.main]
    assert viewport.KEY in keys
    at.button(key="app_leave_lecturer").click().run()
    assert viewport.KEY not in [getattr(el, "key", None) for el in at.main]


def test_sin_fit_charts_fall_back_to_1_4_then_follow_the_viewport():
    at = lecture_page("app_pages/sin_fit.py")
    unknown = layouts(at)
    assert unknown and all(layout["height"] == round(330 * 1.4) for layout in unknown)
    assert all(layout["font"]["size"] == round(12 * 1.4) for layout in unknown)
    heights, ticks = [], []
    for size in PROJECTORS:
        at.session_state[viewport.SIZE_KEY] = size
        at.run()
        drawn = layouts(at)
        assert {layout["height"] for layout in drawn} == {chart_height(330, size)}
        text = round(lecture_text_px(size[0]))
        assert all(layout["xaxis"]["tickfont"]["size"] == text for layout in drawn)
        assert all(layout["yaxis"]["tickfont"]["size"] == text for layout in drawn)
        assert all(layout["font"]["size"] == text for layout in drawn)
        heights.append(drawn[0]["height"])
        ticks.append(drawn[0]["xaxis"]["tickfont"]["size"])
    assert heights[0] < heights[1] and ticks[0] < ticks[1]


def test_signs_charts_and_the_autograd_graph_follow_the_viewport():
    sizes = {}
    for size in PROJECTORS:
        at = lecture_page("app_pages/signs.py", size)
        sizes[size] = [layout["height"] for layout in layouts(at)]
        assert sizes[size] and all(h <= size[1] - 4 * lecture_text_px(size[0]) for h in sizes[size])
    assert all(a < b for a, b in zip(*sizes.values()))
    for size, points in (((1280, 720), 15), ((1920, 1080), 19)):
        at = lecture_page("app_pages/autograd.py", size)
        dot = at.get("graphviz_chart")[0].proto.spec
        assert f"fontsize={points}" in dot.replace(" ", "")


def test_lecture_layout_scales_every_text_and_the_margins(monkeypatch):
    from ui.classroom import lecture_layout

    layout = {
        "height": 330,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "title": {"text": "Loss", "font": {"size": 15}},
        "annotations": [{"text": "Accuracy", "font": {"size": 15}}, {"text": "no size"}],
        "xaxis": {"title": "epoch"},
        "xaxis2": {"tickfont": {"size": 10}},
    }
    monkeypatch.setattr(st, "session_state", {})
    assert lecture_layout(layout) is layout  # not lecturing: untouched
    monkeypatch.setattr(
        st, "session_state", {"app_lecturer": True, viewport.SIZE_KEY: (1920, 1080)}
    )
    out = lecture_layout(layout)
    scale = lecture_text_px(1920) / 12
    assert out["height"] == chart_height(330, (1920, 1080))
    assert out["margin"] == {side: round(v * scale) for side, v in layout["margin"].items()}
    assert out["title"] == {"text": "Loss", "font": {"size": round(15 * scale)}}
    assert out["annotations"][0]["font"]["size"] == round(15 * scale)
    assert out["annotations"][1] == {"text": "no size"}  # follows the base font
    assert out["font"]["size"] == out["legend"]["font"]["size"] == round(12 * scale)
    assert out["xaxis"]["title"] == {"text": "epoch", "font": {"size": round(14 * scale)}}
    assert out["xaxis2"]["tickfont"]["size"] == round(10 * scale)
    assert out["yaxis"]["tickfont"]["size"] == round(12 * scale)  # Streamlit's own, overridden
