"""Evaluation mode: `model.eval()` under `torch.no_grad()`, and the model's mode put back after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn


@contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """Run the block with `model` in eval mode and no gradients; restore train/eval mode after.

    Dropout keeps every unit and batch norm uses its running statistics, as the course insists
    for validation, testing and prediction; the mode comes back even when the block raises.
    """
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        model.train(was_training)
