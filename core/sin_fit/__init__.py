"""Fit a polynomial to sin(x) five ways: the seed notes' listings, steppable for a live page.

Every variant (listed in the notes' order) runs its own real code path, phase by phase (forward, loss, zero_grad, backward,
step), so the page, the tests, the benchmark and the exported script all run the same loop:

- "autograd": raw tensors with requires_grad, manual update under no_grad (seed 002, listing 1).
- "optim":    nn.Sequential driven by a torch.optim optimizer (listing 2 uses RMSprop).
- "nn":       nn.Sequential(Linear(degree, 1), Flatten(0, 1)) + MSELoss, manual update (listing 3).
- "module":   Polynomial3, a subclass of torch.nn.Module, with a torch.optim optimizer (tutorial).
- "numpy":    NumPy only, gradients written by hand (seed 004, section 17).
- "legendre": a + b * P3(c + d * x) with a custom torch.autograd.Function (PyTorch's tutorial).

Each trains on the loss of the config's choice (MSE as in the seed, L1 or Huber: losses.py).

The modules: config (SineFitConfig, TARGETS, checks), data, optimum (exact least squares, stable
lr), loop_base / numpy_loop / tensor_loops / module_loop (the five loops), records and divergence
(what a run reports, the Snapshot a page draws from), trainer (SineFitTrainer), curves (what the
charts plot), presets, export, polynomial (Polynomial3), race (four optimizers on one fit).
"""

from core.sin_fit.config import (
    EXPLODE_FACTOR,
    FIXED_CUBIC,
    LOSSES,
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
from core.sin_fit.losses import LOSS_LABELS, LOSS_NOTES, loss_module
from core.sin_fit.optimum import Optimum, optimum_loss, stable_lr
from core.sin_fit.polynomial import Polynomial3
from core.sin_fit.presets import PRESETS
from core.sin_fit.race import RACE_NOTES, OptimizerRace, race_configs
from core.sin_fit.records import CoefficientTrace, PhaseReport, Progress, Snapshot
from core.sin_fit.trainer import SineFitTrainer

__all__ = [
    "EXPLODE_FACTOR",
    "FIXED_CUBIC",
    "LOSSES",
    "LOSS_LABELS",
    "LOSS_NOTES",
    "MAX_ABS_INTERVAL",
    "MAX_POINTS",
    "MAX_STEPS",
    "OPTIMIZERS",
    "PRESETS",
    "RACE_NOTES",
    "REDUCTIONS",
    "TARGETS",
    "VARIANTS",
    "CoefficientTrace",
    "LegendrePolynomial3",
    "Optimum",
    "OptimizerRace",
    "Phase",
    "PhaseReport",
    "Polynomial3",
    "Progress",
    "SineFitConfig",
    "SineFitError",
    "SineFitTrainer",
    "Snapshot",
    "Target",
    "coefficient_series",
    "export_script",
    "fit_curves",
    "loss_module",
    "make_data",
    "make_numpy_data",
    "make_torch_data",
    "optimum_loss",
    "optimum_per_coefficient",
    "race_configs",
    "stable_lr",
]
