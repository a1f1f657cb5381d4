"""The autograd page's tables: every variable of the program, and the gradient check."""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch

from core.expressions import ExpressionError, Program, check_gradients
from core.graph import GradientCheck, format_tensor, holds_grad
from core.messages import non_finite_note


def variables_table(program: Program) -> None:
    """Every variable: value, grad, requires_grad, is_leaf, grad_fn."""
    rows = []
    for name, value in program.env.items():
        if isinstance(value, torch.Tensor):
            rows.append(
                {
                    "name": name,
                    "shape": str(tuple(value.shape)),
                    "dtype": str(value.dtype).replace("torch.", ""),
                    "value": format_tensor(value),
                    "grad": format_tensor(value.grad) if holds_grad(value) else "—",
                    "requires_grad": value.requires_grad,
                    "is_leaf": value.is_leaf,
                    "grad_fn": type(value.grad_fn).__name__
                    if value.grad_fn is not None
                    else "None",
                }
            )
        else:
            rows.append(
                {
                    "name": name,
                    "shape": "",
                    "dtype": type(value).__name__,
                    "value": str(value),
                    "grad": "—",
                    "requires_grad": False,
                    "is_leaf": True,
                    "grad_fn": "None",
                }
            )
    if not rows:
        st.caption("The program assigned no variables yet.")
        return
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    for name, value in program.variables.items():
        note = non_finite_note(name, value)
        if note:
            st.warning(note, icon="♾️")


def checks_table(checks: list[GradientCheck]) -> None:
    """One row per leaf: ✓ or the largest difference."""
    rows = [
        {
            "leaf": c.name,
            "shape": str(c.shape),
            "elements checked": f"{c.checked} of {max(1, c.elements)}",
            "autograd": ", ".join(f"{v:.6g}" for v in c.autograd[:4])
            + (" …" if c.checked > 4 else ""),
            "finite difference": ", ".join(f"{v:.6g}" for v in c.numeric[:4])
            + (" …" if c.checked > 4 else ""),
            "result": "✓" if c.ok else f"differs by {c.max_abs_diff:.3g}",
        }
        for c in checks
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def gradient_check(program: Program) -> None:
    """Button, then the comparison of autograd with finite differences in float64."""
    st.caption(
        "Each leaf's gradient from autograd next to a central finite difference "
        "(f(x + ε) − f(x − ε)) / 2ε computed in float64, for the first backward(). "
        "A difference is expected where the program uses detach() or no_grad(): "
        "autograd ignores those paths on purpose, the finite difference does not."
    )
    if st.button("Run the gradient check", key="ag_check"):
        try:
            st.session_state["ag_check_result"] = check_gradients(program)
        except (ExpressionError, ValueError) as exc:
            st.session_state["ag_check_result"] = str(exc)
    result = st.session_state.get("ag_check_result")
    if isinstance(result, str):
        st.warning(result)
    elif result:
        checks_table(result)
