"""The exact least-squares optimum of a sin-fit run, and the largest stable learning rate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.sin_fit.config import SineFitConfig
from core.sin_fit.data import make_data


def _features(x: np.ndarray, config: SineFitConfig) -> np.ndarray:
    """Float64 design matrix of the model as the listing writes it: 1, x, x**2, ... (or x * k)."""
    x = x.astype(np.float64)
    if config.power_typo:
        columns = [np.ones_like(x), x] + [x * k for k in range(2, config.degree + 1)]
    else:
        columns = [x**k for k in range(config.degree + 1)]
    return np.stack(columns, axis=1)  # (n, degree + 1)


# A float32 sum of the loss's terms may round below the exact value by about this fraction of
# it (pairwise summation: ~11 roundings of 6e-8 for 2,000 points, ~15 for the most, 20,000).
FLOAT32_ROUNDING = 1e-6


@dataclass(frozen=True)
class Optimum:
    """The best polynomial for the run's loss on its points: its loss and coefficients (x^0
    first). For MSE the least-squares one; for L1 and Huber the one that minimises that loss."""

    loss: float
    coefficients: np.ndarray

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The optimal polynomial at the points x."""
        return np.polynomial.polynomial.polyval(np.asarray(x, dtype=np.float64), self.coefficients)

    def gap(self, loss: float) -> float:
        """How far a run's loss is above this optimum. A float32 loss that ends just below the
        float64 optimum (its sum rounded down: 3e-8 of it was seen) is at the optimum, so it
        counts as 0 rather than as beating the best possible; a loss further below is shown
        as it is (something else would be wrong)."""
        gap = float(loss) - self.loss
        if -FLOAT32_ROUNDING * abs(self.loss) <= gap < 0:
            return 0.0
        return gap


def _point_losses(residual: np.ndarray, loss: str) -> np.ndarray:
    """Each point's loss (float64), as torch's MSELoss / L1Loss / HuberLoss(delta=1) count it."""
    size = np.abs(residual)
    if loss == "mse":
        return residual**2
    if loss == "l1":
        return size
    return np.where(size <= 1, 0.5 * residual**2, size - 0.5)


def _robust_fit(design: np.ndarray, y: np.ndarray, loss: str) -> np.ndarray:
    """The coefficients that minimise the L1 or Huber loss: iteratively reweighted least squares
    (each point weighted by its loss's slope over its residual), from the least-squares fit.
    Both losses are convex, so this converges to their minimum (to float64's precision)."""
    coefficients, *_ = np.linalg.lstsq(design, y, rcond=None)
    for _ in range(1000):
        size = np.abs(design @ coefficients - y)
        if loss == "l1":
            weights = 1 / np.maximum(size, 1e-12)
        else:
            weights = np.where(size <= 1, 1.0, 1 / np.maximum(size, 1e-12))
        root = np.sqrt(weights)
        new, *_ = np.linalg.lstsq(design * root[:, None], y * root, rcond=None)
        if np.max(np.abs(new - coefficients)) <= 1e-15:
            return new
        coefficients = new
    return coefficients


def optimum_loss(config: SineFitConfig) -> Optimum:
    """The best loss a degree-`degree` polynomial can reach on the config's points, in float64,
    for the config's loss: least squares for MSE, the L1 / Huber minimum otherwise.

    For the seed's cubic on 2000 points in [-π, π] this is SSE 8.8172 (MSE, reduction "sum").
    """
    x, y = make_data(config)
    y = y.astype(np.float64)
    design = np.stack([x.astype(np.float64) ** k for k in range(config.degree + 1)], axis=1)
    if config.loss == "mse":
        coefficients, *_ = np.linalg.lstsq(design, y, rcond=None)
    else:
        coefficients = _robust_fit(design, y, config.loss)
    total = float(np.sum(_point_losses(design @ coefficients - y, config.loss)))
    loss = total if config.reduction == "sum" else total / config.n_points
    return Optimum(loss=loss, coefficients=coefficients)


def stable_lr(config: SineFitConfig) -> float | None:
    """The largest lr at which plain (or momentum) gradient descent on this loss still converges.

    The loss is quadratic with Hessian H = 2 XᵀX (divided by n for "mean"); gradient descent is
    stable below 2 / λmax(H), heavy-ball momentum below 2 (1 + μ) / λmax(H). None where no such
    simple bound exists (adaptive optimizers, the Legendre model, the L1 and Huber losses).
    """
    adaptive = config.uses_optimizer and config.optimizer not in ("sgd", "momentum")
    if adaptive or config.variant == "legendre" or config.loss != "mse":
        return None
    x, _ = make_data(config)
    design = _features(x, config)
    largest = float(np.linalg.eigvalsh(design.T @ design).max()) * 2
    if config.reduction == "mean":
        largest /= config.n_points
    bound = 2 / largest
    if config.uses_optimizer and config.optimizer == "momentum":
        bound *= 1 + config.momentum
    return bound
