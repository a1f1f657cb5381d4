"""What every sin-fit loop shares: the Phase record, the phase-by-phase step, the torch base."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from core.sin_fit.config import SineFitConfig
from core.sin_fit.data import make_torch_data


@dataclass(frozen=True)
class Phase:
    """One step of the training loop: the method that runs it and the line of code it stands for."""

    name: str  # "forward", "loss", "zero_grad", "backward", "step" (NumPy: "gradient")
    method: str  # the loop's method that performs it
    code: str  # the line(s) a student would write


def letters(count: int) -> list[str]:
    """The coefficient names a, b, c, ... of the raw-tensor listings."""
    return list("abcdefgh"[:count])


def phase_stepper(loop) -> Callable[[float], float]:
    """A whole step made of the loop's phase methods, for the loops without a fused one.

    The returned function runs forward and loss, and only when the loss is at most `ceiling`
    (so neither NaN nor exploded) zero_grad, backward and step; it returns the loss.
    """
    forward, loss, zero_grad, backward, step = (
        loop.forward,
        loop.loss,
        loop.zero_grad,
        loop.backward,
        loop.step,
    )

    def one_step(ceiling: float) -> float:
        forward()
        value = loss()
        if value <= ceiling:
            zero_grad()
            backward()
            step()
        return value

    return one_step


class TorchLoop:
    """What the torch loops share: data, loss value, and reading parameters for display."""

    params: list[torch.Tensor]

    def __init__(self, config: SineFitConfig) -> None:
        self.config = config
        self.x, self.y = make_torch_data(config)  # (n,), (n,)

    def backward(self) -> None:
        self.loss_tensor.backward()

    def stepper(self) -> Callable[[float], float]:
        """One whole training step as a function of the loss ceiling (see phase_stepper)."""
        return phase_stepper(self)

    def values(self) -> list[float]:
        out: list[float] = []
        for p in self.params:
            out += [p.item()] if p.dim() == 0 else p.detach().reshape(-1).tolist()
        return out

    def grads(self) -> list[float | None]:
        out: list[float | None] = []
        for p in self.params:
            out += [None] * p.numel() if p.grad is None else p.grad.reshape(-1).tolist()
        return out

    def predict(self, x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return self.model_output(torch.as_tensor(np.asarray(x, dtype=np.float32))).numpy()
