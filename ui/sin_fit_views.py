"""What the sin(x) fit page draws: live metrics and charts, the loop anatomy, run records."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.sin_fit import (
    TARGETS,
    Optimum,
    PhaseReport,
    SineFitTrainer,
    describe_config,
    fit_curves,
    optimum_per_coefficient,
)
from ui.live_chart import Curve, history_figure, lines_figure, show_figure
from ui.run_table import RunRecord

TICK_SECONDS = 0.5  # the live fragment reruns this often while training...
BUDGET_SECONDS = 0.4  # ...and trains this long each time, so Stop answers within a tick

PHASE_NOTES = {
    "forward": "The model computed y_pred from x with the current coefficients. No gradients yet.",
    "loss": "The loss compares y_pred with y: one number that autograd can differentiate.",
    "zero_grad": "Every .grad was cleared, so the coming backward() starts from nothing.",
    "backward": "backward() walked the graph and filled each parameter's .grad (added to what was there).",
    "gradient": "NumPy has no autograd: the gradient 2·Xᵀ(y_pred − y) was written out by hand.",
    "step": "Each coefficient moved against its gradient. That completes one training step.",
}
FORGOT_NOTE = (
    "zero_grad is switched off: .grad still holds every earlier step's gradient, and the coming "
    "backward() adds the new one on top."
)


def config_notes(config) -> None:
    """Say out loud when a deliberate mistake is switched on."""
    if config.power_typo:
        st.warning(
            "This is listing 1 exactly as the seed prints it: `c * x * 2 + d * x * 3`. Train it and "
            "compare the loss with the optimum. Can you spot the bug? (Hint: open 'Show the code'.)"
        )
    if config.forget_zero_grad:
        st.warning(
            "zero_grad is switched off (see the training-loop anatomy below): gradients pile up "
            "from step to step, so the fit overshoots and swings instead of settling."
        )


def progress_and_metrics(trainer: SineFitTrainer, optimum: Optimum, rate: float | None) -> None:
    """Progress bar with steps/s, and loss / optimum / gap as metrics."""
    config = trainer.config
    done = min(trainer.step / config.steps, 1.0)
    speed = f" · {rate:,.0f} steps/s" if rate else ""
    st.progress(done, text=f"step {trainer.step:,} of {config.steps:,}{speed}")
    loss = trainer.loss
    columns = st.columns(4)
    columns[0].metric("Loss now", "—" if loss is None else f"{loss:.6g}")
    columns[1].metric(f"Best possible ({config.reduction})", f"{optimum.loss:.6g}",
                      help="The exact least-squares polynomial of this degree on the same points.")
    columns[2].metric("Gap to the optimum", "—" if loss is None else f"{loss - optimum.loss:.4g}")
    columns[3].metric("Training time", f"{trainer.seconds:.2f} s")
    if trainer.divergence:
        st.error(trainer.divergence)


def build_figures(trainer: SineFitTrainer, optimum: Optimum, log_y: bool, smoothing: float) -> dict[str, go.Figure]:
    """The three live charts: loss curve, fit over the data, the coefficients' trajectories."""
    config = trainer.config
    loss_chart = history_figure(
        [Curve("loss", trainer.loss_history)], title="Loss per step", log_y=log_y, smoothing=smoothing,
        hlines=[(optimum.loss, f"optimum {optimum.loss:.4g}")],
    )
    curves = fit_curves(trainer, optimum)
    x, y = trainer.data()
    fit_chart = lines_figure(
        curves["x"],
        {TARGETS[config.target].label: curves["target"], "current fit": curves["fit"], "optimum": curves["optimum"]},
        title=f"Fit after {trainer.step:,} steps", x_title="x", y_title="y", dashed=["optimum"],
        points=(x, y, f"{config.n_points:,} data points"),
    )
    trace = trainer.coefficient_trace
    values = np.asarray(trace.values)  # (recorded steps, coefficients)
    coefficient_chart = lines_figure(
        trace.steps, {name: values[:, i] for i, name in enumerate(trainer.coefficient_names)},
        title="Coefficients (dotted: their optimal values)", x_title="step", y_title="value",
        hlines=[(v, "") for v in optimum_per_coefficient(config, optimum)], limit=600,
    )
    return {"loss": loss_chart, "fit": fit_chart, "coefficients": coefficient_chart}


def charts(trainer: SineFitTrainer, optimum: Optimum, log_y: bool, smoothing: float) -> None:
    """Draw the live charts: loss and fit side by side, coefficients below."""
    figures = build_figures(trainer, optimum, log_y, smoothing)
    left, right = st.columns(2)
    with left:
        show_figure(figures["loss"], key="fit_loss_chart")
    with right:
        show_figure(figures["fit"], key="fit_curve_chart")
    show_figure(figures["coefficients"], key="fit_coef_chart")


def anatomy(trainer: SineFitTrainer, report: PhaseReport | None) -> None:
    """The loop's phases with the next one marked, and each parameter's value and .grad."""
    lines = []
    for index, phase in enumerate(trainer.phases):
        mark = "▶ " if index == trainer.phase_index else "  "
        code = phase.code.replace("\n", "\n      ")
        lines.append(f"{mark}{index + 1}. {code}")
    st.code("\n".join(lines), language="python")
    st.caption(f"▶ marks the phase the next click runs (step {trainer.step}).")
    if report is not None:
        note = PHASE_NOTES.get(report.phase, "")
        if report.phase == "zero_grad" and trainer.config.forget_zero_grad:
            note = FORGOT_NOTE
        st.info(f"Ran **{report.phase}** of step {report.step}. {note}")
    grads = trainer.gradients
    table = pd.DataFrame(
        {
            "parameter": trainer.coefficient_names,
            "value": trainer.coefficients,
            ".grad": [None if g is None else g for g in grads],
        }
    )
    st.dataframe(table, hide_index=True, key="fit_anatomy_table")


def run_record(trainer: SineFitTrainer, run_id: int, optimum: Optimum, status: str) -> RunRecord:
    """A row for the run table from a trainer's current state."""
    config = trainer.config
    loss = trainer.loss
    settings = {
        "variant": config.variant, "optimizer": config.optimizer if config.uses_optimizer else "manual SGD",
        "lr": config.lr, "degree": config.degree, "target": TARGETS[config.target].label,
        "points": config.n_points, "noise": config.noise, "reduction": config.reduction, "seed": config.seed,
    }
    metrics = {
        "status": status,
        "final loss": loss,
        "gap to optimum": None if loss is None else loss - optimum.loss,
        "steps": trainer.step,
        "time (s)": round(trainer.seconds, 2),
    }
    history = np.asarray(trainer.loss_history, dtype=np.float32)
    return RunRecord(run_id, describe_config(config), settings, metrics, history)
