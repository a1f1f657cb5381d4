"""Coursera's train_signs.h5 / test_signs.h5 pair, read from bytes with its arrays checked first."""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image

from core.signs.dataset import (
    CLASS_NAMES,
    IMAGE_SIZE,
    MAX_IMAGES,
    NUM_CLASSES,
    SignsData,
    SignsDataError,
    SignsDataset,
)
from core.signs.entries import Entry, Unreadable, is_junk, path_parts, shown_name

MAX_H5_ARRAY_BYTES = 512 * 2**20  # one .h5 image array once read (the real one is 13 MB)
H5_FILES = {"train_signs.h5": "train", "test_signs.h5": "test"}


def _h5_dataset(h5, key: str, fail):
    """The array `key` of an open file, refused when it is missing, a link or stored elsewhere."""
    import h5py  # lazy: only needed for this layout

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


def _check_images_node(x_node, y_node, split: str, fail) -> None:
    """Refuse an image array of the wrong shape, size or type before it is read."""
    shape = x_node.shape
    if len(shape) != 4 or shape[3] != 3 or not 0 < shape[1] <= 1024 or not 0 < shape[2] <= 1024:
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


def _class_names(h5) -> tuple[str, ...]:
    """The file's list_classes when it is a plain array of six, else "0".."5"."""
    import h5py

    if "list_classes" in h5 and isinstance(h5.get("list_classes", getlink=True), h5py.HardLink):
        node = h5["list_classes"]
        if isinstance(node, h5py.Dataset) and not node.external and node.size == NUM_CLASSES:
            return tuple(str(int(value)) for value in np.asarray(node[()]).reshape(-1))
    return CLASS_NAMES


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
            x_node = _h5_dataset(h5, f"{split}_set_x", fail)
            y_node = _h5_dataset(h5, f"{split}_set_y", fail)
            _check_images_node(x_node, y_node, split, fail)
            pixels = np.asarray(x_node[()])
            labels = np.asarray(y_node[()]).reshape(-1).astype(np.int64)
            classes = _class_names(h5)
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


def _h5_from_entries(entries: list[Entry], label: str) -> SignsData | None:
    """The Coursera .h5 pair among `entries`, or None when neither file is there."""
    pair: dict[str, Entry] = {}
    for entry in entries:
        parts = path_parts(entry.name)
        if parts and not is_junk(parts) and parts[-1].lower() in H5_FILES:
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
        except Unreadable as why:
            raise SignsDataError(
                f"{shown_name(entry.name)} in {label} could not be read ({why}); copy it again."
            ) from None
        loaded[split], classes = _read_h5_split(blob, split, shown_name(entry.name))
    return SignsData(
        train=loaded["train"],
        test=loaded["test"],
        classes=classes,
        source=f"{label} (Coursera .h5 pair, {len(loaded['train'])} train / {len(loaded['test'])} test)",
    )
