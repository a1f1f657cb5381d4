"""The losses a sin-fit run can train with: MSE (the seed's), L1 and Huber, in every variant.

The nn variants use the torch.nn loss module; the raw-tensor listings write the loss out on
tensors; the NumPy listing writes the loss and its gradient with respect to the residual by hand.
"""

from __future__ import annotations

import numpy as np
import torch

LOSS_LABELS = {
    "mse": "MSE: squared error",
    "l1": "L1: absolute error",
    "huber": "Huber: squared when small, absolute when large",
}
LOSS_CLASSES = {"mse": "MSELoss", "l1": "L1Loss", "huber": "HuberLoss"}  # torch.nn classes
# What each loss punishes, in a sentence the page shows beside the choice.
LOSS_NOTES = {
    "mse": "MSE squares each error: a point twice as far off costs four times as much, so a few "
    "far-off points pull the fit hard, and the gradient shrinks as the errors do.",
    "l1": "L1 adds up the errors' sizes: every point pulls with the same strength however far off "
    "it is, so outliers matter less; its gradient is only the errors' signs, so it does not "
    "shrink near the optimum (plain gradient descent ends up hopping around it).",
    "huber": "Huber (delta 1) squares errors below 1 and counts larger ones by their size: MSE's "
    "smooth landing near the fit, L1's calm about far-off points.",
}


def loss_module(loss: str, reduction: str) -> torch.nn.Module:
    """The torch.nn loss module for `loss` ("mse", "l1", "huber") with `reduction`."""
    return getattr(torch.nn, LOSS_CLASSES[loss])(reduction=reduction)


def loss_module_code(loss: str, reduction: str) -> str:
    """The line that builds loss_module(loss, reduction)."""
    return f"torch.nn.{LOSS_CLASSES[loss]}(reduction={reduction!r})"


def tensor_loss(y_pred: torch.Tensor, y: torch.Tensor, loss: str, reduction: str) -> torch.Tensor:
    """The loss written on tensors, as the raw-tensor listings write it (tensor_loss_code)."""
    if loss == "mse":
        squares = (y_pred - y).pow(2)
        return squares.sum() if reduction == "sum" else squares.mean()
    if loss == "l1":
        sizes = (y_pred - y).abs()
        return sizes.sum() if reduction == "sum" else sizes.mean()
    return torch.nn.functional.huber_loss(y_pred, y, reduction=reduction)


def tensor_loss_code(loss: str, reduction: str) -> str:
    """The line of code tensor_loss runs."""
    if loss == "mse":
        return f"loss = (y_pred - y).pow(2).{reduction}()"
    if loss == "l1":
        return f"loss = (y_pred - y).abs().{reduction}()"
    return f"loss = torch.nn.functional.huber_loss(y_pred, y, reduction={reduction!r})"


def numpy_loss_terms(residual: np.ndarray, loss: str) -> tuple[np.ndarray, np.ndarray]:
    """Each point's loss and its derivative with respect to the residual y_pred - y."""
    if loss == "mse":
        return residual**2, 2 * residual
    if loss == "l1":
        return np.abs(residual), np.sign(residual)
    size = np.abs(residual)
    small = size <= 1
    terms = np.where(small, 0.5 * residual**2, size - 0.5).astype(residual.dtype)
    return terms, np.clip(residual, -1, 1)


def numpy_loss_code(loss: str) -> tuple[str, str]:
    """The NumPy listing's two lines: each point's loss, and its derivative (d loss / d residual)."""
    if loss == "mse":
        return "residual**2", "2 * residual"
    if loss == "l1":
        return "np.abs(residual)", "np.sign(residual)"
    return (
        "np.where(np.abs(residual) <= 1, 0.5 * residual**2, np.abs(residual) - 0.5)",
        "np.clip(residual, -1, 1)",
    )
