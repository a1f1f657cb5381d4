"""The points a sin-fit run trains on: torch's float32 grid, or NumPy's for the NumPy variant."""

from __future__ import annotations

import numpy as np
import torch

from core.sin_fit.config import TARGETS, SineFitConfig


def make_torch_data(config: SineFitConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """The points the torch variants fit: x evenly spaced (float32), y = target(x) + noise."""
    lo, hi = config.interval
    x = torch.linspace(lo, hi, config.n_points)  # (n,)
    y = TARGETS[config.target].torch_fn(x)  # (n,)
    if config.noise > 0:
        generator = torch.Generator().manual_seed(config.seed)
        y = y + config.noise * torch.randn(config.n_points, generator=generator)
    return x, y


def make_numpy_data(config: SineFitConfig) -> tuple[np.ndarray, np.ndarray]:
    """The points the NumPy variant fits, made by NumPy alone (float32)."""
    lo, hi = config.interval
    x = np.linspace(lo, hi, config.n_points, dtype=np.float32)  # (n,)
    y = TARGETS[config.target].numpy_fn(x)  # (n,)
    if config.noise > 0:
        rng = np.random.default_rng(config.seed)
        y = y + np.float32(config.noise) * rng.standard_normal(config.n_points, dtype=np.float32)
    return x, y.astype(np.float32)


def make_data(config: SineFitConfig) -> tuple[np.ndarray, np.ndarray]:
    """The exact float32 points the config's variant trains on, as NumPy arrays."""
    if config.variant == "numpy":
        return make_numpy_data(config)
    x, y = make_torch_data(config)
    return x.numpy(), y.numpy()
