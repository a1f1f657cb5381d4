"""The sin(x) fit page's live panel: its tick, progress and metrics, the three live charts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.sin_fit import (
    TARGETS,
    Optimum,
    SineFitTrainer,
    coefficient_series,
    fit_curves,
    optimum_per_coefficient,
)
from ui.accessibility import chart_table, milestones
from ui.live_chart import Curve, history_figure, lines_figure, show_figure

TICK_SECONDS = 0.5  # the live fragment reruns this often while training...
BUDGET_SECONDS = 0.4  # ...and trains this long each time, so Stop answers within a tick


def progress_and_metrics(trainer: SineFitTrainer, optimum: Optimum, rate: float | None) -> None:
    """Progress bar with steps/s, and loss / optimum / gap as metrics."""
    config = trainer.config
    done = min(trainer.step / config.steps, 1.0)
    speed = f" · {rate:,.0f} steps/s" if rate else ""
    st.progress(done, text=f"step {trainer.step:,} of {config.steps:,}{speed}")
    loss = trainer.loss
    columns = st.columns(4)
    columns[0].metric("Loss now", "—" if loss is None else f"{loss:.6g}")
    columns[1].metric(
        f"Best possible ({config.reduction})",
        f"{optimum.loss:.6g}",
        help="The exact least-squares polynomial of this degree on the same points.",
    )
    columns[2].metric("Gap to the optimum", "—" if loss is None else f"{loss - optimum.loss:.4g}")
    columns[3].metric("Training time", f"{trainer.seconds:.2f} s")
    if trainer.divergence:
        st.error(trainer.divergence)


def build_figures(
    trainer: SineFitTrainer, optimum: Optimum, log_y: bool, smoothing: float
) -> dict[str, go.Figure]:
    """The three live charts: loss curve, fit over the data, the coefficients' trajectories."""
    config = trainer.config
    loss_chart = history_figure(
        [Curve("loss", trainer.loss_history)],
        title="Loss per step",
        log_y=log_y,
        smoothing=smoothing,
        hlines=[(optimum.loss, f"optimum {optimum.loss:.4g}")],
    )
    curves = fit_curves(trainer, optimum)
    x, y = trainer.data()
    fit_chart = lines_figure(
        curves["x"],
        {
            TARGETS[config.target].label: curves["target"],
            "current fit": curves["fit"],
            "optimum": curves["optimum"],
        },
        title=f"Fit after {trainer.step:,} steps",
        x_title="x",
        y_title="y",
        dashed=["optimum"],
        points=(x, y, f"{config.n_points:,} data points"),
    )
    coefficient_chart = lines_figure(
        trainer.coefficient_trace.steps,
        coefficient_series(trainer),
        title="Coefficients (dotted: their optimal values)",
        x_title="step",
        y_title="value",
        hlines=[(v, "") for v in optimum_per_coefficient(config, optimum)],
        limit=600,
    )
    return {"loss": loss_chart, "fit": fit_chart, "coefficients": coefficient_chart}


def chart_frames(trainer: SineFitTrainer, optimum: Optimum) -> dict[str, pd.DataFrame]:
    """The numbers of the three charts, a handful of rows each: the loss at milestones, the
    fit at eleven x values, each coefficient now and at the optimum."""
    history = trainer.loss_history
    steps = milestones(len(history))
    loss = pd.DataFrame({"step": steps, "loss": [float(history[i]) for i in steps]})
    curves = fit_curves(trainer, optimum, points=11)
    fit = pd.DataFrame(
        {
            "x": np.round(curves["x"], 4),
            TARGETS[trainer.config.target].label: curves["target"],
            "current fit": curves["fit"],
            "optimum": curves["optimum"],
        }
    )
    series = coefficient_series(trainer)
    best = optimum_per_coefficient(trainer.config, optimum)
    coefficients = pd.DataFrame(
        {
            "coefficient": list(series),
            "now": [float(v[-1]) if len(v) else None for v in series.values()],
            "optimum": best[: len(series)] + [None] * (len(series) - len(best)),
        }
    )
    return {"loss": loss, "fit": fit, "coefficients": coefficients}


def charts(trainer: SineFitTrainer, optimum: Optimum, log_y: bool, smoothing: float) -> None:
    """Draw the live charts: loss and fit side by side, coefficients below; under each, its
    numbers as a table (a screen reader's view of the chart)."""
    figures = build_figures(trainer, optimum, log_y, smoothing)
    frames = chart_frames(trainer, optimum)
    loss = "—" if trainer.loss is None else f"{trainer.loss:.4g}"
    left, right = st.columns(2)
    with left:
        show_figure(
            figures["loss"],
            key="fit_loss_chart",
            alt=f"Loss per step over {trainer.step:,} steps, now {loss}; "
            f"the optimum is {optimum.loss:.4g}. The table below lists it at milestones.",
        )
        chart_table("Loss at milestones", frames["loss"])
    with right:
        show_figure(
            figures["fit"],
            key="fit_curve_chart",
            alt=f"The target, the current fit after {trainer.step:,} steps and the optimal "
            "polynomial over x, with the data points. The table below lists them at 11 x values.",
        )
        chart_table("The fit at 11 points", frames["fit"])
    show_figure(
        figures["coefficients"],
        key="fit_coef_chart",
        alt="Each coefficient's value per step, dotted lines at their optimal values. "
        "The table below lists them now and at the optimum.",
    )
    chart_table("Coefficients", frames["coefficients"])
