"""The raw-tensor loops: seed 002's listing 1 (autograd) and the tutorial's Legendre P3 model."""

from __future__ import annotations

from collections.abc import Callable

import torch

from core.sin_fit.config import SineFitConfig
from core.sin_fit.legendre import LegendrePolynomial3
from core.sin_fit.loop_base import Phase, TorchLoop, letters, phase_stepper
from core.sin_fit.losses import tensor_loss, tensor_loss_code


def _manual_phases(names: list[str], config: SineFitConfig) -> tuple[Phase, ...]:
    """Loss, zero_grad, backward and a hand-written update for loose 0-dim parameters."""
    every = ", ".join(names)
    return (
        Phase("loss", "loss", tensor_loss_code(config.loss, config.reduction)),
        Phase("zero_grad", "zero_grad", f"for p in ({every}): p.grad = None"),
        Phase("backward", "backward", "loss.backward()"),
        Phase(
            "step",
            "step",
            f"with torch.no_grad():\n    for p in ({every}): p -= learning_rate * p.grad",
        ),
    )


class AutogradLoop(TorchLoop):
    """Seed 002 listing 1: one 0-dim tensor per coefficient, autograd, manual update."""

    def __init__(self, config: SineFitConfig) -> None:
        super().__init__(config)
        generator = torch.Generator().manual_seed(config.seed)  # the run's own, not torch's global
        self.params = [
            torch.randn((), generator=generator, requires_grad=True)
            for _ in range(config.degree + 1)
        ]  # the numbers torch.manual_seed(seed) and torch.randn(()) give, without touching it
        self.names = letters(config.degree + 1)
        term = "{c} * x * {k}" if config.power_typo else "{c} * x ** {k}"
        terms = [self.names[0], f"{self.names[1]} * x"] + [
            term.format(c=c, k=k) for k, c in enumerate(self.names) if k >= 2
        ]
        self.phases = (
            Phase("forward", "forward", "y_pred = " + " + ".join(terms)),
            *_manual_phases(self.names, config),
        )
        # x ** k does not depend on the coefficients: the data's powers are computed once. They are
        # the very tensors x ** k gives every step, so the trajectory is the listing's, bit for bit.
        # (The typo's c * x * k multiplies the coefficient first, so it has nothing to keep.)
        self.x_powers = (
            [] if config.power_typo else [self.x**k for k in range(2, config.degree + 1)]
        )

    def model_output(self, x: torch.Tensor) -> torch.Tensor:
        p = self.params
        y_pred = p[0] + p[1] * x
        for k in range(2, len(p)):
            y_pred = y_pred + (p[k] * x * k if self.config.power_typo else p[k] * x**k)
        return y_pred

    def values(self) -> list[float]:
        return [p.item() for p in self.params]  # every coefficient is a 0-dim tensor

    def _output_on_data(self) -> torch.Tensor:
        """model_output(self.x), with the data's powers taken from x_powers."""
        if self.config.power_typo:
            return self.model_output(self.x)
        a, b, *rest = self.params
        y_pred = a + b * self.x
        for coefficient, x_k in zip(rest, self.x_powers, strict=True):
            y_pred = y_pred + coefficient * x_k
        return y_pred

    def forward(self) -> None:
        self.y_pred = self._output_on_data()

    def loss(self) -> float:
        self.loss_tensor = tensor_loss(self.y_pred, self.y, self.config.loss, self.config.reduction)
        return self.loss_tensor.item()

    def zero_grad(self) -> None:
        if not self.config.forget_zero_grad:
            for p in self.params:
                p.grad = None

    def step(self) -> None:
        with torch.no_grad():
            for p in self.params:
                p -= self.config.lr * p.grad

    def stepper(self) -> Callable[[float], float]:
        """forward, loss, zero_grad, backward and step in one function, with everything it touches
        held in local names: the same tensor operations as the phase methods, less Python."""
        config = self.config
        if config.power_typo:
            return phase_stepper(self)
        x, y, params = self.x, self.y, list(self.params)
        a, b, *rest = params
        terms = list(zip(rest, self.x_powers, strict=True))
        mean = config.reduction == "mean"
        kind, reduction = config.loss, config.reduction
        zero_grad = not config.forget_zero_grad
        lr = config.lr
        no_grad = torch.no_grad

        def one_step(ceiling: float) -> float:
            y_pred = a + b * x
            for coefficient, x_k in terms:
                y_pred = y_pred + coefficient * x_k
            if kind == "mse":  # tensor_loss's MSE, inlined: the seed's listing is the hot path
                squares = (y_pred - y).pow(2)
                loss = squares.mean() if mean else squares.sum()
            else:
                loss = tensor_loss(y_pred, y, kind, reduction)
            value = loss.item()
            if value <= ceiling:
                if zero_grad:
                    for p in params:
                        p.grad = None
                loss.backward()
                with no_grad():
                    for p in params:
                        p -= lr * p.grad
            return value

        return one_step


class LegendreLoop(AutogradLoop):
    """PyTorch's tutorial: y = a + b * P3(c + d * x), P3 a custom autograd Function."""

    def __init__(self, config: SineFitConfig) -> None:
        TorchLoop.__init__(self, config)
        self.params = [torch.full((), v, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3)]
        self.names = letters(4)
        self.phases = (
            Phase("forward", "forward", "y_pred = a + b * LegendrePolynomial3.apply(c + d * x)"),
            *_manual_phases(self.names, config),
        )

    def model_output(self, x: torch.Tensor) -> torch.Tensor:
        a, b, c, d = self.params
        return a + b * LegendrePolynomial3.apply(c + d * x)

    def _output_on_data(self) -> torch.Tensor:
        return self.model_output(self.x)

    def stepper(self) -> Callable[[float], float]:
        return phase_stepper(self)
