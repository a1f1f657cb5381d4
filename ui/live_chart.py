"""Live training charts any page can use: downsampled, smoothed curves as plotly figures.

Figures are built from plain lists (no streamlit here except `show_figure`), so a benchmark can
build exactly what a page sends. Every trace is cut to at most MAX_POINTS points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st

MAX_POINTS = 2000  # per trace sent to the browser
PALETTE = ["#EE4C2C", "#1F77B4", "#2CA02C", "#9467BD", "#FF7F0E", "#17BECF", "#8C564B", "#E377C2"]


def downsample(values: Sequence[float] | np.ndarray, limit: int = MAX_POINTS, start: int = 0):
    """(steps, values) with at most `limit` points: an even stride that always keeps the last one.

    `start` is the step number of values[0].
    """
    values = np.asarray(values, dtype=np.float64)
    count = len(values)
    if count <= limit:
        return np.arange(start, start + count), values
    index = np.linspace(0, count - 1, limit).round().astype(np.int64)
    return index + start, values[index]


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
    """One named history: values per step, starting at step `start`."""

    name: str
    values: Sequence[float] | np.ndarray
    start: int = 0
    color: str | None = None


def _layout(title: str, x_title: str, y_title: str, log_y: bool = False, height: int = 330) -> dict:
    return dict(
        title=dict(text=title, x=0.01, font=dict(size=15)),
        height=height,
        margin=dict(l=10, r=10, t=40, b=10),
        xaxis=dict(title=x_title),
        yaxis=dict(title=y_title, type="log" if log_y else "linear", exponentformat="power"),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        hovermode="x unified",
        uirevision="keep",  # keep the user's zoom across redraws
    )


def history_figure(
    curves: Sequence[Curve],
    title: str = "Loss",
    y_title: str = "loss",
    log_y: bool = False,
    smoothing: float = 0.0,
    hlines: Sequence[tuple[float, str]] = (),
) -> go.Figure:
    """Each curve downsampled; with smoothing > 0 the raw points stay faint behind the average."""
    data: list[dict] = []
    for index, curve in enumerate(curves):
        color = curve.color or PALETTE[index % len(PALETTE)]
        steps, raw = downsample(curve.values, start=curve.start)
        if smoothing > 0:
            data.append(
                dict(type="scatter", x=steps, y=raw, mode="lines", line=dict(color=color, width=1),
                     opacity=0.25, name=f"{curve.name} (raw)", showlegend=False, hoverinfo="skip")
            )
            _, smoothed = downsample(smooth(curve.values, smoothing), start=curve.start)
            data.append(dict(type="scatter", x=steps, y=smoothed, mode="lines", line=dict(color=color, width=2), name=curve.name))
        else:
            data.append(dict(type="scatter", x=steps, y=raw, mode="lines", line=dict(color=color, width=2), name=curve.name))
    figure = go.Figure(data=data, layout=_layout(title, "step", y_title, log_y))
    for value, label in hlines:
        if np.isfinite(value) and (value > 0 or not log_y):
            figure.add_hline(y=value, line=dict(color="#555", dash="dash", width=1),
                             annotation_text=label, annotation_position="bottom right")
    return figure


def lines_figure(
    x: Sequence[float] | np.ndarray,
    lines: dict[str, Sequence[float] | np.ndarray],
    title: str,
    x_title: str,
    y_title: str,
    dashed: Sequence[str] = (),
    points: tuple[np.ndarray, np.ndarray, str] | None = None,
    hlines: Sequence[tuple[float | None, str]] = (),
) -> go.Figure:
    """Named lines over a shared x (downsampled), optional scatter points behind them, and
    optional dotted horizontal guides, one per line, in the line's colour."""
    data: list[dict] = []
    if points is not None:
        px, py, name = points
        _, px = downsample(px)
        _, py = downsample(py)
        data.append(dict(type="scatter", x=px, y=py, mode="markers", name=name,
                         marker=dict(size=3, color="#9AA0A6", opacity=0.5)))
    _, xs = downsample(x)
    for index, (name, ys) in enumerate(lines.items()):
        _, ys = downsample(ys)
        color = PALETTE[index % len(PALETTE)]
        data.append(dict(type="scatter", x=xs, y=ys, mode="lines", name=name,
                         line=dict(color=color, width=2, dash="dash" if name in dashed else "solid")))
    figure = go.Figure(data=data, layout=_layout(title, x_title, y_title))
    for index, (value, _label) in enumerate(hlines):
        if value is not None and np.isfinite(value):
            figure.add_hline(y=value, line=dict(color=PALETTE[index % len(PALETTE)], dash="dot", width=1))
    return figure


def show_figure(figure: go.Figure, key: str) -> None:
    """Draw a figure under a key that changes with every redraw (a redraw never collides)."""
    counter = st.session_state.get("_chart_redraws", 0) + 1
    st.session_state["_chart_redraws"] = counter
    st.plotly_chart(figure, key=f"{key}_{counter}", config={"displaylogo": False})
