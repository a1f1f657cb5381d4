"""SineFitConfig, the functions it can fit (TARGETS), its limits and its checks."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from core.validation import in_range, one_of, require


class SineFitError(ValueError):
    """A setting the trainer cannot use; the message says what to change."""


# in the notes' order: listing 1 (raw tensors), 2 (torch.optim), 3 (nn.Sequential), then the rest
VARIANTS = ("autograd", "optim", "nn", "module", "numpy", "legendre")
FIXED_CUBIC = ("module", "legendre")  # variants whose model is always a cubic
LOSSES = ("mse", "l1", "huber")  # nn.MSELoss, nn.L1Loss, nn.HuberLoss (delta 1)
OPTIMIZERS = ("sgd", "momentum", "adam", "adagrad", "rmsprop")  # names in core.optimizers
REDUCTIONS = ("sum", "mean")
MAX_POINTS = 20_000  # a step touches every point; more would make the page crawl
MAX_STEPS = 100_000
MAX_ABS_INTERVAL = 10.0  # x ** 7 at |x| = 10 is 1e7: float32 still holds its square sums
EXPLODE_FACTOR = 1e4  # a loss this many times its first value counts as diverged


@dataclass(frozen=True)
class Target:
    """A function to fit: its label, how torch and NumPy compute it, and that code as text."""

    label: str
    torch_fn: Callable[[torch.Tensor], torch.Tensor]
    numpy_fn: Callable[[np.ndarray], np.ndarray]
    torch_code: str
    numpy_code: str


TARGETS: dict[str, Target] = {
    "sin": Target("sin(x)", torch.sin, np.sin, "torch.sin(x)", "np.sin(x)"),
    "cos": Target("cos(x)", torch.cos, np.cos, "torch.cos(x)", "np.cos(x)"),
    "shifted_sin": Target(
        "sin(x + 1)",
        lambda x: torch.sin(x + 1),
        lambda x: np.sin(x + 1),
        "torch.sin(x + 1)",
        "np.sin(x + 1)",
    ),
    "sin2x": Target(
        "sin(2x)",
        lambda x: torch.sin(2 * x),
        lambda x: np.sin(2 * x),
        "torch.sin(2 * x)",
        "np.sin(2 * x)",
    ),
    "exp": Target("exp(x)", torch.exp, np.exp, "torch.exp(x)", "np.exp(x)"),
    "abs": Target("|x|", torch.abs, np.abs, "torch.abs(x)", "np.abs(x)"),
}


@dataclass(frozen=True)
class SineFitConfig:
    """Everything that defines one run. The defaults are the seed's listing 1 (fixed)."""

    variant: str = "autograd"  # one of VARIANTS: which listing's code runs
    optimizer: str = "rmsprop"  # one of OPTIMIZERS; used by variant "optim" only (listing 2)
    lr: float = 1e-6  # the seed's 1e-6 suits reduction "sum" over 2000 points
    momentum: float = 0.9  # for optimizer "momentum" (SGD with momentum)
    beta1: float = 0.9  # Adam's first betas entry (its running mean of gradients)
    beta2: float = 0.999  # Adam's second betas entry (its running mean of squared gradients)
    degree: int = 3  # 1..7; the seed fits a cubic a + b x + c x^2 + d x^3
    n_points: int = 2000  # points evenly spaced over the interval, as in the seed
    target: str = "sin"  # one of TARGETS
    interval: tuple[float, float] = (-math.pi, math.pi)  # the x range of the points
    noise: float = 0.0  # standard deviation of Gaussian noise added to the targets
    reduction: str = "sum"  # "sum" (the seed) or "mean": sum makes gradients n_points times larger
    loss: str = "mse"  # one of LOSSES: squared errors (the seed), absolute errors, or Huber's mix
    seed: int = 0  # seeds the initial coefficients and the noise
    steps: int = 2000  # steps in a full run (the seed runs 2000)
    power_typo: bool = False  # listing 1's bug: c * x * 2 + d * x * 3 instead of x ** 2, x ** 3
    forget_zero_grad: bool = False  # skip zeroing the gradients, so they pile up step after step

    def __post_init__(self) -> None:
        _check_choices(self)
        _check_numbers(self)
        _check_combinations(self)

    @property
    def uses_optimizer(self) -> bool:
        """True when a torch.optim optimizer updates the coefficients (otherwise plain SGD by hand)."""
        return self.variant in ("optim", "module")


def _check_choices(config: SineFitConfig) -> None:
    """The named choices. The sentences quote the value, so they are built here (a value with
    braces in it would upset one_of's {choices} template)."""
    require(
        config.variant in VARIANTS,
        f"Unknown variant '{config.variant}'. Pick one of: {', '.join(VARIANTS)}.",
        SineFitError,
    )
    require(
        config.optimizer in OPTIMIZERS,
        f"Unknown optimizer '{config.optimizer}'. Pick one of: {', '.join(OPTIMIZERS)}.",
        SineFitError,
    )
    one_of(config.reduction, REDUCTIONS, "The reduction must be 'sum' or 'mean'.", SineFitError)
    require(
        config.loss in LOSSES,
        f"Unknown loss '{config.loss}'. Pick one of: {', '.join(LOSSES)}.",
        SineFitError,
    )
    require(
        config.target in TARGETS,
        f"Unknown target '{config.target}'. Pick one of: {', '.join(TARGETS)}.",
        SineFitError,
    )


def _whole(value: object, low: int, high: int) -> bool:
    """An int (bools included, as ever) from low to high."""
    return isinstance(value, int) and low <= value <= high


def _check_numbers(config: SineFitConfig) -> None:
    """The numeric settings, each within its range."""
    error = SineFitError
    lr = "The learning rate must be a number above 0 and at most 10."
    in_range(config.lr, 0, 10, lr, error, low_open=True)
    in_range(
        config.momentum, 0, 1, "Momentum must be at least 0 and below 1.", error, high_open=True
    )
    betas = "Adam's betas must each be at least 0 and below 1."
    in_range(config.beta1, 0, 1, betas, error, high_open=True)
    in_range(config.beta2, 0, 1, betas, error, high_open=True)
    require(_whole(config.degree, 1, 7), "The degree must be a whole number from 1 to 7.", error)
    require(
        _whole(config.n_points, 2, MAX_POINTS),
        f"The number of points must be from 2 to {MAX_POINTS:,}.",
        error,
    )
    require(_whole(config.steps, 1, MAX_STEPS), f"Steps must be from 1 to {MAX_STEPS:,}.", error)
    in_range(config.noise, 0, 10, "The noise must be from 0 to 10.", error)
    require(
        _whole(config.seed, 0, 2**31 - 1),
        "The seed must be a whole number from 0 to 2147483647.",
        error,
    )
    lo, hi = config.interval
    interval = f"The interval must have its start below its end, both within ±{MAX_ABS_INTERVAL:g}."
    in_range(lo, -MAX_ABS_INTERVAL, MAX_ABS_INTERVAL, interval, error)
    in_range(hi, -MAX_ABS_INTERVAL, MAX_ABS_INTERVAL, interval, error)
    require(lo < hi, interval, error)


def _check_combinations(config: SineFitConfig) -> None:
    """Settings that only make sense with some variants."""
    require(
        config.variant != "legendre" or config.degree == 3,
        "The Legendre variant fits a + b·P3(c + d·x), which is always a cubic: set the degree to 3.",
        SineFitError,
    )
    require(
        config.variant != "module" or config.degree == 3,
        "Polynomial3 is a cubic by its definition (a + b x + c x² + d x³): set the degree to 3.",
        SineFitError,
    )
    require(
        not config.power_typo or config.variant == "autograd",
        "The x * 2 typo belongs to the raw-tensor listing: pick the autograd variant to see it.",
        SineFitError,
    )
    require(
        not config.forget_zero_grad or config.variant != "numpy",
        "The NumPy variant computes each gradient from scratch, so it has no zero_grad to forget.",
        SineFitError,
    )
