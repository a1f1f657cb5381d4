"""Tensor values as the short text a graph box or a table cell shows."""

from __future__ import annotations

import math
import operator
from typing import Any

import torch

_STATS = "mean {:.3g}, std {:.3g}, range [{:.3g}, {:.3g}]".format
_number = "{:.3g}".format  # 3 significant digits; whole numbers print without ".0"


def format_tensor(tensor: torch.Tensor | None, max_items: int = 6) -> str:
    """Values of a small tensor ("[3, 3, 3]"), or summary statistics of a big one."""
    if tensor is None:
        return "None"
    if not isinstance(tensor, torch.Tensor):
        return str(tensor)
    numel = tensor.numel()
    if numel == 0:
        return "[]"
    if tensor.is_complex():
        tensor = tensor.detach().abs()
    if numel == 1:
        return _number(tensor.item())  # .item() and .tolist() need no detach()
    if numel > 256:  # many numbers: let torch reduce them
        values = tensor.detach().double()
        std_t, mean_t = torch.std_mean(values)
        low_t, high_t = torch.aminmax(values)
        return _STATS(mean_t.item(), std_t.item(), low_t.item(), high_t.item())
    # A handful of numbers: one .tolist() and Python are quicker than any tensor op.
    values = tensor.tolist()
    dims = tensor.dim()
    if numel <= max_items and dims == 1:
        return "[" + ", ".join(map(_number, values)) + "]"
    if dims == 2:
        if numel <= max_items:
            return "[" + ", ".join("[" + ", ".join(map(_number, row)) + "]" for row in values) + "]"
        values = [value for row in values for value in row]
    else:
        for _ in range(dims - 1):  # flatten row-major, as reshape(-1) would
            values = [value for row in values for value in row]
    total = sum(values)
    mean = total / numel
    squares = sum(map(operator.mul, values, values))
    std = math.sqrt(max(0.0, (squares - total * mean) / (numel - 1)))
    return _STATS(mean, std, min(values), max(values))


def holds_grad(tensor: torch.Tensor) -> bool:
    """True when backward() fills `tensor.grad`: a leaf that requires grad, or a tensor that
    called retain_grad()."""
    return tensor.requires_grad and (tensor.is_leaf or tensor.retains_grad)


def format_value(value: Any) -> str:
    """A recorded gradient or saved value: a tensor, a tuple of them, or anything else."""
    if isinstance(value, torch.Tensor):
        return format_tensor(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(format_value(v) for v in value) + ")"
    if value is None:
        return "not saved (not needed for this backward)"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"
