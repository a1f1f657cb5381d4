"""SIGNS hand-sign data: a built-in set drawn in code, and readers for the real set.

The real SIGNS set (photos of a hand showing 0-5 raised fingers, 1080 train / 120 test, 64x64
after resizing) cannot be downloaded at run time, so `synthetic_signs` draws one, and
`load_signs` reads the real one when a user has it: the folder layout of the course
(`train_signs/0_IMG_5864.jpg`, ...), the same inside a .zip, or Coursera's `train_signs.h5` /
`test_signs.h5` pair. Both return a `SignsData` whose `.train` / `.test` are Datasets of
(float tensor 3x64x64 in [0, 1], int label 0-5) backed by preloaded uint8 tensors.

Uploaded files are hostile until proven otherwise: zips are read in memory with caps on entry
count and uncompressed size checked from the directory before anything is inflated, entry names
are only ever parsed as text, images are size-checked from their header before decoding, and
anything that cannot be used raises `SignsDataError` (a ValueError) with a sentence.
"""

from __future__ import annotations

import io
import math
import os
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

IMAGE_SIZE = 64  # pixels per side, as the course's build_dataset.py resizes to
NUM_CLASSES = 6  # 0..5 raised fingers
CLASS_NAMES = ("0", "1", "2", "3", "4", "5")

# Caps on what a user may hand us. Checked before the work they bound is done.
MAX_ZIP_ENTRIES = 20_000  # the real set has ~1,200 files
MAX_ZIP_TOTAL_BYTES = 1536 * 2**20  # sum of declared uncompressed sizes (the raw set is ~1.1 GB)
MAX_ENTRY_BYTES = 256 * 2**20  # one file, read with this as a hard limit (an .h5 pair is ~15 MB)
MAX_COMPRESSION_RATIO = 200  # declared size / compressed size; JPEGs and .h5 are far below
MAX_IMAGES = 12_000  # decoded images kept in memory (12,000 x 12 KB = 147 MB)
MAX_IMAGE_PIXELS = 40_000_000  # per image, read from the header before decoding (phones: ~12 M)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")
SPLIT_DIRS = {"train_signs": "train", "test_signs": "test", "dev_signs": "val", "val_signs": "val"}
H5_FILES = {"train_signs.h5": "train", "test_signs.h5": "test"}
_LABEL_RE = re.compile(r"^(\d+)_")


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


# --------------------------------------------------------------------------------------------
# The built-in set: hands drawn in code
# --------------------------------------------------------------------------------------------

# Hand geometry in "hand units" (palm about 1.0 wide), y pointing down the image, palm centre at
# the origin, index finger on the negative-x side (the thumb's side).
_FINGER_X = (-0.375, -0.125, 0.125, 0.375)  # index, middle, ring, pinky
_FINGER_LENGTH = (0.86, 0.95, 0.88, 0.70)
_FINGER_RADIUS = (0.120, 0.125, 0.118, 0.105)
_PALM_HALF = (0.32, 0.36)  # half-size of the palm's inner box; a 0.18 rounding is added around
_PALM_ROUND = 0.18

_SKIN_LIGHT = np.array([0.97, 0.82, 0.70])
_SKIN_DARK = np.array([0.40, 0.26, 0.18])


def _finger_patterns(label: int, alternate: bool) -> tuple[tuple[int, ...], int]:
    """Which of (index, middle, ring, pinky) are raised, and whether the thumb is, for a count.

    The usual SIGNS way counts from the index finger and raises the thumb only for five; the
    alternate way (thumb first, as many people count) keeps the thumb from being a giveaway.
    """
    if label == 5:
        return (1, 1, 1, 1), 1
    if label == 0:
        return (0, 0, 0, 0), 0
    if alternate:
        fingers = tuple(1 if i < label - 1 else 0 for i in range(4))
        return fingers, 1
    return tuple(1 if i < label else 0 for i in range(4)), 0


def _sample_hand_parameters(labels: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Draw every random choice for a batch of hands at once (arrays of length N)."""
    n = len(labels)
    alternate = rng.random(n) < 0.2
    raised = np.zeros((n, 4), dtype=np.float32)
    thumb = np.zeros(n, dtype=np.float32)
    for i, (label, alt) in enumerate(zip(labels, alternate, strict=True)):
        fingers, thumb_up = _finger_patterns(int(label), bool(alt))
        raised[i] = fingers
        thumb[i] = thumb_up

    tone = rng.random(n)
    skin = _SKIN_LIGHT[None] * (1 - tone[:, None]) + _SKIN_DARK[None] * tone[:, None]
    skin = skin * rng.uniform(0.92, 1.08, (n, 3))  # a little hue drift
    background = rng.uniform(0.15, 0.98, (n, 3))
    grey = rng.random(n) < 0.5  # half the backgrounds are near-grey walls, as in the photos
    background[grey] = background[grey].mean(axis=1, keepdims=True) + rng.normal(
        0, 0.03, (grey.sum(), 3)
    )
    sleeve = rng.uniform(0.05, 0.9, (n, 3))
    return {
        "raised": raised,
        "thumb": thumb,
        "mirror": np.where(rng.random(n) < 0.5, -1.0, 1.0),  # left or right hand
        "angle": np.deg2rad(rng.uniform(-25, 25, n)),
        "scale": rng.uniform(17.0, 25.0, n),  # pixels per hand unit
        "cx": IMAGE_SIZE / 2 + rng.uniform(-6, 6, n),
        "cy": IMAGE_SIZE / 2 + 6 + rng.uniform(-5, 5, n),
        "finger_length": rng.uniform(0.82, 1.15, n)[:, None] * rng.uniform(0.93, 1.07, (n, 4)),
        "finger_width": rng.uniform(0.88, 1.12, n),
        "spread": np.deg2rad(rng.uniform(3, 13, n))[:, None] * np.array([-1.5, -0.5, 0.5, 1.5])
        + np.deg2rad(rng.normal(0, 2.5, (n, 4))),
        "thumb_angle": np.deg2rad(rng.uniform(35, 70, n)),
        "thumb_length": rng.uniform(0.6, 0.8, n),
        "palm_width": rng.uniform(0.9, 1.1, n),
        "skin": np.clip(skin, 0, 1),
        "background": np.clip(background, 0, 1),
        "texture": rng.uniform(0.0, 0.18, n),
        "stripes": np.where(rng.random(n) < 0.3, rng.uniform(0.02, 0.08, n), 0.0),
        "stripe_freq": rng.uniform(0.2, 0.9, n),
        "stripe_angle": rng.uniform(0, np.pi, n),
        "sleeve": sleeve,
        "has_sleeve": (rng.random(n) < 0.5).astype(np.float32),
        "brightness": rng.uniform(0.78, 1.12, n),
        "light_angle": rng.uniform(0, 2 * np.pi, n),
        "light_strength": rng.uniform(0.0, 0.3, n),
        "noise": rng.uniform(0.004, 0.035, n),
    }


def _capsule(u, v, ax, ay, bx, by, ra, rb):
    """Signed distance (hand units) from points (u, v) to a capsule from a (radius ra) to b (rb)."""
    pax, pay = u - ax, v - ay
    bax, bay = bx - ax, by - ay
    h = ((pax * bax + pay * bay) / (bax * bax + bay * bay + 1e-9)).clamp(0, 1)
    return torch.hypot(pax - h * bax, pay - h * bay) - (ra + (rb - ra) * h)


def _rounded_box(u, v, half_w, half_h, radius):
    """Signed distance (hand units) from points (u, v) to a rounded box centred at the origin."""
    qx, qy = u.abs() - half_w, v.abs() - half_h
    outside = torch.hypot(qx.clamp(min=0), qy.clamp(min=0))
    inside = torch.maximum(qx, qy).clamp(max=0)
    return outside + inside - radius


def _col(values) -> torch.Tensor:
    """A length-N parameter as a float tensor shaped (N, 1, 1) to broadcast over pixels."""
    return torch.as_tensor(np.asarray(values), dtype=torch.float32).reshape(-1, 1, 1)


def _render_hands(p: dict[str, np.ndarray], noise_seed: int) -> torch.Tensor:
    """Draw a batch of hands from their parameters: uint8 (N, 3, 64, 64).

    Every part of the hand is a signed distance field over the pixel grid (vectorised over the
    batch), so edges are anti-aliased for free and each part gets a darker rim where it ends.
    """
    n = len(p["angle"])
    gen = torch.Generator().manual_seed(noise_seed)
    size = IMAGE_SIZE
    coords = torch.arange(size, dtype=torch.float32) + 0.5
    py, px = torch.meshgrid(coords, coords, indexing="ij")  # (64, 64) each
    px, py = px[None], py[None]  # (1, 64, 64)

    # Pixel -> hand frame: undo translation, rotation, scale and the left/right mirror.
    scale, angle = _col(p["scale"]), _col(p["angle"])
    dx, dy = px - _col(p["cx"]), py - _col(p["cy"])
    cos, sin = torch.cos(angle), torch.sin(angle)
    u = (cos * dx + sin * dy) / scale * _col(p["mirror"])  # (N, 64, 64)
    v = (-sin * dx + cos * dy) / scale

    def coverage(distance):  # hand-unit distance -> (alpha, rim shade), both (N, 64, 64)
        d_px = distance * scale
        alpha = (0.5 - d_px).clamp(0, 1)
        shade = 1.0 - 0.45 * torch.exp(d_px.clamp(max=0) / 1.3)
        return alpha, shade

    # Background: base colour, blotchy low-frequency texture, optional stripes.
    background = torch.as_tensor(p["background"], dtype=torch.float32)[:, :, None, None]
    blotches = torch.rand(n, 3, 5, 5, generator=gen) - 0.5
    blotches = torch.nn.functional.interpolate(blotches, size=(size, size), mode="bicubic")
    stripe_dir = _col(p["stripe_angle"])
    stripes = torch.sin(
        _col(p["stripe_freq"]) * (torch.cos(stripe_dir) * px + torch.sin(stripe_dir) * py)
    )
    image = (
        background
        + _col(p["texture"])[:, None] * blotches
        + (_col(p["stripes"]) * stripes)[:, None]
    )
    image = image.expand(n, 3, size, size).clone()  # (N, 3, 64, 64)

    skin = torch.as_tensor(p["skin"], dtype=torch.float32)[:, :, None, None]  # (N, 3, 1, 1)

    def paint(distance, colour, visible=None):
        nonlocal image
        alpha, shade = coverage(distance)
        if visible is not None:
            alpha = alpha * _col(visible)
        alpha = alpha[:, None]
        image = image * (1 - alpha) + colour * shade[:, None] * alpha

    zero = np.zeros(n)
    width = p["finger_width"]
    palm_w = p["palm_width"]

    # Forearm (and a sleeve on half of them) leaves the picture at the bottom.
    paint(
        _capsule(u, v, _col(zero), 0.3, _col(zero), 4.0, 0.36 * _col(palm_w), 0.40 * _col(palm_w)),
        skin * 0.95,
    )
    sleeve = torch.as_tensor(p["sleeve"], dtype=torch.float32)[:, :, None, None]
    paint(_capsule(u, v, _col(zero), 1.25, _col(zero), 4.0, 0.5, 0.55), sleeve, p["has_sleeve"])

    # Fingers: raised ones stand up behind the palm, folded ones curl over its top edge.
    raised_d, folded_d = [], []
    for i in range(4):
        base_x = _FINGER_X[i] * palm_w
        length = _FINGER_LENGTH[i] * p["finger_length"][:, i]
        radius = _FINGER_RADIUS[i] * width
        tip_x = base_x + length * np.sin(p["spread"][:, i])
        tip_y = -0.30 - length * np.cos(p["spread"][:, i])
        raised_d.append(
            _capsule(
                u,
                v,
                _col(base_x),
                -0.30,
                _col(tip_x),
                _col(tip_y),
                _col(radius * 1.05),
                _col(radius * 0.92),
            )
        )
        folded_d.append(
            _capsule(
                u,
                v,
                _col(base_x),
                -0.60,
                _col(base_x * 0.9),
                -0.26,
                _col(radius * 1.08),
                _col(radius * 1.0),
            )
        )

    thumb_side = -0.40 * palm_w
    thumb_tip_x = thumb_side - p["thumb_length"] * np.sin(p["thumb_angle"])
    thumb_tip_y = 0.22 - p["thumb_length"] * np.cos(p["thumb_angle"])
    thumb_up_d = _capsule(
        u,
        v,
        _col(thumb_side),
        0.25,
        _col(thumb_tip_x),
        _col(thumb_tip_y),
        _col(0.15 * width),
        _col(0.12 * width),
    )
    thumb_folded_d = _capsule(
        u,
        v,
        _col(thumb_side - 0.05),
        0.28,
        _col(0.12 * palm_w),
        -0.12,
        _col(0.15 * width),
        _col(0.125 * width),
    )

    for i in range(4):
        paint(raised_d[i], skin, p["raised"][:, i])
    paint(thumb_up_d, skin, p["thumb"])
    paint(_rounded_box(u / _col(palm_w), v, _PALM_HALF[0], _PALM_HALF[1], _PALM_ROUND), skin)
    for i in range(4):
        paint(folded_d[i], skin * 0.93, 1 - p["raised"][:, i])
    paint(thumb_folded_d, skin * 0.97, 1 - p["thumb"])

    # Lighting: overall brightness and a gradient from one side; then sensor noise.
    light_dir = _col(p["light_angle"])
    gradient = (
        torch.cos(light_dir) * (px - size / 2) + torch.sin(light_dir) * (py - size / 2)
    ) / size
    light = _col(p["brightness"]) * (1 + 2 * _col(p["light_strength"]) * gradient)
    image = image * light[:, None]
    image = image + _col(p["noise"])[:, None] * torch.randn(image.shape, generator=gen)
    return (image.clamp(0, 1) * 255).round().to(torch.uint8)


def _balanced_labels(n: int, rng: np.random.Generator) -> np.ndarray:
    """n labels with every class count within one of the others, in a random order."""
    labels = np.arange(n) % NUM_CLASSES
    extra = rng.permutation(NUM_CLASSES)[: n % NUM_CLASSES]  # which classes get the remainder
    labels[n - n % NUM_CLASSES :] = extra
    return rng.permutation(labels)


def draw_hands(labels: Iterable[int], seed: int = 0, chunk: int = 256) -> torch.Tensor:
    """Draw one hand per label (0-5 raised fingers): uint8 tensor (N, 3, 64, 64).

    Deterministic for a seed; use it for "a fresh built-in picture" to predict.
    """
    labels = np.asarray(list(labels), dtype=np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise SignsDataError("Hand labels must be numbers of raised fingers from 0 to 5.")
    rng = np.random.default_rng([seed, 7])
    params = _sample_hand_parameters(labels, rng)
    pieces = []
    for start in range(0, len(labels), chunk):
        part = {key: value[start : start + chunk] for key, value in params.items()}
        pieces.append(_render_hands(part, noise_seed=seed * 100_003 + start))
    if not pieces:
        return torch.zeros((0, 3, IMAGE_SIZE, IMAGE_SIZE), dtype=torch.uint8)
    return torch.cat(pieces)


def _synthetic_split(n: int, seed: int, split: int) -> SignsDataset:
    rng = np.random.default_rng([seed, split])
    labels = _balanced_labels(n, rng)
    images = draw_hands(labels, seed=int(rng.integers(2**31)))
    return SignsDataset(images, torch.as_tensor(labels))


def synthetic_signs(n_train: int = 1080, n_test: int = 120, seed: int = 0) -> SignsData:
    """The built-in SIGNS set: hands drawn in code showing 0-5 raised fingers.

    Balanced classes (counts differ by at most one), deterministic for (n_train, n_test, seed);
    the train and test pictures come from separate random streams, so the test set does not
    change when only n_train does. 1080 + 120 images take about a second on one core.
    """
    for name, value in (("n_train", n_train), ("n_test", n_test)):
        if not isinstance(value, int) or value < 1:
            raise SignsDataError(f"{name} must be a whole number of images, at least 1.")
    if n_train + n_test > MAX_IMAGES:
        raise SignsDataError(
            f"{n_train + n_test} images is more than the built-in set makes; "
            f"ask for at most {MAX_IMAGES} in total."
        )
    return SignsData(
        train=_synthetic_split(n_train, seed, 0),
        test=_synthetic_split(n_test, seed, 1),
        source=f"built-in hands, {n_train} train / {n_test} test, seed {seed}",
    )
