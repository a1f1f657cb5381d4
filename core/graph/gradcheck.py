"""Autograd's gradients against central finite differences in float64."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class GradientCheck:
    """Autograd's gradient of one leaf against a central finite difference, in float64."""

    name: str
    shape: tuple[int, ...]
    checked: int  # elements compared (spread evenly over the leaf when it is big)
    autograd: tuple[float, ...]
    numeric: tuple[float, ...]
    max_abs_diff: float
    ok: bool

    @property
    def elements(self) -> int:
        """How many elements the leaf has."""
        return math.prod(self.shape)


def _scalar(out: object) -> torch.Tensor:
    """`out` as a 0-dim tensor, or a ValueError when it is not a single number."""
    if not isinstance(out, torch.Tensor) or out.numel() != 1:
        raise ValueError("The gradient check needs the output to be a single number.")
    return out.reshape(())


def _spread(count: int, wanted: int) -> list[int]:
    """`wanted` flat indices spread evenly over `count` elements, first and last included."""
    return sorted({round(i * (count - 1) / max(1, wanted - 1)) for i in range(wanted)})


def finite_difference_check(
    loss: Callable[[dict[str, torch.Tensor]], torch.Tensor],
    leaves: dict[str, torch.Tensor],
    eps: float = 1e-6,
    max_elements: int = 48,
    rtol: float = 1e-4,
    atol: float = 1e-6,
    max_seconds: float = 5.0,
) -> list[GradientCheck]:
    """Compare autograd's gradient of the scalar `loss(leaves)` with central differences.

    `loss` takes a dict name -> float64 tensor (requires_grad=True) and returns a scalar. Each
    leaf gets up to `max_elements` of its elements perturbed by ±eps, spread evenly; once
    `max_seconds` have passed, the remaining elements are skipped (`checked` tells how many ran).
    """
    deadline = time.monotonic() + max_seconds
    start = {name: value.detach().double().clone() for name, value in leaves.items()}

    def evaluate(values: dict[str, torch.Tensor]) -> torch.Tensor:
        return _scalar(loss({k: v.clone().requires_grad_(True) for k, v in values.items()}))

    inputs = {k: v.clone().requires_grad_(True) for k, v in start.items()}
    grads = torch.autograd.grad(_scalar(loss(inputs)), list(inputs.values()), allow_unused=True)
    results = []
    for (name, value), grad in zip(start.items(), grads, strict=True):
        grad = torch.zeros_like(value) if grad is None else grad.detach()
        autograd_values, numeric_values = [], []
        for flat in _spread(value.numel(), min(value.numel(), max_elements)):
            if time.monotonic() > deadline:
                break
            plus, minus = dict(start), dict(start)
            plus[name], minus[name] = value.clone(), value.clone()
            plus[name].view(-1)[flat] += eps
            minus[name].view(-1)[flat] -= eps
            difference = (evaluate(plus) - evaluate(minus)).item() / (2 * eps)
            numeric_values.append(difference)
            autograd_values.append(grad.reshape(-1)[flat].item())
        pairs = list(zip(autograd_values, numeric_values, strict=True))
        diffs = [abs(a - n) for a, n in pairs]
        ok = all(abs(a - n) <= atol + rtol * abs(n) for a, n in pairs)
        results.append(
            GradientCheck(
                name,
                tuple(value.shape),
                len(numeric_values),
                tuple(autograd_values),
                tuple(numeric_values),
                max(diffs, default=0.0),
                ok,
            )
        )
    return results
