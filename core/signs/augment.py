"""Training-time augmentation of a whole batch at once: flip, rotation, brightness/contrast."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from core.signs.config import ClassifierConfig


def augment_batch(
    images: torch.Tensor, config: ClassifierConfig, generator: torch.Generator
) -> torch.Tensor:
    """Random flip / rotation / brightness-contrast per image, done on the whole batch at once.

    The random numbers come from `generator` (CPU, so runs repeat exactly) and the arithmetic runs
    on the images' device. Returns a new tensor; `images` is not changed.
    """
    batch = images.shape[0]
    device = images.device
    out = images
    if config.flip:
        mask = (torch.rand(batch, generator=generator) < 0.5).to(device)
        out = torch.where(mask[:, None, None, None], out.flip(-1), out)
    if config.rotation > 0:
        angles = (torch.rand(batch, generator=generator) * 2 - 1) * math.radians(config.rotation)
        cos, sin = torch.cos(angles), torch.sin(angles)
        theta = torch.stack(
            [
                torch.stack([cos, -sin, torch.zeros(batch)], 1),
                torch.stack([sin, cos, torch.zeros(batch)], 1),
            ],
            1,
        ).to(device=device, dtype=out.dtype)  # (B, 2, 3)
        grid = F.affine_grid(theta, list(out.shape), align_corners=False)
        out = F.grid_sample(out, grid, padding_mode="border", align_corners=False)
    if config.color_jitter > 0:
        j = config.color_jitter
        brightness = (1 + (torch.rand(batch, generator=generator) * 2 - 1) * j).to(device)
        contrast = (1 + (torch.rand(batch, generator=generator) * 2 - 1) * j).to(device)
        mean = out.mean(dim=(1, 2, 3), keepdim=True)
        out = ((out - mean) * contrast[:, None, None, None] + mean) * brightness[
            :, None, None, None
        ]
        out = out.clamp(0, 1)
    return out
