"""Live training charts any page can use: downsampled, smoothed curves as plotly figures.

Figures are built from plain lists (no streamlit here except `show_figure`), so a benchmark can
build exactly what a page sends. Every trace is cut to at most MAX_POINTS points.
"""

from __future__ import annotations

import base64
import copy
import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from ui.classroom import lecture_layout, lecturing

MAX_POINTS = 2000  # per trace sent to the browser
BAND_BUCKETS = 200  # a curve that zigzags step to step is drawn as this many buckets' band
ZIGZAG_SHARE = 0.25  # ...when at least this share of its steps turn back (a solid block otherwise)
POINTS_SHOWN = 600  # data points drawn behind a fit: more only blur into a band on screen
# Okabe & Ito's colour-blind-safe set, the ones with at least 3:1 on white first (vermillion
# leads, close to PyTorch's orange). Colour is never the only cue: each line also has its own
# dash (DASHES), which the legend shows too.
PALETTE = ["#D55E00", "#0072B2", "#009E73", "#CC79A7", "#000000", "#E69F00", "#56B4E9"]
DASHES = ["solid", "dot", "dashdot", "longdash", "longdashdot", "dash"]
INK = "#1F2430"  # chart text: 15:1 on white (Streamlit's theme greys tick labels to 3.7:1)
# The mode bar only on hover, upright at the right edge, so it never covers a title or legend
# (on a phone it covered both).
CHART_CONFIG = {"displaylogo": False, "displayModeBar": "hover"}


def readable(layout: dict) -> dict:
    """`layout` with dark text on every axis, title and legend, and the mode bar upright: what
    every chart of the playground needs for WCAG's 4.5:1 and a phone's width."""
    out = {**layout, "font": {"color": INK, **layout.get("font", {})}}
    out["modebar"] = {"orientation": "v", **layout.get("modebar", {})}
    for name, axis in layout.items():
        if name.startswith(("xaxis", "yaxis")):
            axis = dict(axis)
            title = axis.get("title")
            if isinstance(title, str):
                title = {"text": title}
            if title is not None:
                axis["title"] = {**title, "font": {"color": INK, **title.get("font", {})}}
            axis["tickfont"] = {"color": INK, **axis.get("tickfont", {})}
            out[name] = axis
    for part in ("title", "legend"):
        if isinstance(layout.get(part), dict):
            block = layout[part]
            out[part] = {**block, "font": {"color": INK, **block.get("font", {})}}
    return out


def downsample(values: Sequence[float] | np.ndarray, limit: int = MAX_POINTS, start: int = 0):
    """(steps, values) with at most `limit` points: an even stride that always keeps the last one.

    `start` is the step number of values[0]. Steps come back as int32 and values as float32:
    half the bytes to encode and send, and float32 is what the training produced anyway.
    """
    values = np.asarray(values, dtype=np.float32)
    count = len(values)
    if count <= limit:
        return np.arange(start, start + count, dtype=np.int32), values
    index = np.linspace(0, count - 1, limit).round().astype(np.int32)
    return index + start, values[index]


_TYPED_ARRAY_DTYPES = {"int32": "i4", "float32": "f4", "float64": "f8"}


def typed_array(values: np.ndarray) -> dict | list:
    """A 1-D array as plotly.js's typed-array spec, exactly what plotly's to_dict turns it into
    (base64 of its bytes; an empty array stays []). Encoded once here, so plotly finds nothing to
    deep-copy, inspect and convert on each of st.plotly_chart's passes over the figure."""
    values = np.ascontiguousarray(values)
    if values.size == 0:
        return []
    return {
        "dtype": _TYPED_ARRAY_DTYPES[values.dtype.name],
        "bdata": base64.b64encode(values).decode("ascii"),
    }


def smooth(values: Sequence[float] | np.ndarray, weight: float) -> np.ndarray:
    """De-biased exponential moving average (as TensorBoard draws it); weight 0 returns the values.

    ema_t = w·ema_(t−1) + (1−w)·v_t, divided by 1 − w^(t+1) so the start is not pulled to zero.
    """
    values = np.asarray(values, dtype=np.float64)
    if weight <= 0 or len(values) == 0:
        return values
    out = np.empty_like(values)
    ema = 0.0
    keep = 1.0
    one_minus = 1.0 - weight
    for i, value in enumerate(values.tolist()):
        ema = weight * ema + one_minus * value
        keep *= weight
        out[i] = ema / (1.0 - keep)
    return out


@dataclass
class Curve:
    """One named history: values per step, starting at step `start`; `color` and `dash` fix its
    look (see run_style), otherwise it takes its place's in the palette."""

    name: str
    values: Sequence[float] | np.ndarray
    start: int = 0
    color: str | None = None
    dash: str | None = None


def run_style(run_id: int) -> tuple[str, str]:
    """The colour and dash of run number `run_id` (1, 2, ...) in every chart it appears in:
    fixed by its number, never by its place in an overlay, so a run keeps its look when others
    are added or removed. 7 colours × 6 dashes: no two of the first 42 runs look alike."""
    return PALETTE[(run_id - 1) % len(PALETTE)], DASHES[(run_id - 1) % len(DASHES)]


def zigzags(values: Sequence[float] | np.ndarray) -> bool:
    """True when a history turns back at so many steps that, drawn point by point, its line would
    fill a solid block (forgetting zero_grad makes the loss swing like that)."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) < 2 * BAND_BUCKETS:
        return False
    slopes = np.sign(np.diff(values))
    turns = np.count_nonzero(slopes[1:] * slopes[:-1] < 0)
    return turns >= ZIGZAG_SHARE * len(slopes)


def band(values: Sequence[float] | np.ndarray, start: int = 0, buckets: int = BAND_BUCKETS):
    """(steps, lowest, mean, highest) of `buckets` runs of consecutive steps: what a zigzagging
    history is drawn as. The mean is taken over five buckets around each one (a centred moving
    average), so the line follows the trend, not the swing. Each bucket is drawn at its middle."""
    values = np.asarray(values, dtype=np.float64)
    edges = np.unique(np.linspace(0, len(values), buckets + 1).round().astype(np.int64))
    parts = [values[a:b] for a, b in zip(edges[:-1], edges[1:], strict=True)]
    middle = (edges[:-1] + edges[1:]) // 2
    low = np.array([p.min() for p in parts], dtype=np.float32)
    high = np.array([p.max() for p in parts], dtype=np.float32)
    half = 5 * max(1, len(values) // max(1, len(parts))) // 2
    total = np.concatenate([[0.0], np.cumsum(values)])
    left = np.clip(middle - half, 0, len(values))
    right = np.clip(middle + half + 1, 0, len(values))
    mean = ((total[right] - total[left]) / np.maximum(right - left, 1)).astype(np.float32)
    return (middle + start).astype(np.int32), low, mean, high


def _rgba(color: str, alpha: float) -> str:
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def _hline(
    value: float, color: str, dash: str, label: str = "", log_y: bool = False
) -> tuple[dict, list[dict]]:
    """A horizontal guide across the plot as a layout shape (+ its label), cheaper than add_hline.
    On a log axis plotly.js places a shape at the data value but an annotation at its log10."""
    shape = dict(
        type="line",
        xref="paper",
        x0=0,
        x1=1,
        yref="y",
        y0=value,
        y1=value,
        line=dict(color=color, dash=dash, width=1),
    )
    notes = (
        [
            dict(
                xref="paper",
                x=1,
                xanchor="right",
                yref="y",
                y=float(np.log10(value)) if log_y else value,
                yanchor="bottom",
                text=label,
                showarrow=False,
                font=dict(size=12, color=color),
            )
        ]
        if label
        else []
    )
    return shape, notes


@functools.lru_cache(maxsize=4)
def _scatter_template(name: str) -> dict:
    """The plotly template `name` cut to what a chart of scatter traces can use: its layout minus
    the colorscales, and its scatter defaults. The rest (colorscales, defaults for heatmaps, tables,
    candlesticks...) never touches a line chart, yet plotly would deep-copy and encode all of it on
    every redraw of every chart: most of a redraw's server time (see bench/sinfit.py)."""
    full = pio.templates[name].to_plotly_json()
    layout = {
        k: v for k, v in full.get("layout", {}).items() if k not in ("colorscale", "coloraxis")
    }
    data = {k: v for k, v in full.get("data", {}).items() if k == "scatter"}
    return {"layout": layout, "data": data}


def _template() -> dict | None:
    """The current default template (Streamlit's, once st.plotly_chart is loaded) for scatter
    charts; None leaves the choice to plotly (no default, or a Template object as default)."""
    name = pio.templates.default
    if not isinstance(name, str) or not name:
        return None
    return copy.deepcopy(_scatter_template(name))  # a figure may be changed later: never share


def _figure(
    data: list[dict], layout: dict, hlines: list[tuple[float, str, str, str]], log_y: bool = False
) -> go.Figure:
    """Assemble without plotly's per-property validation (the dicts above are fixed and tested):
    validating thousands of points on every redraw would cost more than the training chunk.
    Every trace here is a scatter, so the template is cut to what scatters use."""
    shapes, notes = [], []
    for value, color, dash, label in hlines:
        if value is not None and np.isfinite(value) and (value > 0 or not log_y):
            shape, note = _hline(value, color, dash, label, log_y)
            shapes.append(shape)
            notes += note
    empty = layout.pop("annotations_empty", None)
    if empty:
        notes.append(
            dict(
                xref="paper",
                yref="paper",
                x=0.5,
                y=0.8,  # above the middle, where a log axis puts the optimum's line
                text=empty,
                showarrow=False,
                font=dict(size=14, color=INK),
            )
        )
    layout = {**readable(layout), "shapes": shapes, "annotations": notes}
    template = _template()
    if template is not None:
        layout["template"] = template
    return go.Figure(data=data, layout=layout, _validate=False)


def _layout(title: str, x_title: str, y_title: str, log_y: bool = False, height: int = 330) -> dict:
    return dict(
        title=dict(text=title, x=0.01, font=dict(size=15)),
        height=height,
        margin=dict(l=10, r=10, t=40, b=10),
        xaxis=dict(title=x_title),
        yaxis=dict(title=y_title, type="log" if log_y else "linear", exponentformat="power"),
        # below the plot: at the top a phone's mode bar and the title crowded it. Anchored to the
        # figure's bottom (yref "container"), not at a share of the plot's height: on a phone a
        # four-line legend squeezed the plot until the legend covered the x axis' title.
        legend=dict(orientation="h", yref="container", yanchor="bottom", y=0, xanchor="left", x=0),
        hovermode="x unified",
        uirevision="keep",  # keep the user's zoom across redraws
    )


def _line(x, y, color: str, width: float, name: str, dash: str = "solid", **extra) -> dict:
    """One plotly.js line trace as a plain dict (cheaper than go.Scatter's validation)."""
    return dict(
        type="scatter",
        x=x,
        y=y,
        mode="lines",
        line=dict(color=color, width=width, dash=dash),
        name=name,
        **extra,
    )


def history_figure(
    curves: Sequence[Curve],
    title: str = "Loss",
    y_title: str = "loss",
    log_y: bool = False,
    smoothing: float = 0.0,
    hlines: Sequence[tuple[float, str]] = (),
) -> go.Figure:
    """Each curve downsampled; with smoothing > 0 the raw points stay faint behind the average.
    A curve that zigzags (see `zigzags`) is drawn as its moving average inside a
    faint band from each bucket's lowest to its highest value, so it stays readable. With no
    data at all, the chart says so, and a log axis gets whole decades around the guides."""
    data: list[dict] = []
    for index, curve in enumerate(curves):
        color = curve.color or PALETTE[index % len(PALETTE)]
        dash = curve.dash or DASHES[index % len(DASHES)]
        if zigzags(curve.values):
            data += _band_traces(curve, color, dash, smoothing)
            continue
        steps, raw = downsample(curve.values, start=curve.start)
        steps, raw_y = typed_array(steps), typed_array(raw)
        if smoothing > 0:
            faint = dict(opacity=0.25, showlegend=False, hoverinfo="skip")
            data.append(_line(steps, raw_y, color, 1, f"{curve.name} (raw)", **faint))
            _, smoothed = downsample(smooth(curve.values, smoothing), start=curve.start)
            data.append(_line(steps, typed_array(smoothed), color, 2, curve.name, dash))
        else:
            data.append(_line(steps, raw_y, color, 2, curve.name, dash))
    guides = [(value, "#555", "dash", label) for value, label in hlines]
    layout = _layout(title, "step", y_title, log_y)
    if not any(len(curve.values) for curve in curves):
        _empty_axes(layout, [value for value, _ in hlines], log_y)
    return _figure(data, layout, guides, log_y)


EMPTY_TEXT = "No steps yet: press Train or Step once."


def _empty_axes(layout: dict, guides: list[float], log_y: bool) -> None:
    """A chart with no data: a sentence above the middle, and axes with ticks that read well (a log
    axis left to itself labels the digits of one decade: '9 1 2 3')."""
    layout["xaxis"] = {**layout["xaxis"], "range": [0, 100]}
    positive = [v for v in guides if v is not None and np.isfinite(v) and v > 0]
    if log_y:
        low = np.floor(np.log10(min(positive))) - 1 if positive else 0.0
        high = np.ceil(np.log10(max(positive))) + 2 if positive else 3.0
        layout["yaxis"] = {**layout["yaxis"], "range": [float(low), float(high)], "dtick": 1}
    else:
        layout["yaxis"] = {**layout["yaxis"], "rangemode": "tozero"}
    layout["annotations_empty"] = EMPTY_TEXT


def _band_traces(curve: Curve, color: str, dash: str, smoothing: float) -> list[dict]:
    """A zigzagging curve: the band of each bucket's lowest to highest value, and its trend."""
    steps, low, mid, high = band(curve.values, curve.start)
    if smoothing > 0:
        _, _, mid, _ = band(smooth(curve.values, smoothing), curve.start)
    size = max(1, round(len(curve.values) / len(steps)))  # steps per bucket
    x = typed_array(steps)
    hidden = dict(showlegend=False, hoverinfo="skip")
    return [
        _line(x, typed_array(low), color, 0, f"{curve.name} (lowest)", **hidden),
        _line(
            x,
            typed_array(high),
            color,
            0,
            f"{curve.name}: lowest to highest of each {size} steps",
            fill="tonexty",
            fillcolor=_rgba(color, 0.18),
            hoverinfo="skip",
        ),
        _line(x, typed_array(mid), color, 2, f"{curve.name} (mean over {5 * size} steps)", dash),
    ]


def lines_figure(
    x: Sequence[float] | np.ndarray,
    lines: dict[str, Sequence[float] | np.ndarray],
    title: str,
    x_title: str,
    y_title: str,
    dashed: Sequence[str] = (),
    points: tuple[np.ndarray, np.ndarray, str] | None = None,
    hlines: Sequence[tuple[float | None, str]] = (),
    limit: int = MAX_POINTS,
) -> go.Figure:
    """Named lines over a shared x (downsampled), optional scatter points behind them, and
    optional dotted horizontal guides, one per line, in the line's colour. Each line has its own
    colour and dash; the names in `dashed` are drawn dashed."""
    data: list[dict] = []
    if points is not None:
        px, py, name = points
        _, px = downsample(px, POINTS_SHOWN)
        _, py = downsample(py, POINTS_SHOWN)
        data.append(
            dict(
                type="scatter",
                x=typed_array(px),
                y=typed_array(py),
                mode="markers",
                name=name,
                marker=dict(size=3, color="#9AA0A6", opacity=0.5),
            )
        )
    _, xs = downsample(x, limit)
    xs = typed_array(xs)
    for index, (name, ys) in enumerate(lines.items()):
        _, ys = downsample(ys, limit)
        color = PALETTE[index % len(PALETTE)]
        data.append(
            dict(
                type="scatter",
                x=xs,
                y=typed_array(ys),
                mode="lines",
                name=name,
                line=dict(
                    color=color,
                    width=2.5,
                    dash="dash" if name in dashed else DASHES[index % len(DASHES)],
                ),
            )
        )
    guides = [
        (value, PALETTE[i % len(PALETTE)], "dot", label) for i, (value, label) in enumerate(hlines)
    ]
    return _figure(data, _layout(title, x_title, y_title), guides)


def show_figure(figure: go.Figure, key: str, alt: str) -> None:
    """Draw a figure under a key that changes with every redraw (a redraw never collides);
    `alt` describes it to a screen reader."""
    counter = st.session_state.get("_chart_redraws", 0) + 1
    st.session_state["_chart_redraws"] = counter
    if lecturing():  # the parts lecture_layout scales: height, margins, fonts (base, title, axes)
        layout = figure.layout
        parts = {"height": layout.height or 450, "font": {}}
        if layout.font.size:
            parts["font"] = {"size": layout.font.size}
        if layout.title.font.size:
            parts["title"] = {"font": {"size": layout.title.font.size}}
        legend = layout.legend.font.size
        parts["legend"] = {"font": {"size": legend} if legend else {}}
        margin = {side: layout.margin[side] for side in "lrtb" if layout.margin[side] is not None}
        if margin:
            parts["margin"] = margin
        if layout.annotations:
            parts["annotations"] = [note.to_plotly_json() for note in layout.annotations]
        for axis in (*figure.select_xaxes(), *figure.select_yaxes()):
            parts[axis.plotly_name] = {
                "tickfont": {"size": axis.tickfont.size} if axis.tickfont.size else {},
                "title": {"font": {"size": axis.title.font.size}} if axis.title.font.size else {},
            }
        figure.update_layout(lecture_layout(parts))
    st.plotly_chart(figure, key=f"{key}_{counter}", config=CHART_CONFIG, alt=alt)
