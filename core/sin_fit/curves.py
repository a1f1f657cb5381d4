"""What the sin-fit charts plot: the fit on a grid, the coefficients' series and their optima."""

from __future__ import annotations

import numpy as np

from core.sin_fit.config import TARGETS, SineFitConfig
from core.sin_fit.optimum import Optimum
from core.sin_fit.trainer import SineFitTrainer


def fit_curves(
    trainer: SineFitTrainer, optimum: Optimum, points: int = 400
) -> dict[str, np.ndarray]:
    """Target, current fit and optimal polynomial on an even grid over the interval (float64)."""
    lo, hi = trainer.config.interval
    grid = np.linspace(lo, hi, points)
    return {
        "x": grid,
        "target": TARGETS[trainer.config.target].numpy_fn(grid),
        "fit": trainer.predict(grid),
        "optimum": optimum.predict(grid),
    }


def coefficient_series(trainer: SineFitTrainer) -> dict[str, np.ndarray]:
    """Each coefficient's recorded values (at trainer.coefficient_trace.steps), by name."""
    values = np.asarray(trainer.coefficient_trace.values)  # (recorded steps, coefficients)
    return {name: values[:, i] for i, name in enumerate(trainer.coefficient_names)}


def optimum_per_coefficient(config: SineFitConfig, optimum: Optimum) -> list[float | None]:
    """For each trainer coefficient, the value it takes at the optimum (None where no single
    coefficient corresponds: the typo model and the Legendre parametrisation)."""
    if config.power_typo or config.variant == "legendre":
        return [None] * (4 if config.variant == "legendre" else config.degree + 1)
    return [float(v) for v in optimum.coefficients]
