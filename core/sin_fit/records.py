"""What a sin-fit run reports: Progress per call, PhaseReport per click, the coefficient trace."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


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
