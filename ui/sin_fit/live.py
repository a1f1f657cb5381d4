"""The sin(x) fit page's live panel: its tick, progress and metrics, the three live charts.

Everything one redraw shows is drawn from one Snapshot of the trainer (taken under the session's
training lock), so the progress bar, the metrics, every chart title and every table belong to
the same step even when a chunk of training lands while the panel is being drawn.
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.sin_fit import (
    TARGETS,
    Optimum,
    Progress,
    SineFitTrainer,
    Snapshot,
    coefficient_series,
    fit_curves,
    optimum_per_coefficient,
)
from ui.accessibility import chart_table, milestones
from ui.live_chart import Curve, history_figure, lines_figure, run_style, show_figure

TICK_SECONDS = 0.5  # the live fragment reruns this often while training...
BUDGET_SECONDS = 0.4  # ...and trains this long each time, so Stop answers within a tick
# A run this close to its end after a chunk finishes in the same chunk, rather than half a second
# later on the next tick (a fit of 0.45 s was shown after about 1 s).
FINISH_SECONDS = 0.25
TABLES_LATER = (
    "The numbers of these charts appear as tables below them when the run stops "
    "(building them on every tick would slow the training down)."
)


def snapshot(trainer: SineFitTrainer) -> Snapshot:
    """The trainer's state at one moment, taken while no chunk of this session trains it."""
    lock = st.session_state.setdefault("_training_lock", threading.Lock())
    got = lock.acquire(timeout=5)  # a chunk takes BUDGET_SECONDS; never hang the page on it
    try:
        return trainer.snapshot()
    finally:
        if got:
            lock.release()


def run_chunk(trainer: SineFitTrainer) -> Progress:
    """One chunk of training: BUDGET_SECONDS, then the rest of the run too when, at the speed
    just measured, it takes at most FINISH_SECONDS more. Returns the first part's Progress (its
    speed is the run's)."""
    progress = trainer.run_for(BUDGET_SECONDS)
    left = trainer.config.steps - trainer.step
    close = progress.steps_run and left * progress.seconds <= FINISH_SECONDS * progress.steps_run
    if close and not trainer.finished:
        trainer.run(left)
    return progress


def progress_and_metrics(snap: Snapshot, optimum: Optimum, rate: float | None) -> None:
    """Progress bar with steps/s, and loss / optimum / gap as metrics."""
    config = snap.config
    done = min(snap.step / config.steps, 1.0)
    speed = f" · {rate:,.0f} steps/s" if rate else ""
    st.progress(done, text=f"step {snap.step:,} of {config.steps:,}{speed}")
    loss = snap.loss
    columns = st.columns(4)
    columns[0].metric("Loss now", "—" if loss is None else f"{loss:.6g}")
    columns[1].metric(
        f"Best possible ({config.reduction})",
        f"{optimum.loss:.6g}",
        help="The exact best polynomial of this degree for this loss on the same points "
        "(least squares for MSE).",
    )
    columns[2].metric(
        "Gap to the optimum",
        "—" if loss is None else f"{optimum.gap(loss):.4g}",
        help="Loss now minus the best possible. The loss is float32 and the optimum float64: a "
        "loss that rounds to just below the optimum (by under a millionth of it) is at it: 0.",
    )
    columns[3].metric("Training time", f"{snap.seconds:.2f} s")
    if snap.divergence:
        st.error(snap.divergence)


def build_figures(
    snap: Snapshot | SineFitTrainer,
    optimum: Optimum,
    log_y: bool,
    smoothing: float,
    run_id: int = 1,
) -> dict[str, go.Figure]:
    """The three live charts: loss curve, fit over the data, the coefficients' trajectories.
    The loss curve wears the look (run_style) it will have in the run comparison."""
    if isinstance(snap, SineFitTrainer):
        snap = snap.snapshot()
    config = snap.config
    color, dash = run_style(run_id)
    loss_chart = history_figure(
        [Curve("loss", snap.loss_history, color=color, dash=dash)],
        title="Loss per step",
        log_y=log_y,
        smoothing=smoothing,
        hlines=[(optimum.loss, f"optimum {optimum.loss:.4g}")],
    )
    curves = fit_curves(snap, optimum)
    x, y = snap.points
    fit_chart = lines_figure(
        curves["x"],
        {
            TARGETS[config.target].label: curves["target"],
            "current fit": curves["fit"],
            "optimum": curves["optimum"],
        },
        title=f"Fit after {snap.step:,} steps",
        x_title="x",
        y_title="y",
        dashed=["optimum"],
        points=(x, y, f"{config.n_points:,} data points"),
    )
    coefficient_chart = lines_figure(
        snap.trace_steps,
        coefficient_series(snap),
        title="Coefficients (dotted: their optimal values)",
        x_title="step",
        y_title="value",
        hlines=[(v, "") for v in optimum_per_coefficient(config, optimum)],
        limit=600,
    )
    return {"loss": loss_chart, "fit": fit_chart, "coefficients": coefficient_chart}


def chart_frames(snap: Snapshot, optimum: Optimum) -> dict[str, pd.DataFrame]:
    """The numbers of the three charts, a handful of rows each: the loss at milestones, the
    fit at eleven x values, each coefficient now and at the optimum."""
    history = snap.loss_history
    steps = milestones(len(history))
    loss = pd.DataFrame({"step": steps, "loss": [float(history[i]) for i in steps]})
    curves = fit_curves(snap, optimum, points=11)
    fit = pd.DataFrame(
        {
            "x": np.round(curves["x"], 4),
            TARGETS[snap.config.target].label: curves["target"],
            "current fit": curves["fit"],
            "optimum": curves["optimum"],
        }
    )
    series = coefficient_series(snap)
    best = optimum_per_coefficient(snap.config, optimum)
    coefficients = pd.DataFrame(
        {
            "coefficient": list(series),
            "now": [float(v[-1]) if len(v) else None for v in series.values()],
            "optimum": best[: len(series)] + [None] * (len(series) - len(best)),
        }
    )
    return {"loss": loss, "fit": fit, "coefficients": coefficients}


def charts(
    snap: Snapshot,
    optimum: Optimum,
    log_y: bool,
    smoothing: float,
    run_id: int = 1,
    tables: bool = True,
) -> None:
    """Draw the live charts: loss and fit side by side, coefficients below; under each, its
    numbers as a table (a screen reader's view of the chart), built only when `tables` (the run
    is not training: a tick would build three tables nobody opens)."""
    figures = build_figures(snap, optimum, log_y, smoothing, run_id)
    frames = chart_frames(snap, optimum) if tables else None
    loss = "—" if snap.loss is None else f"{snap.loss:.4g}"
    left, right = st.columns(2)
    with left:
        show_figure(
            figures["loss"],
            key="fit_loss_chart",
            alt=f"Loss per step over {snap.step:,} steps, now {loss}; "
            f"the optimum is {optimum.loss:.4g}. The table below lists it at milestones.",
        )
        if frames is not None:
            chart_table("Loss at milestones", frames["loss"])
    with right:
        show_figure(
            figures["fit"],
            key="fit_curve_chart",
            alt=f"The target, the current fit after {snap.step:,} steps and the optimal "
            "polynomial over x, with the data points. The table below lists them at 11 x values.",
        )
        if frames is not None:
            chart_table("The fit at 11 points", frames["fit"])
    show_figure(
        figures["coefficients"],
        key="fit_coef_chart",
        alt="Each coefficient's value per step, dotted lines at their optimal values. "
        "The table below lists them now and at the optimum.",
    )
    if frames is not None:
        chart_table("Coefficients", frames["coefficients"])
    else:
        st.caption(TABLES_LATER)
