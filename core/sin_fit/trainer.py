"""SineFitTrainer: one steppable run of a config's loop, with its loss history and divergence check.

run / run_for, the page's hot loop, call the loop's `stepper()`: the whole step in one function
with local names, checking the loss before the update exactly as the phases do. next_phase (the
anatomy view) calls the phases one at a time. The unit tests hold the two paths bit-identical,
divergence included.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import replace

import numpy as np
import torch

from core.sin_fit.config import EXPLODE_FACTOR, SineFitConfig
from core.sin_fit.divergence import explain_divergence
from core.sin_fit.loop_base import Phase
from core.sin_fit.module_loop import ModuleLoop, Polynomial3Loop
from core.sin_fit.numpy_loop import NumpyLoop
from core.sin_fit.records import CoefficientTrace, PhaseReport, Progress, Snapshot
from core.sin_fit.tensor_loops import AutogradLoop, LegendreLoop

LOOPS = {
    "numpy": NumpyLoop,
    "autograd": AutogradLoop,
    "nn": ModuleLoop,
    "optim": ModuleLoop,
    "module": Polynomial3Loop,
    "legendre": LegendreLoop,
}


class SineFitTrainer:
    """Holds one run: the loop of the config's variant, its loss history and coefficients.

    Advance it with run(steps), run_for(seconds) or next_phase() (one phase of one step).
    """

    def __init__(self, config: SineFitConfig) -> None:
        self.config = config
        self._loop = LOOPS[config.variant](config)
        self.phases: tuple[Phase, ...] = tuple(
            replace(phase, code=f"# {phase.code}   <- forgotten: .grad keeps every old gradient")
            if phase.name == "zero_grad" and config.forget_zero_grad
            else phase
            for phase in self._loop.phases
        )
        self.coefficient_names: list[str] = list(self._loop.names)
        self.loss_history: list[float] = []
        self.coefficient_trace = CoefficientTrace()
        self.coefficient_trace.offer(0, self._loop.values)
        self.step = 0  # completed steps
        self.phase_index = 0  # the next phase to run within the current step
        self.divergence: str | None = None
        self.seconds = 0.0  # wall time spent training

    # -- state -----------------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        """True when the configured number of steps is done or training diverged."""
        return self.divergence is not None or self.step >= self.config.steps

    @property
    def coefficients(self) -> np.ndarray:
        """The current parameters in the listing's order (a, b, c, d / bias, weight[k] / w[k])."""
        return np.asarray(self._loop.values(), dtype=np.float64)

    @property
    def gradients(self) -> list[float | None]:
        """Each parameter's .grad right now (None where it has none)."""
        return self._loop.grads()

    @property
    def loss(self) -> float | None:
        """The latest recorded loss."""
        return self.loss_history[-1] if self.loss_history else None

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """The points this run trains on, as NumPy arrays (shared memory, do not modify)."""
        x, y = self._loop.x, self._loop.y
        if isinstance(x, torch.Tensor):
            return x.numpy(), y.numpy()
        return x, y

    def predict(self, x) -> np.ndarray:
        """The current model's output at the points x (any float array-like), as NumPy."""
        return np.asarray(self._loop.predict(np.asarray(x, dtype=np.float32)), dtype=np.float64)

    def snapshot(self, grids: tuple[int, ...] = (400, 11)) -> Snapshot:
        """Everything a screen shows about this run, read at one moment: the step, the loss
        history, the coefficients and their trace, and the fit on even grids of each size in
        `grids` over the interval. A page draws every panel of one redraw from one snapshot, so
        no number on screen belongs to another moment than its neighbours."""
        lo, hi = self.config.interval
        fits = {}
        for points in grids:  # the model first: the numbers below are read after it
            grid = np.linspace(lo, hi, points)
            fits[points] = (grid, self.predict(grid))
        trace = self.coefficient_trace
        return Snapshot(
            config=self.config,
            step=self.step,
            phase_index=self.phase_index,
            loss_history=np.asarray(self.loss_history, dtype=np.float64),
            divergence=self.divergence,
            seconds=self.seconds,
            coefficient_names=tuple(self.coefficient_names),
            coefficients=self.coefficients,
            gradients=tuple(self.gradients),
            trace_steps=np.asarray(trace.steps, dtype=np.int64),
            trace_values=np.asarray(trace.values, dtype=np.float64),
            fits=fits,
            points=self.data(),
        )

    # -- advancing -------------------------------------------------------------------------

    def _record_loss(self, value: float) -> bool:
        """Append the loss; return False (and explain) when it shows divergence."""
        if not math.isfinite(value):
            self.divergence = explain_divergence(self.config, self.step, f"the loss became {value}")
            return False
        self.loss_history.append(value)
        first = self.loss_history[0]
        if value > EXPLODE_FACTOR * max(first, 1e-12) and len(self.loss_history) > 1:
            self.divergence = explain_divergence(
                self.config,
                self.step,
                f"the loss grew to {value:.3g}, more than {EXPLODE_FACTOR:,.0f}× its first value {first:.3g}",
            )
            return False
        return True

    def _loss_ceiling(self) -> float:
        """The largest loss _record_loss accepts as the next one: any finite loss for the first,
        then EXPLODE_FACTOR times the first (capped at the largest float, so inf never passes)."""
        if not self.loss_history:
            return sys.float_info.max
        return min(EXPLODE_FACTOR * max(self.loss_history[0], 1e-12), sys.float_info.max)

    def next_phase(self) -> PhaseReport:
        """Run the next phase of the current step (anatomy mode) and report the parameters after it."""
        phase = self.phases[self.phase_index]
        step = self.step
        if self.divergence is None:
            if phase.name == "loss":
                self._record_loss(self._loop.loss())
            else:
                getattr(self._loop, phase.method)()
            if self.divergence is None:
                self.phase_index += 1
                if self.phase_index == len(self.phases):
                    self._complete_step()
        return PhaseReport(
            step=step,
            phase=phase.name,
            code=phase.code,
            loss=self.loss,
            names=list(self.coefficient_names),
            values=self._loop.values(),
            grads=self._loop.grads(),
        )

    def _complete_step(self) -> None:
        self.phase_index = 0
        self.step += 1
        self.coefficient_trace.offer(self.step, self._loop.values)

    def _run_steps(self, target: int, deadline: float) -> None:
        """Whole steps until step `target`, the deadline (read after each step) or divergence.

        The hot loop of the page and the benchmark: the loop's fused stepper does one step and
        skips the update when the loss is above the ceiling; such a loss goes to _record_loss,
        which explains it exactly as a phase-by-phase run would, at the same step.
        """
        one_step = self._loop.stepper()
        history = self.loss_history
        append = history.append
        trace = self.coefficient_trace
        values = self._loop.values
        clock = time.perf_counter
        ceiling = self._loss_ceiling()
        first_pending = not history  # the ceiling follows from the first loss
        step = self.step
        try:
            while step < target:
                value = one_step(ceiling)
                if not value <= ceiling:  # NaN, inf or exploded: nothing was updated
                    self.step = step
                    self._record_loss(value)
                    return
                append(value)
                step += 1
                if first_pending:
                    ceiling, first_pending = self._loss_ceiling(), False
                if step % trace.stride == 0:
                    trace.offer(step, values)
                if clock() >= deadline:
                    return
        finally:
            self.step = step

    def _finish_partial_step(self) -> None:
        while self.phase_index and self.divergence is None:
            self.next_phase()

    def run(self, steps: int) -> Progress:
        """Advance by `steps` steps (fewer if training diverges or the run is finished)."""
        return self.run_for(math.inf, max_steps=steps)

    def run_for(self, seconds: float, max_steps: int | None = None) -> Progress:
        """Advance until `seconds` of wall time have passed, or `max_steps` (default: the rest of
        the configured steps) are done, or training diverges. The clock is read after each step,
        so a call runs at least one step unless the run is already finished."""
        started = time.perf_counter()
        first_step = self.step
        self._finish_partial_step()
        limit = self.config.steps - self.step if max_steps is None else max_steps
        target = first_step + max(0, limit)
        if self.step < target and self.divergence is None:
            self._run_steps(target, started + seconds)
        elapsed = time.perf_counter() - started
        self.seconds += elapsed
        return Progress(self.step, self.step - first_step, elapsed, self.loss, self.divergence)


# ----------------------------------------------------------------------------------------------
