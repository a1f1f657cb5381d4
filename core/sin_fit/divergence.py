"""The sentence that explains why a sin-fit run diverged, and what to change."""

from __future__ import annotations

from core.sin_fit.config import SineFitConfig
from core.sin_fit.optimum import stable_lr


def explain_divergence(config: SineFitConfig, step: int, what: str) -> str:
    """'Training stopped at step N: <what>.' followed by the likely cause for this config."""
    text = f"Training stopped at step {step}: {what}. "
    if config.forget_zero_grad:
        text += (
            "zero_grad is switched off, so every backward() adds its gradient to all the old ones "
            "and the steps keep growing until they overshoot. Switch zero_grad back on. "
        )
        return text
    bound = stable_lr(config)
    if bound is not None:
        if config.reduction == "sum":
            text += (
                f"With reduction 'sum' the gradient grows with the number of points ({config.n_points:,}), "
                f"so this descent is only stable for a learning rate below about {bound:.2g}; "
                f"you used {config.lr:.2g}. Lower the learning rate or switch the reduction to 'mean'."
            )
        else:
            text += (
                f"This descent is only stable for a learning rate below about {bound:.2g}; "
                f"you used {config.lr:.2g}. Lower the learning rate."
            )
    elif config.variant == "legendre":
        text += f"The learning rate {config.lr:.2g} is too large for this model: try 5e-6, the tutorial's value."
    else:
        text += (
            f"{config.optimizer.capitalize()} moves each coefficient by about the learning rate every "
            f"step whatever the gradient's size, and x^{config.degree} is large here, so lr "
            f"{config.lr:.2g} overshoots. Try a learning rate ten times smaller."
        )
    return text
