"""The trainer's input pipeline, as the course builds it: a `torch.utils.data.Dataset` whose
`__getitem__` passes each image through the v2 transforms, and a `DataLoader` that shuffles and
batches it.

The images are decoded once and held as one float tensor (no JPEG decoding per step), and the
loader runs in the training thread (`num_workers=0`: workers do not help on a 2-core box, and
the run's share of threads stays what the queue gave it). Its shuffling, and the transforms'
coin flips and angles, come from the generator passed in, never torch's global one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.utils.data import DataLoader, Dataset

from core.signs.config import ClassifierConfig
from core.signs.transforms import train_transform


class SignsImages(Dataset):
    """(image, label) pairs of preloaded images; `transform` is applied to each image read.

    `images` is float (N, 3, 64, 64) in [0, 1] and `labels` int64 (N,), both on the CPU.
    """

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor,
        transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ):
        if images.ndim != 4 or images.shape[0] != labels.shape[0]:
            raise ValueError("There must be one label per image, and images shaped (N, 3, H, W).")
        self.images = images
        self.labels = labels
        self.transform = transform

    def __len__(self) -> int:
        return self.images.shape[0]

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        image = self.images[index]  # (3, 64, 64) float in [0, 1]
        if self.transform is not None:
            image = self.transform(image)
        return image, self.labels[index]


def drops_last_batch(size: int, batch_size: int, needs_pairs: bool) -> bool:
    """Whether the loader must drop a last batch of one image (batch norm cannot train on it)."""
    return needs_pairs and size % batch_size == 1


def train_loader(
    images: torch.Tensor,
    labels: torch.Tensor,
    config: ClassifierConfig,
    generator: torch.Generator,
    needs_pairs: bool = False,
) -> DataLoader:
    """The training DataLoader: shuffled by `generator` each epoch, each image augmented by
    `config`'s v2 pipeline drawing from the same generator, batches of `config.batch_size`."""
    dataset = SignsImages(images, labels, train_transform(config, generator))
    return DataLoader(
        dataset,
        batch_size=config.batch_size,
        shuffle=True,
        generator=generator,  # the sampler's shuffle and the loader's base seed
        num_workers=0,
        drop_last=drops_last_batch(len(dataset), config.batch_size, needs_pairs),
    )


@dataclass(frozen=True)
class LoaderBatch:
    """One batch as it comes out of the training DataLoader, with what a student checks first."""

    images: torch.Tensor  # (B, 3, 64, 64)
    labels: torch.Tensor  # (B,)
    batches_per_epoch: int

    @property
    def shape_line(self) -> str:
        """`images.shape`, `dtype` and the labels' shape, as printed in a notebook."""
        return (
            f"images.shape == torch.Size({list(self.images.shape)}), dtype {self.images.dtype}, "
            f"values {self.images.min().item():.2f}…{self.images.max().item():.2f} · "
            f"labels.shape == torch.Size({list(self.labels.shape)}), dtype {self.labels.dtype}"
        )


def first_batch(
    images: torch.Tensor, labels: torch.Tensor, config: ClassifierConfig, seed: int
) -> LoaderBatch:
    """The first batch the training loader gives with its shuffling and augmentation seeded by
    `seed` (a generator of its own: the page's "another batch" button draws a new one)."""
    loader = train_loader(images, labels, config, torch.Generator().manual_seed(int(seed)))
    batch_images, batch_labels = next(iter(loader))
    return LoaderBatch(batch_images, batch_labels, len(loader))


def loader_code(config: ClassifierConfig) -> str:
    """The Dataset and DataLoader lines behind `train_loader`, for the page's code box."""
    return f"""from torch.utils.data import DataLoader, Dataset


class SignsImages(Dataset):
    def __init__(self, images, labels, transform=None):
        self.images, self.labels, self.transform = images, labels, transform  # (N, 3, 64, 64), (N,)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        image = self.images[index]              # one picture (3, 64, 64)
        if self.transform is not None:
            image = self.transform(image)       # a new random flip / angle on every read
        return image, self.labels[index]


generator = torch.Generator().manual_seed({config.seed})   # shuffling and augmentation repeat
train_set = SignsImages(X_train, y_train, train_transform)
train_loader = DataLoader(train_set, batch_size={config.batch_size}, shuffle=True, generator=generator)
images, labels = next(iter(train_loader))
print(images.shape, images.dtype, labels.shape)  # torch.Size([{config.batch_size}, 3, 64, 64]) torch.float32 torch.Size([{config.batch_size}])"""
