"""What the sin-fit charts plot: the fit on a grid, the coefficients' series and their optima."""

from __future__ import annotations

import numpy as np

from core.sin_fit.config import TARGETS, SineFitConfig
from core.sin_fit.optimum import Optimum
from core.sin_fit.records import Snapshot
from core.sin_fit.trainer import SineFitTrainer


def fit_curves(
    source: SineFitTrainer | Snapshot, optimum: Optimum, points: int = 400
) -> dict[str, np.ndarray]:
    """Target, current fit and optimal polynomial on an even grid over the interval (float64).
    From a snapshot, the fit it holds for a grid of `points`; from a trainer, its model now."""
    if isinstance(source, Snapshot):
        grid, fit = source.fit(points)
    else:
        lo, hi = source.config.interval
        grid = np.linspace(lo, hi, points)
        fit = source.predict(grid)
    return {
        "x": grid,
        "target": TARGETS[source.config.target].numpy_fn(grid),
        "fit": fit,
        "optimum": optimum.predict(grid),
    }


def coefficient_series(source: SineFitTrainer | Snapshot) -> dict[str, np.ndarray]:
    """Each coefficient's recorded values (at the coefficient trace's steps), by name."""
    if isinstance(source, Snapshot):
        values = source.trace_values
    else:
        values = np.asarray(source.coefficient_trace.values)  # (recorded steps, coefficients)
    return {name: values[:, i] for i, name in enumerate(source.coefficient_names)}


def optimum_per_coefficient(config: SineFitConfig, optimum: Optimum) -> list[float | None]:
    """For each trainer coefficient, the value it takes at the optimum (None where no single
    coefficient corresponds: the typo model and the Legendre parametrisation)."""
    if config.power_typo or config.variant == "legendre":
        return [None] * (4 if config.variant == "legendre" else config.degree + 1)
    return [float(v) for v in optimum.coefficients]
