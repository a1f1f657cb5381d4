"""Moments of a program: the values its tensors had right after a line, so a graph drawn later
shows one consistent moment (never a weight after its update beside a prediction made before).

A program's lines keep changing its tensors in place (`w -= lr * w.grad`, `w.grad.zero_()`,
a second backward() adding into .grad). `Snapshots` records, right after a tensor is made and
right after each backward(), the box text of every tensor the program can still reach; text is
reformatted only for tensors whose data or grad changed since (PyTorch bumps a tensor's version
counter on every in-place change), so a snapshot costs little.
"""

from __future__ import annotations

import torch

from core.graph import Moment, format_tensor, holds_grad


def _state(tensor: torch.Tensor) -> tuple:
    """What must be unchanged for the tensor's box text to be unchanged. The grad itself is
    kept (compared with `is`), so a new grad never passes for an old one at a reused address."""
    holds = holds_grad(tensor)
    grad = tensor.grad if holds else None
    return (tensor._version, holds, grad, -1 if grad is None else grad._version)


def _same(old: tuple, new: tuple) -> bool:
    return old[0] == new[0] and old[1] == new[1] and old[2] is new[2] and old[3] == new[3]


class Snapshots:
    """The tensors of one run and the box text of each as it was last seen."""

    def __init__(self) -> None:
        self._tensors: dict[int, torch.Tensor] = {}  # kept alive, so ids stay unique
        self._seen: dict[int, tuple[tuple, tuple[str, str]]] = {}

    def watch(self, tensor: torch.Tensor) -> None:
        """Include `tensor` (a named one, or a leaf made without a name) in later snapshots."""
        self._tensors.setdefault(id(tensor), tensor)

    def take(self, label: str) -> Moment:
        """The box text of every watched tensor now."""
        values: dict[int, tuple[str, str]] = {}
        for key, tensor in self._tensors.items():
            state = _state(tensor)
            seen = self._seen.get(key)
            if seen is None or not _same(seen[0], state):
                grad = format_tensor(tensor.grad) if holds_grad(tensor) else ""
                seen = (state, (format_tensor(tensor), grad))
                self._seen[key] = seen
            values[key] = seen[1]
        return Moment(label, values)
