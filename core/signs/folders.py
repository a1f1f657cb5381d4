"""The course's folder layout read from listed files: train_signs/ and test_signs/ of JPEGs.

Each `{label}_IMG_{id}.jpg` is decoded (size-checked from its header first) and resized to
64x64; files without a usable label or that cannot be decoded are skipped and counted.
"""

from __future__ import annotations

import re

import torch

from core.images import ImageError, PictureTooLarge, Undecodable, decoded_size
from core.signs.dataset import (
    CLASS_NAMES,
    MAX_IMAGES,
    NUM_CLASSES,
    SignsData,
    SignsDataError,
    SignsDataset,
)
from core.signs.entries import Entry, Unreadable, is_junk, path_parts, shown_name
from core.signs.pictures import (
    JPEG_DRAFT,
    MAX_PICTURE_PIXELS,
    MAX_UPLOAD_PIXELS,
    decode_signs_image,
)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")
SPLIT_DIRS = {"train_signs": "train", "test_signs": "test", "dev_signs": "val", "val_signs": "val"}
_LABEL_RE = re.compile(r"^(\d+)_")
CLASSES_FILE = "classes.txt"  # optional, beside train_signs/: one class name a line (2-10 lines)
MAX_CLASSES = 10
MAX_CLASSES_FILE_BYTES = 4096

Located = tuple[str, list[str], Entry]  # (split, name parts, entry)


def _decode_image(blob: bytes) -> torch.Tensor:
    """JPEG/PNG bytes -> uint8 (3, 64, 64), or Unreadable saying why not."""
    try:
        return decode_signs_image(blob, max_pixels=MAX_PICTURE_PIXELS)
    except PictureTooLarge as error:
        raise Unreadable(f"{error.width}x{error.height} pixels is too large") from None
    except Undecodable as error:
        raise Unreadable(error.reason) from None


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


def _class_names(entries: list[Entry], root: tuple[str, ...], label: str) -> tuple[str, ...]:
    """The names in the root's classes.txt (written by "My own hand signs"), else "0".."5"."""
    for entry in entries:
        parts = path_parts(entry.name)
        if tuple(parts[:-1]) != root or parts[-1].lower() != CLASSES_FILE:
            continue
        if entry.size > MAX_CLASSES_FILE_BYTES:
            break
        try:
            text = entry.read().decode("utf-8")
        except (Unreadable, UnicodeDecodeError):
            break
        names = [" ".join(line.split())[:40] for line in text.splitlines() if line.strip()]
        if 2 <= len(names) <= MAX_CLASSES and len(set(names)) == len(names):
            return tuple(names)
        raise SignsDataError(
            f"{CLASSES_FILE} in {label} must name 2 to {MAX_CLASSES} different classes, one a "
            f"line; it has {len(names)} lines. Fix it or leave it out (classes 0-5)."
        )
    return CLASS_NAMES


def _locate(entries: list[Entry], label: str) -> tuple[list[Located], list[str], tuple[str, ...]]:
    """The image files under the chosen SIGNS folder, a note when there were several, and the
    class names."""
    roots: dict[tuple[str, ...], set[str]] = {}
    located = []  # (prefix, split, parts, entry)
    for entry in entries:
        parts = path_parts(entry.name)
        if not parts or is_junk(parts):
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
    images = [
        (split, parts, entry)
        for prefix, split, parts, entry in located
        if prefix == root and parts[-1].lower().endswith(IMAGE_SUFFIXES)
    ]
    if len(images) > MAX_IMAGES:
        raise SignsDataError(
            f"{label} holds {len(images):,} images; at most {MAX_IMAGES:,} are loaded. "
            "Use the SIGNS set itself (1,200 images)."
        )
    return images, notes, _class_names(entries, root, label)


def _decode_all(
    images: list[Located], label: str, n_classes: int = NUM_CLASSES
) -> tuple[dict, list[str]]:
    """Decode the labelled images per split: ({split: (pictures, labels)}, notes on skips).

    Every picture's header is read first (nothing decoded): pictures over MAX_PICTURE_PIXELS
    are skipped, and an upload whose pictures would decode to more than MAX_UPLOAD_PIXELS in
    all is refused before any of them is decoded.
    """
    found: dict[str, tuple[list[torch.Tensor], list[int]]] = {
        "train": ([], []),
        "test": ([], []),
        "val": ([], []),
    }
    unlabelled, out_of_range, broken = [], [], []
    admitted, total = [], 0  # (split, label, entry) whose headers fit, and their decoded pixels
    for split, parts, entry in sorted(images, key=lambda item: item[2].name):
        match = _LABEL_RE.match(parts[-1])
        if not match:
            unlabelled.append(entry.name)
            continue
        number = int(match.group(1))
        if number >= n_classes:
            out_of_range.append(entry.name)
            continue
        try:
            width, height = decoded_size(entry.read(), draft=JPEG_DRAFT)
        except Unreadable as why:
            broken.append(f"{entry.name} ({why})")
            continue
        except PictureTooLarge as error:
            broken.append(f"{entry.name} ({error.width}x{error.height} pixels is too large)")
            continue
        except ImageError as error:
            broken.append(f"{entry.name} ({getattr(error, 'reason', 'unreadable')})")
            continue
        if width * height > MAX_PICTURE_PIXELS:
            broken.append(f"{entry.name} ({width}x{height} pixels is too large)")
            continue
        admitted.append((split, number, entry))
        total += width * height
    if total > MAX_UPLOAD_PIXELS:
        raise SignsDataError(
            f"The {len(admitted):,} pictures in {label} would decode to {total / 1e6:,.0f} million "
            f"pixels; at most {MAX_UPLOAD_PIXELS / 1e6:,.0f} million are decoded per upload, and "
            "nothing was decoded. Resize the pictures (64x64 is what the model sees) and upload "
            "them again."
        )
    for split, number, entry in admitted:
        try:
            picture = _decode_image(entry.read())
        except Unreadable as why:
            broken.append(f"{entry.name} ({why})")
            continue
        found[split][0].append(picture)
        found[split][1].append(number)
    notes = []
    if unlabelled:
        notes.append(
            f"{len(unlabelled)} image file(s) have no label in their name and were skipped "
            f"(e.g. {shown_name(unlabelled[0])}); name them {{label}}_IMG_{{id}}.jpg with a label "
            f"0-{n_classes - 1}."
        )
    if out_of_range:
        notes.append(
            f"{len(out_of_range)} image file(s) have a label outside 0-{n_classes - 1} and were "
            "skipped "
            f"(e.g. {shown_name(out_of_range[0])})."
        )
    if broken:
        notes.append(
            f"{len(broken)} image file(s) could not be decoded and were skipped "
            f"(e.g. {shown_name(broken[0], 80)})."
        )
    return found, notes


def _images_from_entries(entries: list[Entry], label: str) -> SignsData:
    """Decode the train_signs/ / test_signs/ (/ dev_signs/) JPEGs among `entries`."""
    images, notes, classes = _locate(entries, label)
    found, skipped = _decode_all(images, label, len(classes))
    notes += skipped
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
        classes=classes,
        source=f"{label} (JPEG folders, {len(datasets['train'])} train / {len(datasets['test'])} test)",
        warnings=tuple(notes),
    )
