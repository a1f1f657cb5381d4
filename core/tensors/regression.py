"""Linear regression twice, step by step on the same data: gradients written by hand in NumPy
(the course notes' `numpy_example.py`) and gradients from `loss.backward()` (their
`torch_implementation.py`). Both sides start from the same weights, use the same learning rate
and float32, and each step records both, so a page can show that they agree.

The notes' hand-written gradient `np.dot(2*x, y_pred - y).mean()` is N times too large: the dot
product already sums over the N points, and the mean of a single number is that number. The
correct one is `(2*x*(y_pred - y)).mean()`; `notes_gradient=True` runs the notes' formula so the
disagreement with autograd can be seen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from core.tensors.literals import parse_values
from core.tensors.spec import InspectorError
from core.validation import require

MAX_POINTS = 100  # data points a student may type
MAX_STEPS = 500  # steps one run keeps (the table and the chart show them all)


@dataclass(frozen=True)
class RegressionConfig:
    """Data, start and learning rate shared by both sides; the model is y = w·x (+ b)."""

    x: tuple[float, ...] = (1.0, 2.0, 3.0, 4.0)
    y: tuple[float, ...] = (2.0, 4.0, 6.0, 8.0)
    w0: float = 0.0
    b0: float = 0.0
    lr: float = 0.01
    bias: bool = False  # the notes fit y = w·x; with a bias, y = w·x + b
    notes_gradient: bool = False  # NumPy uses the notes' np.dot(2*x, y_pred - y).mean()

    def __post_init__(self) -> None:
        require(
            1 <= len(self.x) <= MAX_POINTS,
            f"Type between 1 and {MAX_POINTS} x values (you typed {len(self.x)}).",
            InspectorError,
        )
        require(
            len(self.x) == len(self.y),
            f"x has {len(self.x)} values and y has {len(self.y)}: give one y for each x.",
            InspectorError,
        )
        numbers = (*self.x, *self.y, self.w0, self.b0, self.lr)
        require(
            all(math.isfinite(v) and abs(v) < 1e6 for v in numbers),
            "x, y, the start and the learning rate must be finite numbers under a million.",
            InspectorError,
        )
        require(
            0 < self.lr <= 1, "The learning rate must be above 0 and at most 1.", InspectorError
        )


def parse_points(text: str, what: str) -> tuple[float, ...]:
    """ "1, 2, 3, 4" or "[1, 2, 3, 4]" as a tuple of floats (parsed, never evaluated)."""
    values = parse_values(text)
    values = values if isinstance(values, list) else [values]
    require(
        all(not isinstance(v, list) for v in values),
        f"{what} must be a flat list of numbers like 1, 2, 3, 4.",
        InspectorError,
    )
    return tuple(float(v) for v in values)


class HandVsAutograd:
    """Both fits side by side; `step()` advances both by one gradient-descent step and records
    a row with each side's loss, gradient and new weights."""

    def __init__(self, config: RegressionConfig):
        self.config = config
        self.lr = np.float32(config.lr)  # NumPy side in float32 too, like torch's tensors
        self.x_np = np.array(config.x, dtype=np.float32)
        self.y_np = np.array(config.y, dtype=np.float32)
        self.w_np = np.float32(config.w0)
        self.b_np = np.float32(config.b0)
        self.x_t = torch.tensor(config.x, dtype=torch.float32)
        self.y_t = torch.tensor(config.y, dtype=torch.float32)
        self.w_t = torch.tensor(config.w0, dtype=torch.float32, requires_grad=True)
        self.b_t = torch.tensor(config.b0, dtype=torch.float32, requires_grad=config.bias)
        self.rows: list[dict] = []

    @property
    def steps(self) -> int:
        return len(self.rows)

    def step(self, count: int = 1) -> None:
        """Run `count` steps on both sides (at most MAX_STEPS in all)."""
        require(
            self.steps + count <= MAX_STEPS,
            f"One run keeps at most {MAX_STEPS} steps; press Reset to start again.",
            InspectorError,
        )
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging fit: see diverged()
            for _ in range(count):
                self.rows.append(self._one_step())

    def diverged(self) -> bool:
        """True once a loss or a weight is no longer a finite number (the rate is too large)."""
        return any(not math.isfinite(v) for row in self.rows[-1:] for v in row.values())

    def _one_step(self) -> dict:
        x, y, n = self.x_np, self.y_np, self.steps + 1
        # NumPy: forward, loss and gradients by hand, then the update.
        y_pred = self.w_np * x + self.b_np
        loss_np = ((y_pred - y) ** 2).mean()
        if self.config.notes_gradient:
            dw = np.dot(2 * x, y_pred - y).mean()  # the notes' formula: a sum, N times too big
        else:
            dw = (2 * x * (y_pred - y)).mean()  # dJ/dw = 1/N · Σ 2·x·(w·x + b − y)
        db = (2 * (y_pred - y)).mean()  # dJ/db = 1/N · Σ 2·(w·x + b − y)
        self.w_np = np.float32(self.w_np - self.lr * dw)
        if self.config.bias:
            self.b_np = np.float32(self.b_np - self.lr * db)
        # PyTorch: the same forward and loss; backward() writes the gradients.
        y_hat = self.w_t * self.x_t + self.b_t
        loss_t = ((y_hat - self.y_t) ** 2).mean()
        loss_t.backward()
        grad_w = self.w_t.grad.item()
        grad_b = self.b_t.grad.item() if self.config.bias else 0.0
        with torch.no_grad():
            self.w_t -= self.config.lr * self.w_t.grad
            if self.config.bias:
                self.b_t -= self.config.lr * self.b_t.grad
        self.w_t.grad.zero_()
        if self.config.bias:
            self.b_t.grad.zero_()
        row = {
            "step": n,
            "loss (NumPy)": float(loss_np),
            "loss (autograd)": loss_t.item(),
            "dw by hand": float(dw),
            "w.grad": grad_w,
            "w (NumPy)": float(self.w_np),
            "w (autograd)": self.w_t.item(),
        }
        if self.config.bias:
            row.update(
                {
                    "db by hand": float(db),
                    "b.grad": grad_b,
                    "b (NumPy)": float(self.b_np),
                    "b (autograd)": self.b_t.item(),
                }
            )
        return row

    def predict(self, x: float) -> tuple[float, float]:
        """f(x) with each side's current weights: (NumPy, autograd)."""
        numpy_side = float(self.w_np * np.float32(x) + self.b_np)
        with torch.no_grad():
            torch_side = (self.w_t * x + self.b_t).item()
        return numpy_side, torch_side

    def largest_gap(self) -> float:
        """The largest |difference| between the two sides' gradients over all steps so far."""
        pairs = [("dw by hand", "w.grad"), ("db by hand", "b.grad")]
        return max(
            (abs(row[a] - row[b]) for row in self.rows for a, b in pairs if a in row), default=0.0
        )

    def agree(self, rtol: float = 1e-5, atol: float = 1e-6) -> bool:
        """True when every step's gradients and weights match across the sides (float32)."""
        pairs = [
            ("dw by hand", "w.grad"),
            ("w (NumPy)", "w (autograd)"),
            ("db by hand", "b.grad"),
            ("b (NumPy)", "b (autograd)"),
        ]
        return all(
            math.isclose(row[a], row[b], rel_tol=rtol, abs_tol=atol)
            for row in self.rows
            for a, b in pairs
            if a in row
        )
