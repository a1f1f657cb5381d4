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


@dataclass(frozen=True)
class Optimum:
    """The least-squares polynomial on the run's points: its loss and coefficients (x^0 first)."""

    loss: float
    coefficients: np.ndarray

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The optimal polynomial at the points x."""
        return np.polynomial.polynomial.polyval(np.asarray(x, dtype=np.float64), self.coefficients)


def optimum_loss(config: SineFitConfig) -> Optimum:
    """The best loss a degree-`degree` polynomial can reach on the config's points, in float64.

    For the seed's cubic on 2000 points in [-π, π] this is SSE 8.8172 (reduction "sum").
    """
    x, y = make_data(config)
    design = np.stack([x.astype(np.float64) ** k for k in range(config.degree + 1)], axis=1)
    coefficients, *_ = np.linalg.lstsq(design, y.astype(np.float64), rcond=None)
    sse = float(np.sum((design @ coefficients - y) ** 2))
    loss = sse if config.reduction == "sum" else sse / config.n_points
    return Optimum(loss=loss, coefficients=coefficients)


def stable_lr(config: SineFitConfig) -> float | None:
    """The largest lr at which plain (or momentum) gradient descent on this loss still converges.

    The loss is quadratic with Hessian H = 2 XᵀX (divided by n for "mean"); gradient descent is
    stable below 2 / λmax(H), heavy-ball momentum below 2 (1 + μ) / λmax(H). None where no such
    simple bound exists (adaptive optimizers, the Legendre model).
    """
    adaptive = config.uses_optimizer and config.optimizer not in ("sgd", "momentum")
    if adaptive or config.variant == "legendre":
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
