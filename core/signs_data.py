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
import numbers
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
MAX_H5_ARRAY_BYTES = 512 * 2**20  # one .h5 image array once read (the real one is 13 MB)
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
_FINGER_RADIUS = (0.108, 0.112, 0.106, 0.095)
_PALM_HALF = (0.32, 0.36)  # half-size of the palm's inner box; a 0.18 rounding is added around
_PALM_ROUND = 0.18

_RENDER_CHUNK = 128  # hands drawn per vectorised pass (~2 MB per (N, 64, 64) float32 array)

_SKIN_LIGHT = np.array([0.97, 0.82, 0.70])
_SKIN_DARK = np.array([0.40, 0.26, 0.18])


def _finger_patterns(label: int) -> tuple[tuple[int, ...], int]:
    """Which of (index, middle, ring, pinky) are raised, and whether the thumb is, for a count.

    As in the SIGNS photos: count from the index finger; the thumb comes up only for five.
    """
    return tuple(1 if i < label else 0 for i in range(4)), int(label == 5)


def _sample_hand_parameters(labels: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Draw every random choice for a batch of hands at once (arrays of length N)."""
    n = len(labels)
    patterns = [_finger_patterns(int(label)) for label in labels]
    raised = np.array([fingers for fingers, _ in patterns], dtype=np.float32).reshape(n, 4)
    thumb = np.array([thumb_up for _, thumb_up in patterns], dtype=np.float32)

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
        "angle": np.deg2rad(rng.uniform(-12, 12, n)),
        "scale": rng.uniform(19.0, 25.0, n),  # pixels per hand unit
        "cx": IMAGE_SIZE / 2 + rng.uniform(-4, 4, n),
        "cy": IMAGE_SIZE / 2 + 6 + rng.uniform(-4, 4, n),
        "finger_length": rng.uniform(0.9, 1.15, n)[:, None] * rng.uniform(0.93, 1.07, (n, 4)),
        "finger_width": rng.uniform(0.88, 1.12, n),
        "spread": np.deg2rad(rng.uniform(5, 14, n))[:, None] * np.array([-1.5, -0.5, 0.5, 1.5])
        + np.deg2rad(rng.normal(0, 2.5, (n, 4))),
        "thumb_angle": np.deg2rad(rng.uniform(35, 70, n)),
        "thumb_length": rng.uniform(0.6, 0.8, n),
        "palm_width": rng.uniform(0.9, 1.1, n),
        "skin": np.clip(skin, 0, 1),
        "background": np.clip(background, 0, 1),
        "texture": rng.uniform(0.0, 0.12, n),
        "stripes": np.where(rng.random(n) < 0.2, rng.uniform(0.02, 0.06, n), 0.0),
        "stripe_freq": rng.uniform(0.2, 0.9, n),
        "stripe_angle": rng.uniform(0, np.pi, n),
        "sleeve": sleeve,
        "has_sleeve": (rng.random(n) < 0.5).astype(np.float32),
        "brightness": rng.uniform(0.78, 1.12, n),
        "light_angle": rng.uniform(0, 2 * np.pi, n),
        "light_strength": rng.uniform(0.0, 0.3, n),
        "noise": rng.uniform(0.004, 0.025, n),
    }


def _capsule(u, v, ax, ay, bx, by, ra, rb):
    """Signed distance (hand units) from points (u, v) to a capsule from a (radius ra) to b (rb)."""
    bax, bay = bx - ax, by - ay  # (N, 1, 1): the segment
    pax, pay = u - ax, v - ay  # (N, 64, 64): pixel relative to its start
    h = pax * (bax / (bax * bax + bay * bay + 1e-9))
    h += pay * (bay / (bax * bax + bay * bay + 1e-9))
    np.clip(h, 0, 1, out=h)  # how far along the segment the nearest point is
    pax -= h * bax
    pay -= h * bay
    distance = np.hypot(pax, pay, out=pax)
    h *= rb - ra
    distance -= h
    distance -= ra
    return distance


def _rounded_box(u, v, half_w, half_h, radius):
    """Signed distance (hand units) from points (u, v) to a rounded box centred at the origin."""
    qx, qy = np.abs(u) - half_w, np.abs(v) - half_h
    outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
    inside = np.minimum(np.maximum(qx, qy), 0)
    return outside + inside - radius


def _col(values) -> np.ndarray:
    """A length-N parameter as float32 shaped (N, 1, 1), to broadcast over the pixel grid."""
    return np.asarray(values, dtype=np.float32).reshape(-1, 1, 1)


def _rgb(values) -> np.ndarray:
    """(N, 3) colours as float32 (N, 3, 1, 1), to broadcast over the pixel grid."""
    return np.asarray(values, dtype=np.float32)[:, :, None, None]


def _smooth_upsample(size: int, knots: int) -> np.ndarray:
    """(size, knots) weights that blend a coarse grid of random values into a smooth picture."""
    pixels = (np.arange(size) + 0.5) / size
    centres = (np.arange(knots) + 0.5) / knots
    weights = np.exp(-(((pixels[:, None] - centres[None]) * knots / 0.8) ** 2))
    return (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)


def _render_hands(p: dict[str, np.ndarray], noise_seed: int) -> np.ndarray:
    """Draw a batch of hands from their parameters: uint8 (N, 3, 64, 64).

    Every part of the hand is a signed distance field over the pixel grid (vectorised over the
    batch, in NumPy so it never competes for torch's thread pool), so edges are anti-aliased
    for free and each part gets a darker rim where it ends.
    """
    n = len(p["angle"])
    rng = np.random.default_rng(noise_seed)
    size = IMAGE_SIZE
    coords = np.arange(size, dtype=np.float32) + 0.5
    py, px = np.meshgrid(coords, coords, indexing="ij")
    px, py = px[None], py[None]  # (1, 64, 64)

    # Pixel -> hand frame: undo translation, rotation, scale and the left/right mirror.
    scale, angle = _col(p["scale"]), _col(p["angle"])
    dx, dy = px - _col(p["cx"]), py - _col(p["cy"])
    cos, sin = np.cos(angle), np.sin(angle)
    u = (cos * dx + sin * dy) / scale * _col(p["mirror"])  # (N, 64, 64)
    v = (-sin * dx + cos * dy) / scale

    # Background: base colour, blotchy low-frequency texture, optional stripes.
    upsample = _smooth_upsample(size, 5)
    blotches = rng.random((n, 3, 5, 5), dtype=np.float32) - 0.5
    blotches = np.einsum("ik,nckl,jl->ncij", upsample, blotches, upsample, optimize=True)
    stripe_dir = _col(p["stripe_angle"])
    stripes = np.sin(_col(p["stripe_freq"]) * (np.cos(stripe_dir) * px + np.sin(stripe_dir) * py))
    image = (
        _rgb(p["background"])
        + _col(p["texture"])[:, None] * blotches
        + (_col(p["stripes"]) * stripes)[:, None]
    ).astype(np.float32)  # (N, 3, 64, 64)

    def coverage(distance):
        """Hand-unit distance -> (alpha, shade): anti-aliased coverage, darker rim inside."""
        d_px = distance * scale  # (N, 64, 64) in pixels
        alpha = np.clip(0.5 - d_px, 0, 1)
        shade = np.clip(d_px, -2, 0)
        shade += 2
        shade *= -0.2
        shade += 1.0  # 0.6 at the edge, 1 from 2 px inside: parts stay apart where they overlap
        return alpha, shade

    # The hand is composited in one channel (premultiplied shade `lit`, coverage `covered`) and
    # coloured once at the end: every part is skin, only its shade differs.
    lit = np.zeros((n, size, size), dtype=np.float32)
    covered = np.zeros((n, size, size), dtype=np.float32)

    def lay(alpha, shade, tone=1.0, visible=None):
        if visible is not None:
            alpha = alpha * _col(visible)
        lit[...] += alpha * (shade * tone - lit)
        covered[...] += alpha * (1 - covered)

    width, palm_w = p["finger_width"], p["palm_width"]

    # A sleeve on half of them, under everything; the forearm comes out of it (or, without a
    # sleeve, leaves the picture at the bottom).
    sleeve_alpha, sleeve_shade = coverage(_capsule(u, v, 0.0, 1.25, 0.0, 4.0, 0.5, 0.55))
    sleeve_alpha *= _col(p["has_sleeve"])
    image += sleeve_alpha[:, None] * (_rgb(p["sleeve"]) * sleeve_shade[:, None] - image)
    forearm_end = _col(np.where(p["has_sleeve"] > 0, 1.0, 4.0))
    forearm = _capsule(u, v, 0.0, 0.3, 0.0, forearm_end, 0.36 * _col(palm_w), 0.40 * _col(palm_w))
    lay(*coverage(forearm), tone=0.95)

    # Fingers: raised ones stand up behind the palm, folded ones curl over its top edge. Each
    # finger is one capsule whose ends depend on its state, painted below or above the palm.
    fingers = []
    for i in range(4):
        raised = p["raised"][:, i] > 0
        base_x = _FINGER_X[i] * palm_w
        length = _FINGER_LENGTH[i] * p["finger_length"][:, i]
        radius = _FINGER_RADIUS[i] * width
        start_y = np.where(raised, -0.30, -0.55)
        end_x = np.where(raised, base_x + length * np.sin(p["spread"][:, i]), base_x * 0.9)
        end_y = np.where(raised, -0.30 - length * np.cos(p["spread"][:, i]), -0.26)
        start_r = radius * np.where(raised, 1.05, 1.08)
        end_r = radius * np.where(raised, 0.92, 1.0)
        fingers.append(
            _capsule(
                u,
                v,
                _col(base_x),
                _col(start_y),
                _col(end_x),
                _col(end_y),
                _col(start_r),
                _col(end_r),
            )
        )
    thumb_up = p["thumb"] > 0
    side = -0.40 * palm_w
    thumb = _capsule(
        u,
        v,
        _col(np.where(thumb_up, side, side - 0.05)),
        _col(np.where(thumb_up, 0.25, 0.28)),
        _col(
            np.where(thumb_up, side - p["thumb_length"] * np.sin(p["thumb_angle"]), 0.12 * palm_w)
        ),
        _col(np.where(thumb_up, 0.22 - p["thumb_length"] * np.cos(p["thumb_angle"]), -0.12)),
        _col(0.15 * width),
        _col(np.where(thumb_up, 0.12, 0.125) * width),
    )

    fingers = [coverage(distance) for distance in fingers]
    thumb = coverage(thumb)
    for i in range(4):
        lay(*fingers[i], visible=p["raised"][:, i])
    lay(*thumb, visible=p["thumb"])
    lay(*coverage(_rounded_box(u / _col(palm_w), v, _PALM_HALF[0], _PALM_HALF[1], _PALM_ROUND)))
    for i in range(4):
        lay(*fingers[i], tone=0.93, visible=1 - p["raised"][:, i])
    lay(*thumb, tone=0.97, visible=1 - p["thumb"])
    image *= 1 - covered[:, None]
    image += _rgb(p["skin"]) * lit[:, None]

    # Lighting: overall brightness and a gradient from one side; then sensor noise.
    light_dir = _col(p["light_angle"])
    gradient = (np.cos(light_dir) * (px - size / 2) + np.sin(light_dir) * (py - size / 2)) / size
    light = _col(p["brightness"]) * (1 + 2 * _col(p["light_strength"]) * gradient)
    image *= light[:, None]
    image += _col(p["noise"])[:, None] * rng.standard_normal(image.shape, dtype=np.float32)
    return (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)


def _balanced_labels(n: int, rng: np.random.Generator) -> np.ndarray:
    """n labels with every class count within one of the others, in a random order."""
    labels = np.arange(n) % NUM_CLASSES
    extra = rng.permutation(NUM_CLASSES)[: n % NUM_CLASSES]  # which classes get the remainder
    labels[n - n % NUM_CLASSES :] = extra
    return rng.permutation(labels)


def draw_hands(labels: Iterable[int], seed: int = 0) -> torch.Tensor:
    """Draw one hand per label (0-5 raised fingers): uint8 tensor (N, 3, 64, 64).

    Deterministic for a seed; use it for "a fresh built-in picture" to predict.
    """
    labels = np.asarray(list(labels), dtype=np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise SignsDataError("Hand labels must be numbers of raised fingers from 0 to 5.")
    rng = np.random.default_rng([seed, 7])
    params = _sample_hand_parameters(labels, rng)
    images = np.zeros((len(labels), 3, IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
    chunk = _RENDER_CHUNK
    for start in range(0, len(labels), chunk):
        part = {key: value[start : start + chunk] for key, value in params.items()}
        images[start : start + chunk] = _render_hands(part, noise_seed=seed * 100_003 + start)
    return torch.from_numpy(images)


def _synthetic_split(n: int, seed: int, split: int) -> SignsDataset:
    rng = np.random.default_rng([seed, split])
    labels = _balanced_labels(n, rng)
    images = draw_hands(labels, seed=int(rng.integers(2**31)))
    return SignsDataset(images, torch.as_tensor(labels))


def synthetic_signs(n_train: int = 1080, n_test: int = 120, seed: int = 0) -> SignsData:
    """The built-in SIGNS set: hands drawn in code showing 0-5 raised fingers.

    Balanced classes (counts differ by at most one), deterministic for (n_train, n_test, seed);
    the train and test pictures come from separate random streams, so the test set does not
    change when only n_train does. 1080 + 120 images take 2-3 s of one core.
    """
    for name, value in (("n_train", n_train), ("n_test", n_test)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise SignsDataError(f"{name} must be a whole number of images, at least 1.")
    if n_train + n_test > MAX_IMAGES:
        raise SignsDataError(
            f"{n_train + n_test} images is more than the built-in set makes; "
            f"ask for at most {MAX_IMAGES} in total."
        )
    n_train, n_test = int(n_train), int(n_test)
    return SignsData(
        train=_synthetic_split(n_train, seed, 0),
        test=_synthetic_split(n_test, seed, 1),
        source=f"built-in hands, {n_train} train / {n_test} test, seed {seed}",
    )


# --------------------------------------------------------------------------------------------
# Splits
# --------------------------------------------------------------------------------------------


def validation_split(
    dataset: SignsDataset, fraction: float = 0.2, seed: int = 0
) -> tuple[SignsDataset, SignsDataset]:
    """Split a dataset into (train, validation), stratified by class and seeded.

    Each class gives round(fraction x its count) images to validation (at least one when it has
    two or more), so class balance is kept on both sides.
    """
    if not 0 < fraction < 1:
        raise SignsDataError("The validation fraction must be between 0 and 1, e.g. 0.2 for 20%.")
    if len(dataset) < 2:
        raise SignsDataError("A validation split needs at least two training images.")
    generator = torch.Generator().manual_seed(seed)
    train_index, val_index = [], []
    for label in range(NUM_CLASSES):
        members = (dataset.labels == label).nonzero().flatten()
        members = members[torch.randperm(len(members), generator=generator)]
        take = round(fraction * len(members))
        if len(members) >= 2:
            take = min(max(take, 1), len(members) - 1)
        val_index.append(members[:take])
        train_index.append(members[take:])
    train_index = torch.cat(train_index).sort().values
    val_index = torch.cat(val_index).sort().values
    if len(val_index) == 0:
        raise SignsDataError(
            "The validation split came out empty; use more images or a larger fraction."
        )
    return dataset.subset(train_index), dataset.subset(val_index)


# --------------------------------------------------------------------------------------------
# Reading the real set: folders, zips, the .h5 pair
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    """One file of the input: its name (text only, never opened as a path) and a reader."""

    name: str  # "/"-separated, relative to the input's root
    size: int  # declared size in bytes
    read: Callable[[], bytes]  # returns the bytes or raises _Unreadable


class _Unreadable(Exception):
    """A single file that could not be read; it is skipped and counted."""


def _show(name: str, limit: int = 60) -> str:
    """A file name made safe to put in a sentence: printable, quoted, shortened."""
    text = "".join(ch if ch.isprintable() else "?" for ch in name)
    if len(text) > limit:
        text = "…" + text[-(limit - 1) :]
    return f"'{text}'"


def _parts(name: str) -> list[str]:
    return [part for part in name.replace("\\", "/").split("/") if part not in ("", ".")]


def _is_junk(parts: list[str]) -> bool:
    """macOS resource forks, hidden files and the like, skipped without a word."""
    return any(part == "__MACOSX" for part in parts) or parts[-1].startswith(".")


def _zip_entries(data: bytes, label: str) -> list[_Entry]:
    """List a zip held in memory, refusing it from its directory alone when it is too big."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise SignsDataError(
            f"{label} is not a readable .zip file. Zip the SIGNS folder again "
            "(train_signs/ and test_signs/ inside) and upload that."
        ) from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise SignsDataError(
            f"{label} holds {len(infos):,} entries; at most {MAX_ZIP_ENTRIES:,} are read. "
            "Zip only the train_signs/ and test_signs/ folders."
        )
    total = sum(info.file_size for info in infos)
    if total > MAX_ZIP_TOTAL_BYTES:
        raise SignsDataError(
            f"{label} would unpack to {total / 2**20:,.0f} MB, more than the "
            f"{MAX_ZIP_TOTAL_BYTES / 2**20:,.0f} MB allowed. Resize the images to 64x64 first "
            "(the course's build_dataset.py) and zip those."
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_ENTRY_BYTES or (
            info.file_size > 2**20 and ratio > MAX_COMPRESSION_RATIO
        ):
            raise SignsDataError(
                f"{label} holds {_show(info.filename)}, which would unpack to "
                f"{info.file_size / 2**20:,.0f} MB from {info.compress_size / 2**20:,.1f} MB; "
                "that looks like a zip bomb and is refused. Upload the SIGNS images themselves."
            )

    def reader(info: zipfile.ZipInfo) -> Callable[[], bytes]:
        def read() -> bytes:
            try:
                with archive.open(info) as stream:
                    blob = stream.read(info.file_size + 1)  # never more than declared, plus one
            except (
                zipfile.BadZipFile,
                OSError,
                EOFError,
                RuntimeError,
                NotImplementedError,
                ValueError,
            ) as error:
                raise _Unreadable(type(error).__name__) from None
            if len(blob) != info.file_size:
                raise _Unreadable("size differs from the zip's directory")
            return blob

        return read

    return [
        _Entry(info.filename, info.file_size, reader(info)) for info in infos if not info.is_dir()
    ]


def _folder_entries(root: Path) -> list[_Entry]:
    """List a folder on the server (symlinked folders are not followed)."""

    def reader(path: Path, size: int) -> Callable[[], bytes]:
        def read() -> bytes:
            if size > MAX_ENTRY_BYTES:
                raise _Unreadable(f"larger than {MAX_ENTRY_BYTES // 2**20} MB")
            try:
                with open(path, "rb") as stream:
                    return stream.read(MAX_ENTRY_BYTES + 1)
            except OSError as error:
                raise _Unreadable(type(error).__name__) from None

        return read

    entries = []
    for directory, folders, files in os.walk(root):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for file_name in sorted(files):
            path = Path(directory) / file_name
            try:
                size = path.stat().st_size
            except OSError:
                continue
            entries.append(_Entry(path.relative_to(root).as_posix(), size, reader(path, size)))
            if len(entries) > MAX_ZIP_ENTRIES:
                raise SignsDataError(
                    f"The folder {root} holds more than {MAX_ZIP_ENTRIES:,} files; point it at "
                    "the SIGNS folder itself (the one holding train_signs/ and test_signs/)."
                )
    return entries


def _decode_image(blob: bytes) -> torch.Tensor:
    """JPEG/PNG bytes -> uint8 (3, 64, 64), resized bilinearly as build_dataset.py does."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(blob)) as picture:
                width, height = picture.size  # read from the header; nothing decoded yet
                if width * height > MAX_IMAGE_PIXELS:
                    raise _Unreadable(f"{width}x{height} pixels is too large")
                if picture.format == "JPEG" and min(width, height) > 4 * IMAGE_SIZE:
                    # Let libjpeg decode at 1/2..1/8 size (still >= 256 px) before the bilinear
                    # resize: many times faster on phone photos, the same picture at 64x64.
                    picture.draft("RGB", (4 * IMAGE_SIZE, 4 * IMAGE_SIZE))
                picture = picture.convert("RGB").resize((IMAGE_SIZE, IMAGE_SIZE), Image.BILINEAR)
                array = np.asarray(picture, dtype=np.uint8)
    except _Unreadable:
        raise
    except Exception as error:  # PIL raises many kinds on hostile bytes; each means "skip it"
        raise _Unreadable(type(error).__name__) from None
    return torch.from_numpy(array.copy()).permute(2, 0, 1)  # (3, 64, 64)


def _pick_root(roots: dict[tuple[str, ...], set[str]]) -> tuple[str, ...]:
    """Among folders holding train_signs/ etc., prefer one with train and test, then 64x64."""

    def rank(prefix: tuple[str, ...]):
        splits = roots[prefix]
        return (
            not {"train", "test"} <= splits,
            not any("64" in part for part in prefix),
            len(prefix),
            prefix,
        )

    return min(roots, key=rank)


def _images_from_entries(entries: list[_Entry], label: str) -> SignsData:
    """Decode the train_signs/ / test_signs/ (/ dev_signs/) JPEGs among `entries`."""
    roots: dict[tuple[str, ...], set[str]] = {}
    located = []  # (prefix, split, parts, entry)
    for entry in entries:
        parts = _parts(entry.name)
        if not parts or _is_junk(parts):
            continue
        for depth in range(len(parts) - 2, -1, -1):
            split = SPLIT_DIRS.get(parts[depth].lower())
            if split:
                prefix = tuple(parts[:depth])
                roots.setdefault(prefix, set()).add(split)
                located.append((prefix, split, parts, entry))
                break
    if not roots:
        raise SignsDataError(
            f"No train_signs/ and test_signs/ folders (or train_signs.h5 and test_signs.h5) were "
            f"found in {label}. Use the SIGNS layout: train_signs/0_IMG_5864.jpg, ..., "
            "test_signs/0_IMG_5942.jpg, ..."
        )
    root = _pick_root(roots)
    notes = []
    if len(roots) > 1:
        where = "/".join(root) or "the top level"
        notes.append(f"Several SIGNS folders were found in {label}; the one at {where} was used.")

    chosen = [(split, parts, entry) for prefix, split, parts, entry in located if prefix == root]
    images = [
        (split, parts, entry)
        for split, parts, entry in chosen
        if parts[-1].lower().endswith(IMAGE_SUFFIXES)
    ]
    if len(images) > MAX_IMAGES:
        raise SignsDataError(
            f"{label} holds {len(images):,} images; at most {MAX_IMAGES:,} are loaded. "
            "Use the SIGNS set itself (1,200 images)."
        )
    found: dict[str, tuple[list[torch.Tensor], list[int]]] = {
        "train": ([], []),
        "test": ([], []),
        "val": ([], []),
    }
    unlabelled, out_of_range, broken = [], [], []
    for split, parts, entry in sorted(images, key=lambda item: item[2].name):
        match = _LABEL_RE.match(parts[-1])
        if not match:
            unlabelled.append(entry.name)
            continue
        number = int(match.group(1))
        if number >= NUM_CLASSES:
            out_of_range.append(entry.name)
            continue
        try:
            picture = _decode_image(entry.read())
        except _Unreadable as why:
            broken.append(f"{entry.name} ({why})")
            continue
        found[split][0].append(picture)
        found[split][1].append(number)

    if unlabelled:
        notes.append(
            f"{len(unlabelled)} image file(s) have no label in their name and were skipped "
            f"(e.g. {_show(unlabelled[0])}); name them {{label}}_IMG_{{id}}.jpg with a label 0-5."
        )
    if out_of_range:
        notes.append(
            f"{len(out_of_range)} image file(s) have a label outside 0-5 and were skipped "
            f"(e.g. {_show(out_of_range[0])})."
        )
    if broken:
        notes.append(
            f"{len(broken)} image file(s) could not be decoded and were skipped "
            f"(e.g. {_show(broken[0], 80)})."
        )
    datasets = {}
    for split, (pictures, split_labels) in found.items():
        if pictures:
            datasets[split] = SignsDataset(
                torch.stack(pictures), torch.tensor(split_labels, dtype=torch.int64)
            )
    for split in ("train", "test"):
        if split not in datasets:
            raise SignsDataError(
                f"No usable images were found in {split}_signs/ of {label}"
                + (f" ({' '.join(notes)})" if notes else "")
                + ". It needs JPEG files named like 3_IMG_4321.jpg."
            )
    return SignsData(
        train=datasets["train"],
        test=datasets["test"],
        val=datasets.get("val"),
        source=f"{label} (JPEG folders, {len(datasets['train'])} train / {len(datasets['test'])} test)",
        warnings=tuple(notes),
    )


def _read_h5_split(
    blob: bytes, split: str, file_label: str
) -> tuple[SignsDataset, tuple[str, ...]]:
    """One of Coursera's train_signs.h5 / test_signs.h5 (bytes) -> dataset and class names."""
    import h5py  # lazy: only needed for this layout

    def fail(problem: str) -> SignsDataError:
        return SignsDataError(
            f"{file_label} {problem}. Use Coursera's train_signs.h5 / test_signs.h5 as downloaded "
            f"({split}_set_x: N x 64 x 64 x 3 uint8, {split}_set_y: N labels 0-5)."
        )

    try:
        with h5py.File(io.BytesIO(blob), "r") as h5:

            def dataset(key: str):
                link = h5.get(key, getlink=True)
                if link is None:
                    raise fail(f"has no '{key}'")
                if not isinstance(link, h5py.HardLink):
                    raise fail(f"links '{key}' to somewhere else, which is not read")
                node = h5[key]
                if not isinstance(node, h5py.Dataset):
                    raise fail(f"has '{key}' but it is not an array")
                if node.external or node.is_virtual:
                    raise fail(f"stores '{key}' outside the file, which is not read")
                return node

            x_node, y_node = dataset(f"{split}_set_x"), dataset(f"{split}_set_y")
            shape = x_node.shape
            if (
                len(shape) != 4
                or shape[3] != 3
                or not 0 < shape[1] <= 1024
                or not 0 < shape[2] <= 1024
            ):
                raise fail(f"has {split}_set_x shaped {shape}, not N x H x W x 3")
            if shape[0] > MAX_IMAGES:
                raise fail(f"holds {shape[0]:,} images, more than the {MAX_IMAGES:,} allowed")
            if x_node.size * x_node.dtype.itemsize > MAX_H5_ARRAY_BYTES:
                raise fail(
                    f"has {split}_set_x of {x_node.size * x_node.dtype.itemsize / 2**20:,.0f} MB, "
                    f"more than the {MAX_H5_ARRAY_BYTES / 2**20:,.0f} MB allowed"
                )
            if x_node.dtype.kind not in "ui":
                raise fail(f"has {split}_set_x of type {x_node.dtype}, not 8-bit pixels")
            if y_node.size != shape[0] or y_node.dtype.kind not in "ui":
                raise fail(f"has {y_node.size} labels in {split}_set_y for {shape[0]} images")
            pixels = np.asarray(x_node[()])
            labels = np.asarray(y_node[()]).reshape(-1).astype(np.int64)
            classes = CLASS_NAMES
            if "list_classes" in h5 and isinstance(
                h5.get("list_classes", getlink=True), h5py.HardLink
            ):
                node = h5["list_classes"]
                if (
                    isinstance(node, h5py.Dataset)
                    and not node.external
                    and node.size == NUM_CLASSES
                ):
                    classes = tuple(str(int(value)) for value in np.asarray(node[()]).reshape(-1))
    except SignsDataError:
        raise
    except Exception:  # h5py raises OSError, KeyError, ValueError... on a bad file
        raise fail("is not a readable HDF5 file") from None
    if pixels.min(initial=0) < 0 or pixels.max(initial=0) > 255:
        raise fail("has pixel values outside 0-255")
    if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise fail("has labels outside 0-5")
    images = torch.from_numpy(pixels.astype(np.uint8)).permute(0, 3, 1, 2).contiguous()
    if images.shape[2:] != (IMAGE_SIZE, IMAGE_SIZE):
        resized = [
            np.asarray(Image.fromarray(image).resize((IMAGE_SIZE, IMAGE_SIZE), Image.BILINEAR))
            for image in pixels.astype(np.uint8)
        ]
        images = torch.from_numpy(np.stack(resized)).permute(0, 3, 1, 2).contiguous()
    return SignsDataset(images, torch.from_numpy(labels)), classes


def _h5_from_entries(entries: list[_Entry], label: str) -> SignsData | None:
    """The Coursera .h5 pair among `entries`, or None when neither file is there."""
    pair: dict[str, _Entry] = {}
    for entry in entries:
        parts = _parts(entry.name)
        if parts and not _is_junk(parts) and parts[-1].lower() in H5_FILES:
            pair.setdefault(H5_FILES[parts[-1].lower()], entry)
    if not pair:
        return None
    if len(pair) == 1:
        missing = "test_signs.h5" if "train" in pair else "train_signs.h5"
        raise SignsDataError(
            f"{label} has only one of the two .h5 files; add {missing} next to it."
        )
    loaded, classes = {}, CLASS_NAMES
    for split, entry in pair.items():
        try:
            blob = entry.read()
        except _Unreadable as why:
            raise SignsDataError(
                f"{_show(entry.name)} in {label} could not be read ({why}); copy it again."
            ) from None
        loaded[split], classes = _read_h5_split(blob, split, _show(entry.name))
    return SignsData(
        train=loaded["train"],
        test=loaded["test"],
        classes=classes,
        source=f"{label} (Coursera .h5 pair, {len(loaded['train'])} train / {len(loaded['test'])} test)",
    )


def _from_entries(entries: list[_Entry], label: str) -> SignsData:
    from_h5 = _h5_from_entries(entries, label)
    return from_h5 if from_h5 is not None else _images_from_entries(entries, label)


def load_signs(path: str | os.PathLike) -> SignsData:
    """Read the real SIGNS set from a server path: a folder, a .zip, or a .h5 file of the pair.

    The folder (or zip) holds `train_signs/` and `test_signs/` with `{label}_IMG_{id}.jpg` of any
    size (resized to 64x64 bilinearly, as the course's build_dataset.py does; a `dev_signs/`
    becomes `.val`), possibly one level down (`SIGNS/train_signs/...`); or the Coursera pair
    `train_signs.h5` / `test_signs.h5`. Raises SignsDataError with a sentence when unusable.
    """
    root = Path(path)
    label = _show(root.name or str(root))
    if root.is_dir():
        return _from_entries(_folder_entries(root), f"the folder {label}")
    if root.is_file():
        if root.suffix.lower() == ".h5":
            siblings = [entry for entry in _folder_entries(root.parent) if "/" not in entry.name]
            return _from_entries(siblings, f"the folder {_show(root.parent.name)}")
        size = root.stat().st_size
        if size > MAX_ZIP_TOTAL_BYTES:
            raise SignsDataError(
                f"{label} is {size / 2**20:,.0f} MB; resize the images to 64x64 first."
            )
        return load_signs_bytes(root.read_bytes(), root.name)
    raise SignsDataError(f"There is no file or folder at {label}; check the path.")


def load_signs_bytes(data: bytes, name: str = "upload") -> SignsData:
    """Read an uploaded file: a .zip of the SIGNS folders or of the .h5 pair, held in memory."""
    label = f"the upload {_show(name)}"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06") or name.lower().endswith(".zip"):
        return _from_entries(_zip_entries(data, label), label)
    if data[:8] == b"\x89HDF\r\n\x1a\n":
        raise SignsDataError(
            f"{label} is a single .h5 file; upload train_signs.h5 and test_signs.h5 together "
            "(or zipped into one .zip)."
        )
    raise SignsDataError(
        f"{label} is not a .zip file. Zip the SIGNS folder (train_signs/ and test_signs/ "
        "inside) or the two .h5 files, and upload the .zip."
    )


def load_signs_files(files: Mapping[str, bytes]) -> SignsData:
    """Read several uploaded files at once: one .zip, or the two .h5 files of the pair."""
    if not files:
        raise SignsDataError("No file was uploaded; choose a .zip or the two .h5 files.")
    if len(files) == 1:
        ((name, data),) = files.items()
        return load_signs_bytes(data, name)
    if len(files) > MAX_ZIP_ENTRIES:
        raise SignsDataError(
            f"Upload at most {MAX_ZIP_ENTRIES:,} files; zip the SIGNS folder instead."
        )
    entries = [
        _Entry(_parts(name)[-1] if _parts(name) else "?", len(data), (lambda data=data: data))
        for name, data in files.items()
    ]
    return _from_entries(entries, f"the {len(files)} uploaded files")
