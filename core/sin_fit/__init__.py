"""Fit a polynomial to sin(x) five ways: the seed notes' listings, steppable for a live page.

Every variant runs its own real code path, phase by phase (forward, loss, zero_grad, backward,
step), so the page, the tests, the benchmark and the exported script all run the same loop:

- "numpy":    NumPy only, gradients written by hand (seed 004, section 17).
- "autograd": raw tensors with requires_grad, manual update under no_grad (seed 002, listing 1).
- "nn":       nn.Sequential(Linear(degree, 1), Flatten(0, 1)) + MSELoss, manual update (listing 3).
- "optim":    the same model driven by a torch.optim optimizer (listing 2 uses RMSprop).
- "legendre": a + b * P3(c + d * x) with a custom torch.autograd.Function (PyTorch's tutorial).

The modules: config (SineFitConfig, TARGETS, checks), data, optimum (exact least squares, stable
lr), loop_base / numpy_loop / tensor_loops / module_loop (the five loops), records and divergence
(what a run reports), trainer (SineFitTrainer), curves (what the charts plot), presets, export.
"""

from core.sin_fit.config import (
    EXPLODE_FACTOR,
    MAX_ABS_INTERVAL,
    MAX_POINTS,
    MAX_STEPS,
    OPTIMIZERS,
    REDUCTIONS,
    TARGETS,
    VARIANTS,
    SineFitConfig,
    SineFitError,
    Target,
)
from core.sin_fit.curves import coefficient_series, fit_curves, optimum_per_coefficient
from core.sin_fit.data import make_data, make_numpy_data, make_torch_data
from core.sin_fit.export import export_script
from core.sin_fit.legendre import LegendrePolynomial3
from core.sin_fit.loop_base import Phase
from core.sin_fit.optimum import Optimum, optimum_loss, stable_lr
from core.sin_fit.presets import PRESETS
from core.sin_fit.records import CoefficientTrace, PhaseReport, Progress
from core.sin_fit.trainer import SineFitTrainer

__all__ = [
    "EXPLODE_FACTOR",
    "MAX_ABS_INTERVAL",
    "MAX_POINTS",
    "MAX_STEPS",
    "OPTIMIZERS",
    "PRESETS",
    "REDUCTIONS",
    "TARGETS",
    "VARIANTS",
    "CoefficientTrace",
    "LegendrePolynomial3",
    "Optimum",
    "Phase",
    "PhaseReport",
    "Progress",
    "SineFitConfig",
    "SineFitError",
    "SineFitTrainer",
    "Target",
    "coefficient_series",
    "export_script",
    "fit_curves",
    "make_data",
    "make_numpy_data",
    "make_torch_data",
    "optimum_loss",
    "optimum_per_coefficient",
    "stable_lr",
]
