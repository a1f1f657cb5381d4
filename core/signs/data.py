"""The trainer's data: a SIGNS set as tensors (TensorData), with its validation split."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from core.splits import stratified_split


@dataclass
class TensorData:
    """A SIGNS split held as tensors: images (N, 3, 64, 64) float in [0, 1], labels (N,) int64."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    val_images: torch.Tensor
    val_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    classes: list[str] = field(default_factory=lambda: [str(i) for i in range(6)])


def stack_dataset(dataset) -> tuple[torch.Tensor, torch.Tensor]:
    """Read every (image, label) item of a Dataset into two tensors (N, 3, 64, 64) and (N,).

    A dataset that already holds its images as tensors (`float_images()` and `labels`, as
    core.signs.dataset's SignsDataset does) is read in one step.
    """
    if hasattr(dataset, "float_images") and hasattr(dataset, "labels"):
        return dataset.float_images().float(), torch.as_tensor(dataset.labels, dtype=torch.long)
    images, labels = [], []
    for image, label in dataset:
        images.append(torch.as_tensor(image, dtype=torch.float32))
        labels.append(int(label))
    if not images:
        return torch.zeros(0, 3, 64, 64), torch.zeros(0, dtype=torch.long)
    return torch.stack(images), torch.tensor(labels, dtype=torch.long)


def tensor_data(signs, val_fraction: float = 0.2, seed: int = 0) -> TensorData:
    """Turn anything with `.train`, `.test` and `.classes` (a SignsData) into TensorData.

    Validation is the data's own `.val` split when it has one (a dev_signs/ folder), else
    `val_fraction` of each class of train, chosen by `seed`.
    """
    train_images, train_labels = stack_dataset(signs.train)
    test_images, test_labels = stack_dataset(signs.test)
    classes = list(getattr(signs, "classes", [str(i) for i in range(6)]))
    if getattr(signs, "val", None) is not None and len(
        signs.val
    ):  # a dev_signs/ folder came with it
        val_images, val_labels = stack_dataset(signs.val)
        return TensorData(
            train_images, train_labels, val_images, val_labels, test_images, test_labels, classes
        )
    keep, held = stratified_split(train_labels, val_fraction, seed)
    return TensorData(
        train_images[keep],
        train_labels[keep],
        train_images[held],
        train_labels[held],
        test_images,
        test_labels,
        classes,
    )
