"""The training augmentation as a torchvision transforms v2 pipeline, drawing from a generator.

torchvision's random transforms draw their coin flips and angles from torch's global generator,
which every session's thread shares: two students training at once would take each other's
numbers, and one seed would not give one run. The three classes here are torchvision's own
`RandomHorizontalFlip`, `RandomRotation` and `ColorJitter` (same arguments, same kernels, same
maths) with one change: their random parameters come from the trainer's `torch.Generator`.
"""

from __future__ import annotations

from typing import Any

import torch
from torchvision.transforms import v2

from core.signs.config import ClassifierConfig


class RandomHorizontalFlip(v2.RandomHorizontalFlip):
    """v2.RandomHorizontalFlip(p) whose coin comes from `generator`."""

    def __init__(self, p: float = 0.5, *, generator: torch.Generator):
        super().__init__(p)
        self.generator = generator

    def forward(self, *inputs: Any) -> Any:
        # v2's _RandomApplyTransform.forward tosses torch.rand(1) from the global generator
        if torch.rand(1, generator=self.generator).item() >= self.p:
            return inputs if len(inputs) > 1 else inputs[0]
        return v2.Transform.forward(self, *inputs)


class RandomRotation(v2.RandomRotation):
    """v2.RandomRotation(degrees) whose angle comes from `generator`."""

    def __init__(self, degrees: float, *, generator: torch.Generator, **kwargs: Any):
        super().__init__(degrees, **kwargs)
        self.generator = generator

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        low, high = self.degrees
        return {"angle": torch.empty(1).uniform_(low, high, generator=self.generator).item()}


class ColorJitter(v2.ColorJitter):
    """v2.ColorJitter(brightness, contrast, ...) whose order and factors come from `generator`."""

    def __init__(self, *, generator: torch.Generator, **kwargs: Any):
        super().__init__(**kwargs)
        self.generator = generator

    def _draw(self, bounds: tuple[float, float] | None) -> float | None:
        if bounds is None:
            return None
        return torch.empty(1).uniform_(bounds[0], bounds[1], generator=self.generator).item()

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        order = torch.randperm(4, generator=self.generator)
        return {
            "fn_idx": order,
            "brightness_factor": self._draw(self.brightness),
            "contrast_factor": self._draw(self.contrast),
            "saturation_factor": self._draw(self.saturation),
            "hue_factor": self._draw(self.hue),
        }


def train_transform(config: ClassifierConfig, generator: torch.Generator) -> v2.Compose:
    """The augmentation `config` asks for, applied to one float (3, 64, 64) image at a time, as
    the course's `train_transformer` is; `v2.Identity()` alone when augmentation is off."""
    steps: list[v2.Transform] = []
    if config.flip:
        steps.append(RandomHorizontalFlip(0.5, generator=generator))
    if config.rotation > 0:
        steps.append(RandomRotation(config.rotation, generator=generator))
    if config.color_jitter > 0:
        j = config.color_jitter
        steps.append(ColorJitter(brightness=j, contrast=j, generator=generator))
    return v2.Compose(steps or [v2.Identity()])


def transform_code(config: ClassifierConfig) -> str:
    """The pipeline of `train_transform` as the few lines a notebook would have."""
    lines = ["from torchvision.transforms import v2", "", "train_transform = v2.Compose(["]
    if config.flip:
        lines.append("    v2.RandomHorizontalFlip(p=0.5),  # a mirrored hand shows the same number")
    if config.rotation > 0:
        lines.append(f"    v2.RandomRotation({config.rotation:g}),  # turn by a random angle")
    if config.color_jitter > 0:
        j = f"{config.color_jitter:g}"
        lines.append(f"    v2.ColorJitter(brightness={j}, contrast={j}),  # vary the lighting")
    if len(lines) == 3:
        lines.append("    v2.Identity(),  # augmentation is off")
    lines.append("])")
    return "\n".join(lines)
