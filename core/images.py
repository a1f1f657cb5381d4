"""Pictures as tensors: a picture drawn in code, the one safe image decoder, ToTensor's maths.

`open_picture` is the only place uploaded bytes are decoded (the inspector's pictures, SIGNS
data sets and photos), under one pixel cap checked from the header; `to_tensor` makes the
3×H×W float tensor in [0, 1] that torchvision's `ToTensor` makes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageOps

MAX_UPLOAD_BYTES = 10 * 2**20  # a photo bigger than this is refused before decoding
# the one cap on any decoded picture, checked from its header (phones: ~12 M)
MAX_PIXELS = 40_000_000
MAX_SIDE = 256  # uploaded pictures are shrunk to fit this, so tensors and pages stay small


class ImageError(ValueError):
    """An upload that is not a picture we can read; the message says what to do."""


class PictureTooLarge(ImageError):
    """A picture whose header claims more than MAX_PIXELS pixels; none of it was decoded."""

    def __init__(self, width: int, height: int):
        super().__init__(
            f"The picture is {width}×{height} pixels; that is too many to decode here."
        )
        self.width, self.height = width, height


class Undecodable(ImageError):
    """Bytes that PIL could not open or decode; `reason` is the name of PIL's exception."""

    def __init__(self, reason: str):
        super().__init__("That file could not be decoded as a picture. Upload a PNG or JPEG image.")
        self.reason = reason


def builtin_picture(size: int = 96) -> Image.Image:
    """A small landscape drawn in code: sky, sun, hills, a house. Same pixels every time."""
    image = Image.new("RGB", (size, size))
    pixels = np.zeros((size, size, 3), dtype=np.uint8)
    sky = np.linspace(0, 1, size)[:, None]
    pixels[..., 0] = (90 + 100 * sky).astype(np.uint8)
    pixels[..., 1] = (150 + 70 * sky).astype(np.uint8)
    pixels[..., 2] = 235
    image = Image.fromarray(pixels)
    draw = ImageDraw.Draw(image)
    s = size / 96
    draw.ellipse([70 * s, 8 * s, 88 * s, 26 * s], fill=(255, 210, 60))
    draw.ellipse([-30 * s, 55 * s, 60 * s, 130 * s], fill=(70, 160, 70))
    draw.ellipse([30 * s, 60 * s, 140 * s, 140 * s], fill=(50, 130, 55))
    draw.rectangle([38 * s, 52 * s, 66 * s, 78 * s], fill=(200, 60, 50))
    draw.polygon([(34 * s, 53 * s), (52 * s, 36 * s), (70 * s, 53 * s)], fill=(120, 60, 40))
    draw.rectangle([48 * s, 63 * s, 56 * s, 78 * s], fill=(80, 50, 30))
    return image


@contextmanager
def open_picture(
    data: bytes, max_pixels: int | None = None, draft: tuple[int, int] | None = None
) -> Iterator[Image.Image]:
    """The one decoder: PIL's lazy view of `data`, refused from its header over `max_pixels`.

    Nothing is decoded before the header's size is checked (PictureTooLarge then); decode inside
    the block (convert, resize...): whatever PIL raises on opening or decoding becomes
    Undecodable, whose `reason` names PIL's exception. `max_pixels` (default MAX_PIXELS) caps
    the pixels that will be decoded: with `draft`, a JPEG is set to decode at 1/2..1/8 of its
    size (still at least `draft`), and the cap applies to that reduced size.
    """
    limit = MAX_PIXELS if max_pixels is None else min(max_pixels, MAX_PIXELS)
    try:
        with Image.open(io.BytesIO(data)) as picture:
            width, height = picture.size  # read from the header; nothing decoded yet
            if width * height > MAX_PIXELS:
                raise PictureTooLarge(width, height)
            if draft is not None and picture.format == "JPEG":
                picture.draft("RGB", draft)  # only sets the decoder's scale; decodes nothing
            if picture.size[0] * picture.size[1] > limit:
                raise PictureTooLarge(width, height)
            yield picture
    except ImageError:
        raise
    except Exception as error:  # PIL raises many kinds on hostile bytes; each means "unreadable"
        raise Undecodable(type(error).__name__) from None


def decoded_size(data: bytes, draft: tuple[int, int] | None = None) -> tuple[int, int]:
    """(width, height) that `open_picture(data, draft=draft)` would decode, read from the header
    alone (nothing decoded): lets a caller add up a whole upload before decoding any of it.
    Raises what open_picture raises on opening."""
    with open_picture(data, draft=draft) as picture:
        return picture.size


def read_upload(data: bytes) -> Image.Image:
    """Decode uploaded bytes into an RGB picture no larger than MAX_SIDE, or raise ImageError."""
    if not data:
        raise ImageError("The file is empty. Upload a PNG or JPEG picture.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageError(
            f"The file is {len(data) / 2**20:.1f} MB; "
            f"upload a picture under {MAX_UPLOAD_BYTES // 2**20} MB."
        )
    with open_picture(data, draft=(MAX_SIDE * 2, MAX_SIDE * 2)) as probe:
        picture = ImageOps.exif_transpose(probe.convert("RGB"))
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    return picture


def to_tensor(picture: Image.Image) -> torch.Tensor:
    """What `torchvision.transforms.ToTensor()(picture)` gives: float 3×H×W in [0, 1]."""
    array = np.asarray(picture.convert("RGB"), dtype=np.uint8)  # (H, W, 3)
    return torch.from_numpy(array.copy()).permute(2, 0, 1).float().div(255)  # (3, H, W)
