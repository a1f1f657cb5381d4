"""SIGNS pictures in and out: bytes decoded to 64×64 (data sets and photos), rows for the screen."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from core.images import MAX_PIXELS, MAX_UPLOAD_BYTES, ImageError, PictureTooLarge, open_picture
from core.signs.config import ClassifierError
from core.signs.dataset import IMAGE_SIZE

# What one upload of SIGNS pictures may cost to decode, checked from the headers before any
# picture is decoded (pixels as decoded: a JPEG at its draft size, see decode_signs_image).
MAX_PICTURE_PIXELS = 4096 * 4096  # one picture: 16.8 M pixels (a 12 MP phone JPEG drafts to 0.2 M)
MAX_UPLOAD_PIXELS = 400_000_000  # all pictures of one upload together (~1.2 GB of RGB)
JPEG_DRAFT = (4 * IMAGE_SIZE, 4 * IMAGE_SIZE)  # libjpeg's reduced decode stays at least 256 px


def decode_signs_image(
    blob: bytes, jpeg_draft: bool = True, max_pixels: int | None = None
) -> torch.Tensor:
    """JPEG/PNG bytes -> uint8 (3, 64, 64), resized bilinearly as build_dataset.py does.

    With `jpeg_draft`, libjpeg decodes a large JPEG at 1/2..1/8 size (still >= 256 px) before
    the resize: many times faster on phone photos, the same picture at 64x64. `max_pixels`
    caps the decoded size (default core.images.MAX_PIXELS). Raises the ImageError subclasses
    of core.images.open_picture.
    """
    draft = JPEG_DRAFT if jpeg_draft else None
    with open_picture(blob, max_pixels=max_pixels, draft=draft) as picture:
        picture = picture.convert("RGB").resize((IMAGE_SIZE, IMAGE_SIZE), Image.BILINEAR)
        array = np.asarray(picture, dtype=np.uint8)
    return torch.from_numpy(array.copy()).permute(2, 0, 1)  # (3, 64, 64)


def photo_tensor(blob: bytes) -> torch.Tensor:
    """Decode an uploaded photo (JPEG/PNG/...) into a (3, 64, 64) float tensor in [0, 1].

    The whole photo is resized to 64×64 as the course's build_dataset.py does (no crop), so a
    square photo of one hand works best. Oversized or undecodable files get a sentence.
    """
    if len(blob) > MAX_UPLOAD_BYTES:
        raise ClassifierError(
            f"The photo is {len(blob) / 2**20:.1f} MB; upload one under {MAX_UPLOAD_BYTES // 2**20} MB."
        )
    try:
        pixels = decode_signs_image(blob, jpeg_draft=False)
    except PictureTooLarge as error:
        raise ClassifierError(
            f"The photo is {error.width}×{error.height} pixels; upload one under "
            f"{MAX_PIXELS // 10**6} megapixels."
        ) from None
    except ImageError:
        raise ClassifierError(
            "This file could not be read as a picture. Upload a JPEG or PNG photo of a hand."
        ) from None
    return pixels.float() / 255  # (3, 64, 64)


def picture_row(images: torch.Tensor, scale: int = 1) -> np.ndarray:
    """(N, 3, H, W) floats in [0, 1] -> one row of pictures (H*scale, N*(W*scale+2), 3) uint8."""
    images = images.detach().cpu().clamp(0, 1)
    if scale > 1:
        images = F.interpolate(images, scale_factor=scale, mode="nearest")
    padded = F.pad(images, (1, 1, 0, 0), value=1.0)  # white gap between pictures
    row = torch.cat(list(padded), dim=2) if len(padded) else torch.ones(3, 64, 2)
    return (row.permute(1, 2, 0) * 255).round().byte().numpy()


def class_examples(
    images: torch.Tensor, labels: torch.Tensor, n_classes: int, per_class: int = 8
) -> list[tuple[int, np.ndarray]]:
    """(label, picture row of its first `per_class` images) for each class that has images."""
    rows = []
    for label in range(n_classes):
        members = torch.nonzero(labels == label).flatten()[:per_class]
        if len(members):
            rows.append((label, picture_row(images[members])))
    return rows


def counts_per_class(labels: torch.Tensor, n_classes: int) -> list[int]:
    """How many of `labels` fall in each class 0..n_classes-1."""
    return torch.bincount(labels.cpu(), minlength=n_classes)[:n_classes].tolist()
