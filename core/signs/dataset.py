"""The SIGNS data types: SignsDataset (preloaded images and labels), SignsData, their sizes."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch.utils.data import Dataset

IMAGE_SIZE = 64  # pixels per side, as the course's build_dataset.py resizes to
NUM_CLASSES = 6  # 0..5 raised fingers
CLASS_NAMES = ("0", "1", "2", "3", "4", "5")
MAX_IMAGES = 12_000  # decoded images kept in memory (12,000 x 12 KB = 147 MB)


class SignsDataError(ValueError):
    """Data that cannot be used; the message is a sentence saying what to do."""


class SignsDataset(Dataset):
    """Preloaded images as a Dataset of (float 3x64x64 in [0, 1], int label).

    `images` is uint8 (N, 3, 64, 64) and `labels` int64 (N,), both on the CPU. Trainers should
    take `float_images()` / `labels` once and batch from those tensors instead of indexing.
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor):
        if images.dtype != torch.uint8 or images.ndim != 4 or images.shape[1] != 3:
            raise SignsDataError("Images must be a uint8 tensor shaped (N, 3, H, W).")
        if labels.shape != (images.shape[0],):
            raise SignsDataError("There must be exactly one label per image.")
        self.images = images  # (N, 3, 64, 64) uint8
        self.labels = labels.to(torch.int64)  # (N,)

    def __len__(self) -> int:
        return self.images.shape[0]

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return self.images[index].float() / 255.0, int(self.labels[index])

    def float_images(self) -> torch.Tensor:
        """All images as one float32 tensor (N, 3, 64, 64) in [0, 1]."""
        return self.images.float() / 255.0

    def class_counts(self) -> list[int]:
        """How many images of each class 0..5."""
        return torch.bincount(self.labels, minlength=NUM_CLASSES).tolist()

    def subset(self, indices: torch.Tensor | list[int]) -> SignsDataset:
        """The images at `indices`, as a new SignsDataset (tensors are copied)."""
        index = torch.as_tensor(indices, dtype=torch.int64)
        return SignsDataset(self.images[index], self.labels[index])

    def __repr__(self) -> str:
        return f"SignsDataset({len(self)} images, counts per class {self.class_counts()})"


@dataclass(frozen=True)
class SignsData:
    """A train / test pair of SIGNS images, where they came from, and what was skipped."""

    train: SignsDataset
    test: SignsDataset
    classes: tuple[str, ...] = CLASS_NAMES  # class i is "i raised fingers"
    source: str = ""  # one line for the page: "built-in, seed 0" or "upload SIGNS.zip (folders)"
    warnings: tuple[str, ...] = ()  # sentences about skipped or odd files; empty when clean
    val: SignsDataset | None = field(default=None)  # a dev_signs/ folder when the input has one
