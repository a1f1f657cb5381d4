"""A SIGNS set as a zip in the course's folder layout, ready for the exported script.

The zip holds one folder, `64x64_SIGNS/`, with `train_signs/` and `test_signs/` of
`{label}_IMG_{id}.jpg` (64×64 JPEGs) and `classes.txt` (one class name a line). Unzipped into a
`data/` folder (`unzip signs.zip -d data`) it is exactly the `data/64x64_SIGNS` the exported
`train_signs.py` reads by default; the page's zip upload reads it back as well.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

import torch
from PIL import Image

from core.signs.folders import CLASSES_FILE

DATA_FOLDER = "64x64_SIGNS"  # the exported scripts' --data-dir default is data/64x64_SIGNS
JPEG_QUALITY = 95  # a 64×64 picture is a few KB
UNZIP_HINT = (
    "unzip the file into a data/ folder beside the exported script (`unzip FILE.zip -d data` "
    f"gives data/{DATA_FOLDER}/train_signs/ and test_signs/) and run `python train_signs.py`"
)


def jpeg(pixels: torch.Tensor) -> bytes:
    """A (3, H, W) uint8 picture as JPEG bytes, colour kept at full resolution (4:4:4)."""
    buffer = io.BytesIO()
    Image.fromarray(pixels.permute(1, 2, 0).contiguous().numpy()).save(
        buffer, format="JPEG", quality=JPEG_QUALITY, subsampling=0
    )
    return buffer.getvalue()


def as_uint8(images: torch.Tensor) -> torch.Tensor:
    """Pictures as uint8 (N, 3, H, W): float ones in [0, 1] are scaled and rounded."""
    if images.dtype == torch.uint8:
        return images
    return (images.clamp(0, 1) * 255).round().to(torch.uint8)


def signs_zip(
    splits: Iterable[tuple[str, Iterable[tuple[int, int, torch.Tensor]]]],
    classes: Iterable[str],
) -> bytes:
    """The zip in memory. `splits` gives ("train_signs", items) and ("test_signs", items), each
    item (label, id, pixels (3, 64, 64) uint8); ids must differ within a split."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{DATA_FOLDER}/{CLASSES_FILE}", "\n".join(classes) + "\n")
        for folder, items in splits:
            for label, picture_id, pixels in items:
                name = f"{DATA_FOLDER}/{folder}/{label}_IMG_{picture_id}.jpg"
                archive.writestr(name, jpeg(as_uint8(pixels)))
    return buffer.getvalue()


def dataset_zip(signs) -> bytes:
    """A SignsData (the built-in hands, an upload) as the SIGNS zip: its train images (and its
    validation ones, when it has its own) in train_signs/, its test images in test_signs/, each
    numbered by its place in the set."""
    train = [signs.train] + ([signs.val] if getattr(signs, "val", None) is not None else [])
    items, number = [], 0
    for part in train:
        for pixels, label in zip(part.images, part.labels.tolist(), strict=True):
            items.append((label, number, pixels))
            number += 1
    test = [
        (label, number + i, pixels)
        for i, (pixels, label) in enumerate(
            zip(signs.test.images, signs.test.labels.tolist(), strict=True)
        )
    ]
    return signs_zip([("train_signs", items), ("test_signs", test)], signs.classes)
