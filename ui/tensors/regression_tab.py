"""The inspector's regression tab: the notes' linear regression by hand in NumPy and with
autograd, side by side, stepped together (core/tensors/regression.py)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.tensors import InspectorError
from core.tensors.regression import HandVsAutograd, RegressionConfig, parse_points
from ui.accessibility import chart_table
from ui.live_chart import lines_figure, show_figure

SETTINGS = {  # widget key -> default; app_pages/tensors.py puts them in the page's link
    "tns_reg_x": "1, 2, 3, 4",
    "tns_reg_y": "2, 4, 6, 8",
    "tns_reg_w0": 0.0,
    "tns_reg_b0": 0.0,
    "tns_reg_lr": 0.01,
    "tns_reg_bias": False,
    "tns_reg_notes": False,
}
FIRST_STEPS = 10  # the notes' n_iters: a new run starts with these done


def _config() -> RegressionConfig:
    state = st.session_state
    return RegressionConfig(
        x=parse_points(state["tns_reg_x"], "x"),
        y=parse_points(state["tns_reg_y"], "y"),
        w0=float(state["tns_reg_w0"]),
        b0=float(state["tns_reg_b0"]) if state["tns_reg_bias"] else 0.0,
        lr=float(state["tns_reg_lr"]),
        bias=bool(state["tns_reg_bias"]),
        notes_gradient=bool(state["tns_reg_notes"]),
    )


def _controls() -> tuple[bool, bool, bool]:
    a, b, c, d = st.columns([2, 2, 1, 1])
    a.text_input("x values", key="tns_reg_x")
    b.text_input("y values", key="tns_reg_y")
    c.number_input("start w", -1e5, 1e5, step=0.5, key="tns_reg_w0")
    d.number_input("learning rate", 1e-6, 1.0, step=0.005, format="%.4f", key="tns_reg_lr")
    e, f, g = st.columns([1, 1, 2])
    bias = e.checkbox("with a bias b (y = w·x + b)", key="tns_reg_bias")
    if bias:
        f.number_input("start b", -1e5, 1e5, step=0.5, key="tns_reg_b0")
    g.checkbox("NumPy uses the notes' formula np.dot(2*x, y_pred - y).mean()", key="tns_reg_notes")
    one, ten, reset = st.columns(3)
    return (
        one.button("Step both", type="primary", key="tns_reg_step"),
        ten.button("10 steps", key="tns_reg_step10"),
        reset.button("Reset", key="tns_reg_reset"),
    )


def regression_tab() -> None:
    st.subheader("Linear regression: gradients by hand (NumPy) vs loss.backward() (autograd)")
    st.caption(
        "The course notes fit y = w·x twice: once in NumPy, with the gradient of the mean squared "
        "error worked out on paper, once in PyTorch, where loss.backward() finds it. Same data, "
        "same start, same learning rate, float32 on both sides: every step runs both."
    )
    step_one, step_ten, reset = _controls()
    try:
        config = _config()
    except InspectorError as exc:
        st.error(str(exc))
        return
    run = st.session_state.get("tns_reg_run")
    if reset or run is None or run.config != config:
        run = HandVsAutograd(config)
        run.step(FIRST_STEPS)
        st.session_state["tns_reg_run"] = run
    try:
        if step_one or step_ten:
            run.step(1 if step_one else 10)
    except InspectorError as exc:
        st.warning(str(exc))
    _side_by_side(run)
    _agreement(run)
    _history(run)


def _side_by_side(run: HandVsAutograd) -> None:
    config, last = run.config, run.rows[-1]
    bias = " + b" if config.bias else ""
    hand = (
        "np.dot(2*x, y_pred - y).mean()   # the notes' formula"
        if config.notes_gradient
        else "(2*x*(y_pred - y)).mean()"
    )
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**NumPy, gradients by hand**")
        st.code(
            f"x = np.array({list(config.x)}, dtype=np.float32)\n"
            f"y = np.array({list(config.y)}, dtype=np.float32)\n"
            f"w = np.float32({config.w0})\n"
            f"y_pred = w*x{bias}\nl = ((y_pred - y)**2).mean()\n"
            f"dw = {hand}\n"
            + ("db = (2*(y_pred - y)).mean()\n" if config.bias else "")
            + f"w -= {config.lr} * dw"
            + (f"\nb -= {config.lr} * db" if config.bias else ""),
            language="python",
            wrap_lines=True,
        )
        predicted = run.predict(5.0)[0]
        st.markdown(
            f"after step {last['step']}: **w = {last['w (NumPy)']:.6g}**"
            + (f", b = {last['b (NumPy)']:.6g}" if config.bias else "")
            + f", loss {last['loss (NumPy)']:.6g}, f(5) = {predicted:.5g}"
        )
    with right:
        st.markdown("**PyTorch, loss.backward()**")
        st.code(
            f"x = torch.tensor({list(config.x)})\ny = torch.tensor({list(config.y)})\n"
            f"w = torch.tensor({config.w0}, requires_grad=True)\n"
            f"y_pred = w*x{bias}\nl = ((y_pred - y)**2).mean()\n"
            "l.backward()                # fills w.grad\n"
            f"with torch.no_grad():\n    w -= {config.lr} * w.grad\nw.grad.zero_()",
            language="python",
            wrap_lines=True,
        )
        predicted = run.predict(5.0)[1]
        st.markdown(
            f"after step {last['step']}: **w = {last['w (autograd)']:.6g}**"
            + (f", b = {last['b (autograd)']:.6g}" if config.bias else "")
            + f", loss {last['loss (autograd)']:.6g}, f(5) = {predicted:.5g}"
        )


def _agreement(run: HandVsAutograd) -> None:
    gap = run.largest_gap()
    if run.diverged():
        st.warning(
            f"The fit diverged: with learning rate {run.config.lr} each step overshoots, the "
            "loss grows every step until float32 overflows (inf, then nan). Try a smaller "
            "learning rate and Reset.",
            icon="⚠️",
        )
    elif run.agree():
        st.success(
            f"The gradient written by hand and the one autograd computes agree at every one of "
            f"the {run.steps} steps (largest difference {gap:.2g}, float32 rounding), so the "
            "weights stay equal.",
            icon="✅",
        )
    elif run.config.notes_gradient:
        first = run.rows[0]
        st.warning(
            f"They disagree from step 1: dw by hand = {first['dw by hand']:.6g}, w.grad = "
            f"{first['w.grad']:.6g}, {len(run.config.x)} times larger. np.dot already sums "
            "over the points, and .mean() of one number is that number, so this is the sum, "
            "not the mean. The mean is (2*x*(y_pred - y)).mean(); autograd differentiates "
            "the loss as written and cannot make this mistake.",
            icon="⚠️",
        )
    else:
        st.warning(
            f"The two sides drifted apart (largest gradient difference {gap:.3g}). With this "
            "learning rate the fit diverges: the numbers grow until float32 rounds them "
            "differently, or overflows. Try a smaller learning rate.",
            icon="⚠️",
        )


def _history(run: HandVsAutograd) -> None:
    frame = pd.DataFrame(run.rows)
    st.markdown("**Every step, both sides** (loss before the step, gradient, weight after it)")
    st.dataframe(frame, hide_index=True, width="stretch", height=min(40 + 35 * len(frame), 320))
    figure = lines_figure(
        frame["step"].to_numpy(),
        {
            "loss (NumPy)": frame["loss (NumPy)"].to_numpy(),
            "loss (autograd)": frame["loss (autograd)"].to_numpy(),
        },
        title="Loss per step, NumPy by hand and autograd",
        x_title="step",
        y_title="mean squared error",
        dashed=("loss (autograd)",),
    )
    show_figure(
        figure,
        key="tns_reg_chart",
        alt=f"Loss per step over {run.steps} steps for both sides: NumPy from "
        f"{frame['loss (NumPy)'].iloc[0]:.4g} to {frame['loss (NumPy)'].iloc[-1]:.4g}, autograd "
        f"from {frame['loss (autograd)'].iloc[0]:.4g} to {frame['loss (autograd)'].iloc[-1]:.4g}.",
    )
    chart_table("Loss per step", frame[["step", "loss (NumPy)", "loss (autograd)"]])
