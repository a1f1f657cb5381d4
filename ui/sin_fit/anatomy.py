"""The sin(x) fit page's training-loop anatomy: the phases, the next one marked, values and .grad."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.sin_fit import PhaseReport, SineFitTrainer

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


def anatomy(trainer: SineFitTrainer, report: PhaseReport | None) -> None:
    """The loop's phases with the next one marked, and each parameter's value and .grad."""
    lines = []
    for index, phase in enumerate(trainer.phases):
        mark = "▶ " if index == trainer.phase_index else "  "
        code = phase.code.replace("\n", "\n      ")
        lines.append(f"{mark}{index + 1}. {code}")
    st.code("\n".join(lines), language="python", wrap_lines=True)
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
