"""What a sin-fit run reports: Progress per call, PhaseReport per click, the coefficient trace,
and the Snapshot a page draws one redraw from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from core.sin_fit.config import SineFitConfig


@dataclass
class Progress:
    """What one call to run / run_for did."""

    step: int  # steps completed in total
    steps_run: int  # steps completed by this call
    seconds: float  # wall time of this call
    loss: float | None  # the latest loss (None before the first step)
    divergence: str | None  # the sentence explaining why training stopped, if it diverged


@dataclass
class PhaseReport:
    """What one click of the anatomy step mode did, and the parameters right after it."""

    step: int  # the step this phase belongs to (0-based)
    phase: str
    code: str
    loss: float | None
    names: list[str]
    values: list[float]
    grads: list[float | None]


@dataclass
class CoefficientTrace:
    """Coefficient values at some steps, thinned to at most `limit` rows by doubling the stride."""

    limit: int = 500  # the chart shows ~600 points; reading parameters every step would cost ~5%
    stride: int = 1
    steps: list[int] = field(default_factory=list)
    values: list[list[float]] = field(default_factory=list)

    def offer(self, step: int, values_fn: Callable[[], list[float]]) -> None:
        """Record the values at `step` if it falls on the stride (values_fn is only called then)."""
        if step % self.stride:
            return
        self.steps.append(step)
        self.values.append(values_fn())
        if len(self.steps) > self.limit:
            self.stride *= 2
            keep = [i for i, s in enumerate(self.steps) if s % self.stride == 0]
            self.steps = [self.steps[i] for i in keep]
            self.values = [self.values[i] for i in keep]


@dataclass(frozen=True)
class Snapshot:
    """One moment of a run, copied: what every panel of one redraw reads (SineFitTrainer.snapshot)."""

    config: SineFitConfig
    step: int  # completed steps
    phase_index: int  # the next phase within the current step
    loss_history: np.ndarray  # (step,) float64, a copy
    divergence: str | None
    seconds: float
    coefficient_names: tuple[str, ...]
    coefficients: np.ndarray  # the parameters now, in the listing's order
    gradients: tuple[float | None, ...]
    trace_steps: np.ndarray  # the steps the coefficient trace kept
    trace_values: np.ndarray  # (len(trace_steps), coefficients)
    fits: dict[int, tuple[np.ndarray, np.ndarray]]  # grid size -> (x, the model's output)
    points: tuple[np.ndarray, np.ndarray]  # the data (x, y): the run's own, never modified

    @property
    def loss(self) -> float | None:
        """The latest recorded loss."""
        return float(self.loss_history[-1]) if len(self.loss_history) else None

    @property
    def finished(self) -> bool:
        return self.divergence is not None or self.step >= self.config.steps

    def fit(self, points: int) -> tuple[np.ndarray, np.ndarray]:
        """The grid of `points` x values over the interval and the model's output on it."""
        if points not in self.fits:
            raise KeyError(f"this snapshot holds the fit on grids of {sorted(self.fits)} points")
        return self.fits[points]
