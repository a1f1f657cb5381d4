"""The NumPy loop: seed 004's gradient descent with the gradient written by hand."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from core.sin_fit.config import SineFitConfig
from core.sin_fit.data import make_numpy_data
from core.sin_fit.loop_base import Phase, phase_stepper
from core.sin_fit.losses import numpy_loss_code, numpy_loss_terms


class NumpyLoop:
    """Seed 004's hand-written gradient descent, generalised to a polynomial."""

    def __init__(self, config: SineFitConfig) -> None:
        self.config = config
        self.x, self.y = make_numpy_data(config)  # (n,), (n,)
        self.powers = np.stack(
            [self.x**k for k in range(config.degree + 1)], axis=1
        )  # (n, degree + 1)
        self.w = np.random.default_rng(config.seed).standard_normal(
            config.degree + 1, dtype=np.float32
        )
        self.grad: np.ndarray | None = None
        self.names = [f"w[{k}]" for k in range(config.degree + 1)]
        scale = "" if config.reduction == "sum" else " / len(x)"
        terms, slope = numpy_loss_code(config.loss)
        self.phases = (
            Phase("forward", "forward", "y_pred = powers @ w"),
            Phase(
                "loss",
                "loss",
                f"residual = y_pred - y\nloss = ({terms}).{config.reduction}()",
            ),
            Phase("gradient", "backward", f"grad = powers.T @ ({slope}){scale}"),
            Phase("step", "step", "w -= learning_rate * grad"),
        )

    def forward(self) -> None:
        self.y_pred = self.powers @ self.w  # (n,)

    def loss(self) -> float:
        self.residual = self.y_pred - self.y
        terms, self.slope = numpy_loss_terms(self.residual, self.config.loss)
        return float(terms.sum() if self.config.reduction == "sum" else terms.mean())

    def zero_grad(self) -> None:
        pass

    def backward(self) -> None:
        grad = self.powers.T @ self.slope  # (degree + 1,): the chain rule through powers @ w
        self.grad = grad if self.config.reduction == "sum" else grad / np.float32(len(self.x))

    def step(self) -> None:
        self.w -= self.config.lr * self.grad

    def stepper(self) -> Callable[[float], float]:
        return phase_stepper(self)

    def values(self) -> list[float]:
        return self.w.tolist()

    def grads(self) -> list[float | None]:
        return [None] * len(self.w) if self.grad is None else self.grad.tolist()

    def predict(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        return np.stack([x**k for k in range(self.config.degree + 1)], axis=1) @ self.w
