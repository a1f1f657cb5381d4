"""The trainer's input pipeline, as the course builds it: a `torch.utils.data.Dataset` whose
`__getitem__` passes each image through the v2 transforms, and a `DataLoader` that shuffles and
batches it.

The images are decoded once and held as one float tensor (no JPEG decoding per step), and the
loader runs in the training thread (`num_workers=0`: workers do not help on a 2-core box, and
the run's share of threads stays what the queue gave it). Its shuffling, and the transforms'
coin flips and angles, come from the generator passed in, never torch's global one.
"""

from __future__ import annotations

import time
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

    images: torch.Tensor  # (B, 3, 64, 64), augmented
    labels: torch.Tensor  # (B,)
    stored: torch.Tensor  # (B, 3, 64, 64): the same pictures before the transforms
    batches_per_epoch: int

    @property
    def shape_line(self) -> str:
        """`images.shape`, `dtype` and the labels' shape, as printed in a notebook."""
        return (
            f"images.shape == torch.Size({list(self.images.shape)})  # {self.images.dtype}, "
            f"values {self.images.min().item():.2f} to {self.images.max().item():.2f}\n"
            f"labels.shape == torch.Size({list(self.labels.shape)})  # {self.labels.dtype}\n"
            f"labels == {self.labels.tolist()}"
        )


class _WithStored(SignsImages):
    """SignsImages that also hands back each picture as stored, to show before and after."""

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        image, label = super().__getitem__(index)
        return image, label, self.images[index]


def first_batch(
    images: torch.Tensor, labels: torch.Tensor, config: ClassifierConfig, seed: int
) -> LoaderBatch:
    """The first batch of an epoch of the training loader (same Dataset, transforms, batch size
    and shuffle), its shuffling and augmentation seeded by `seed`: a generator of its own, so the
    page's "another batch" button draws a new one without touching a run."""
    generator = torch.Generator().manual_seed(int(seed))
    dataset = _WithStored(images, labels, train_transform(config, generator))
    loader = DataLoader(dataset, batch_size=config.batch_size, shuffle=True, generator=generator)
    batch_images, batch_labels, stored = next(iter(loader))
    return LoaderBatch(batch_images, batch_labels, stored, len(loader))


@dataclass(frozen=True)
class PipelineTiming:
    """Seconds to prepare the same images for training both ways (no model: input only)."""

    images: int
    loader_seconds: float  # Dataset + v2 transforms per image + DataLoader batching
    tensors_seconds: float  # shuffled indices, sliced batches, one augmentation per batch

    @property
    def ratio(self) -> float:
        """How many times longer the DataLoader takes (1.0: the same)."""
        return self.loader_seconds / self.tensors_seconds if self.tensors_seconds else 1.0


def time_pipelines(
    images: torch.Tensor,
    labels: torch.Tensor,
    config: ClassifierConfig,
    max_images: int = 512,
    rounds: int = 3,
) -> PipelineTiming:
    """Prepare up to `max_images` images for training through each pipeline, alternately,
    `rounds` times; the fastest round of each (the least disturbed by other work)."""
    from core.signs.augment import augment_batch

    images, labels = images[:max_images], labels[:max_images]
    loader_times, tensor_times = [], []
    for round_ in range(rounds):
        generator = torch.Generator().manual_seed(round_)
        tick = time.perf_counter()
        for _ in train_loader(images, labels, config, generator):
            pass
        loader_times.append(time.perf_counter() - tick)
        tick = time.perf_counter()
        order = torch.randperm(len(labels), generator=generator)
        for start in range(0, len(labels), config.batch_size):
            index = order[start : start + config.batch_size]
            augment_batch(images[index], config, generator)
            labels[index]
        tensor_times.append(time.perf_counter() - tick)
    return PipelineTiming(len(labels), min(loader_times), min(tensor_times))


def loader_code(config: ClassifierConfig) -> str:
    """The Dataset and DataLoader lines behind `train_loader`, for the page's code box."""
    return f"""import torch
from torch.utils.data import DataLoader, Dataset

# X_train: (N, 3, 64, 64) floats in [0, 1]; y_train: (N,) int64 labels 0..5


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


torch.manual_seed({config.seed})                          # v2's random transforms draw from here
generator = torch.Generator().manual_seed({config.seed})  # and the loader shuffles with this one
train_set = SignsImages(X_train, y_train, train_transform)
train_loader = DataLoader(train_set, batch_size={config.batch_size}, shuffle=True, generator=generator)
images, labels = next(iter(train_loader))
print(images.shape, images.dtype, labels.shape)  # torch.Size([{config.batch_size}, 3, 64, 64]) torch.float32 torch.Size([{config.batch_size}])"""
