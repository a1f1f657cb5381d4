"""The sin(x) fit page's settings: widgets that build a SineFitConfig, presets, warnings."""

from __future__ import annotations

import math
from dataclasses import fields

import streamlit as st

from core.optimizers import OPTIMIZER_LABELS
from core.sin_fit import (
    FIXED_CUBIC,
    LOSS_LABELS,
    LOSS_NOTES,
    LOSSES,
    OPTIMIZERS,
    PRESETS,
    TARGETS,
    VARIANTS,
    SineFitConfig,
)
from ui.classroom import load_settings_from_url

LR_CHOICES = [float(f"{m}e{e}") for e in range(-8, 0) for m in (1, 2, 5)] + [1.0]
# Adam's two beta sliders: label, range, step, number format, widget key
ADAM_BETAS = (
    ("Adam beta1", 0.0, 0.999, 0.001, "%.3f", "fit_beta1"),
    ("Adam beta2", 0.9, 0.9999, 0.0001, "%.4f", "fit_beta2"),
)
VARIANT_LABELS = {  # in the notes' order: their listings 1, 2 and 3 first
    "autograd": "listing 1: raw tensors + autograd",
    "optim": "listing 2: nn.Sequential + torch.optim",
    "nn": "listing 3: nn.Sequential + manual update",
    "module": "Polynomial3, a subclass of nn.Module + torch.optim",
    "numpy": "NumPy, gradients by hand",
    "legendre": "Legendre P3, custom autograd.Function",
}
# config field -> widget key; the interval is two widgets
KEYS = {
    "variant": "fit_variant",
    "optimizer": "fit_optimizer",
    "lr": "fit_lr",
    "momentum": "fit_momentum",
    "beta1": "fit_beta1",
    "beta2": "fit_beta2",
    "degree": "fit_degree",
    "n_points": "fit_points",
    "target": "fit_target",
    "noise": "fit_noise",
    "reduction": "fit_reduction",
    "loss": "fit_loss",
    "seed": "fit_seed",
    "steps": "fit_steps",
    "power_typo": "fit_typo",
    "forget_zero_grad": "fit_forget",
}


SHARED_KEYS = [*KEYS.values(), "fit_lo", "fit_hi"]  # what a shared link carries


def _nearest_lr(value: float) -> float:
    return min(LR_CHOICES, key=lambda choice: abs(math.log10(choice) - math.log10(value)))


def write_config_to_widgets(config: SineFitConfig) -> None:
    """Put a config's values into the widgets' session state (call before the widgets exist)."""
    for item in fields(config):
        if item.name in KEYS:
            value = getattr(config, item.name)
            st.session_state[KEYS[item.name]] = _nearest_lr(value) if item.name == "lr" else value
    st.session_state["fit_lo"], st.session_state["fit_hi"] = (float(v) for v in config.interval)


def load_preset() -> None:
    """on_change callback of the preset picker."""
    name = st.session_state.get("fit_preset")
    if name in PRESETS:
        write_config_to_widgets(PRESETS[name])


def settings_sidebar() -> SineFitConfig:
    """Draw the settings in the sidebar and return the config they describe.

    Raises SineFitError (a sentence) when the combination is not allowed.
    """
    if "fit_variant" not in st.session_state:
        write_config_to_widgets(SineFitConfig())
    load_settings_from_url(
        {key: st.session_state[key] for key in SHARED_KEYS if key in st.session_state},
        {
            "fit_variant": list(VARIANTS),
            "fit_optimizer": list(OPTIMIZERS),
            "fit_target": list(TARGETS),
            "fit_lr": LR_CHOICES,
            "fit_reduction": ["sum", "mean"],
            "fit_loss": list(LOSSES),
        },
    )
    with st.sidebar:
        st.subheader("Fit settings")
        variant, optimizer = _loop_settings()
        reduction = _loss_settings()
        typo = _data_settings(variant)
    return _config_from_state(variant, optimizer, reduction, typo)


def loss_choice() -> str:
    """The loss picker (on the page, beside the charts it changes) and what it punishes."""
    loss = st.radio(
        "Loss function",
        LOSSES,
        format_func=LOSS_LABELS.get,
        horizontal=True,
        key="fit_loss",
        help="Which torch.nn loss the run trains on (the raw-tensor and NumPy listings write "
        "the same loss out by hand). Changing it starts a fresh run.",
    )
    st.caption(
        LOSS_NOTES[loss]
        + " The dashed optimum and 'Best possible' are the best cubic for this loss, computed "
        "exactly (least squares for MSE; for L1 and Huber by reweighted least squares)."
    )
    return loss


def _loop_settings() -> tuple[str, str]:
    """Variant, optimizer and the optimizer's parameters; returns the variant and optimizer."""
    variant = st.selectbox(
        "Variant",
        VARIANTS,
        format_func=lambda v: f"{v} — {VARIANT_LABELS[v]}",
        key="fit_variant",
        help="Which of the seed's listings runs. Each one runs its own code: see 'Show the code'.",
    )
    optimizer = st.selectbox(
        "Optimizer",
        OPTIMIZERS,
        format_func=OPTIMIZER_LABELS.get,
        key="fit_optimizer",
        disabled=variant not in ("optim", "module"),
        help="Only the torch.optim variants (listing 2 and Polynomial3) use an optimizer object; "
        "the others update the coefficients by hand (plain gradient descent).",
    )
    optimised = variant in ("optim", "module")
    uses = {
        "momentum": optimised and optimizer == "momentum",
        "adam": optimised and optimizer == "adam",
    }
    with st.expander("Optimizer parameters", expanded=uses["momentum"] or uses["adam"]):
        st.slider(
            "Momentum", 0.0, 0.99, step=0.01, key="fit_momentum", disabled=not uses["momentum"]
        )
        for label, low, high, step, number, key in ADAM_BETAS:
            st.slider(
                label, low, high, step=step, format=number, key=key, disabled=not uses["adam"]
            )
    return variant, optimizer


def _loss_settings() -> str:
    """Learning rate, loss reduction (with what it means) and steps; returns the reduction."""
    st.select_slider("Learning rate", LR_CHOICES, format_func=lambda v: f"{v:.0e}", key="fit_lr")
    reduction = st.radio("Loss reduction", ["sum", "mean"], horizontal=True, key="fit_reduction")
    points = st.session_state.get("fit_points", 2000)
    st.caption(
        f"'sum' adds up the errors of all {points:,} points, so its gradient is {points:,}× that of "
        "'mean': that is why the seed pairs 'sum' with lr 1e-6."
        if reduction == "sum"
        else "'mean' averages the errors: gradients stay the same size whatever the number of points."
    )
    st.number_input("Steps", min_value=1, max_value=100_000, step=500, key="fit_steps")
    return reduction


def _data_settings(variant: str) -> bool:
    """Degree, target, points, interval, noise, seed and the typo toggle; returns the toggle."""
    st.slider(
        "Degree",
        1,
        7,
        key="fit_degree",
        disabled=variant in FIXED_CUBIC,
        help="This variant's model is always a cubic." if variant in FIXED_CUBIC else None,
    )
    st.selectbox("Target", list(TARGETS), format_func=lambda t: TARGETS[t].label, key="fit_target")
    st.slider("Points", 10, 20_000, step=10, key="fit_points")
    left, right = st.columns(2)
    left.number_input("x from", -10.0, 10.0, step=0.5, format="%.4f", key="fit_lo")
    right.number_input("x to", -10.0, 10.0, step=0.5, format="%.4f", key="fit_hi")
    st.slider("Noise (std of y)", 0.0, 1.0, step=0.05, key="fit_noise")
    st.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key="fit_seed")
    return st.toggle(
        "Listing 1 as printed: x * 2 instead of x ** 2",
        key="fit_typo",
        disabled=variant != "autograd",
        help="The seed's raw-tensor listing has this typo; its loss stalls near 393.",
    )


def _config_from_state(variant: str, optimizer: str, reduction: str, typo: bool) -> SineFitConfig:
    """The config the widgets describe (fields a variant ignores get their fixed values)."""
    state = st.session_state
    return SineFitConfig(
        variant=variant,
        optimizer=optimizer,
        lr=float(state["fit_lr"]),
        momentum=float(state.get("fit_momentum", 0.9)),
        beta1=float(state.get("fit_beta1", 0.9)),
        beta2=float(state.get("fit_beta2", 0.999)),
        degree=3 if variant in FIXED_CUBIC else int(state["fit_degree"]),
        n_points=int(state["fit_points"]),
        target=state["fit_target"],
        interval=(float(state["fit_lo"]), float(state["fit_hi"])),
        noise=float(state["fit_noise"]),
        reduction=reduction,
        loss=state.get("fit_loss", "mse"),
        seed=int(state["fit_seed"]),
        steps=int(state["fit_steps"]),
        power_typo=bool(typo) and variant == "autograd",
        forget_zero_grad=bool(state.get("fit_forget", False)) and variant != "numpy",
    )


MODULE_NOTE = (
    "**Subclassing `nn.Module`.** `__init__` runs once, when `Polynomial3()` is called: it "
    "creates a, b, c and d as `nn.Parameter`, which registers them with the module, so "
    "`model.parameters()` hands them to the optimizer. `forward` runs on every `model(x)`: it is "
    "the maths from input to output, and autograd records it for `loss.backward()`. "
    "`nn.Sequential` is the same idea with `forward` written for you: it calls its layers in turn."
)


def config_notes(config) -> None:
    """Explain the Polynomial3 variant, and say out loud when a deliberate mistake is on."""
    if config.variant == "module":
        from core.parsing import source_of
        from core.sin_fit import Polynomial3

        st.info(MODULE_NOTE)
        st.code(source_of(Polynomial3), language="python", wrap_lines=True)
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
