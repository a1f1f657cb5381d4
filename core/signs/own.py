"""A student's own hand signs: pictures from a webcam or files, kept in the session only.

`crop_picture` turns JPEG/PNG bytes into the course's 64×64 (centre square, then a bilinear
resize), through core.images' one decoder. `OwnSigns` is the in-session collection: classes that
can be renamed and counted 2–10, capped pictures per class, removal; `to_signs_data` splits it
into train / validation / test (refusing a class with too few pictures), and `to_zip` writes the
SIGNS layout (`64x64_SIGNS/` with `train_signs/`, `test_signs/`, `{label}_IMG_{id}.jpg` and
`classes.txt`, see core.signs.download) that core.signs.readers.load_signs_bytes reads back and
the exported script trains on. Nothing here touches the disk.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import torch
from PIL import Image, ImageOps

from core.images import MAX_PIXELS, PictureTooLarge, Undecodable, open_picture
from core.signs.dataset import IMAGE_SIZE, SignsData, SignsDataError, SignsDataset
from core.signs.download import signs_zip
from core.signs.entries import shown_name
from core.signs.folders import MAX_CLASSES

MIN_CLASSES = 2
MAX_PER_CLASS = 100  # pictures kept per class (100 × 12 KB as 64×64 tensors: 1.2 MB a class)
MAX_PICTURE_BYTES = 2 * 2**20  # one picture file; a webcam frame is ~50 KB
MAX_NAME = 24  # characters in a class name
FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG"}  # MPO: the JPEG of some phone cameras
TEST_FRACTION = 0.2  # of each class, held out for the test accuracy


class OwnSignsError(SignsDataError):
    """Something about the student's own pictures, said in a sentence that says what to do."""


def crop_picture(blob: bytes, name: str = "the picture", jpeg_draft: bool = True) -> torch.Tensor:
    """JPEG/PNG bytes -> uint8 (3, 64, 64): turned upright (EXIF), centre square, bilinear resize.

    The crop is torchvision's CenterCrop(min side) and the resize its Resize(64) of a PIL image
    (the course's bilinear resize). With `jpeg_draft`, libjpeg decodes a big JPEG at 1/2..1/8
    size (still at least 256 px) first. Raises OwnSignsError with a sentence naming `name`.
    """
    label = shown_name(name)
    if not blob:
        raise OwnSignsError(f"{label} is empty; add a JPEG or PNG picture.")
    if len(blob) > MAX_PICTURE_BYTES:
        raise OwnSignsError(
            f"{label} is {len(blob) / 2**20:.1f} MB; a picture may be at most "
            f"{MAX_PICTURE_BYTES // 2**20} MB. Shrink it or take a smaller photo."
        )
    try:
        with open_picture(blob) as picture:
            kind, upright = picture.format or "unknown", None
            if kind in FORMATS:  # decode nothing else (an error raised in here is "unreadable")
                width, height = picture.size
                if jpeg_draft and FORMATS[kind] == "JPEG" and min(width, height) > 4 * IMAGE_SIZE:
                    picture.draft("RGB", (4 * IMAGE_SIZE, 4 * IMAGE_SIZE))
                upright = ImageOps.exif_transpose(picture.convert("RGB"))
    except PictureTooLarge as error:
        raise OwnSignsError(
            f"{label} is {error.width}×{error.height} pixels; pictures may have at most "
            f"{MAX_PIXELS // 10**6} megapixels."
        ) from None
    except Undecodable:
        raise OwnSignsError(
            f"{label} could not be read as a picture (the file is damaged or not an image); "
            "add a JPEG or PNG picture."
        ) from None
    if upright is None:
        raise OwnSignsError(f"{label} is a {kind} picture; add JPEG or PNG pictures.")
    side = min(upright.size)
    left = int(round((upright.width - side) / 2.0))  # as torchvision's center_crop rounds
    top = int(round((upright.height - side) / 2.0))
    square = upright.crop((left, top, left + side, top + side))
    small = square.resize((IMAGE_SIZE, IMAGE_SIZE), Image.BILINEAR)
    return torch.from_numpy(np.asarray(small, dtype=np.uint8).copy()).permute(2, 0, 1)


BLANK_LEVEL = 8  # of 255: a webcam frame whose every pixel is darker came before the first frame
BLANK_CAMERA = (
    "The camera's picture is black: the camera was still starting. Wait for its live picture, "
    "then take another."
)


def is_blank(pixels: torch.Tensor) -> bool:
    """True for a (nearly) all-black uint8 picture, as a camera gives before its first frame."""
    return int(pixels.max()) < BLANK_LEVEL


@dataclass(frozen=True)
class OwnPicture:
    """One captured picture: an id unique in its collection, 64×64 uint8 pixels, where from."""

    id: int
    pixels: torch.Tensor  # (3, 64, 64) uint8
    origin: str  # "camera" or the file's name (shown quoted, never used as a path)


@dataclass(frozen=True)
class AddReport:
    """What adding several files did: how many were added, and a sentence per problem."""

    added: int
    problems: tuple[str, ...] = ()


def default_names(count: int) -> list[str]:
    """Classes are named 0, 1, 2... until the student renames them (0-5: raised fingers)."""
    return [str(i) for i in range(count)]


@dataclass
class OwnSigns:
    """The student's classes and pictures, held in their session (never written to disk)."""

    classes: list[str] = field(default_factory=lambda: default_names(6))
    pictures: list[list[OwnPicture]] = field(default_factory=list)
    next_id: int = 1

    def __post_init__(self) -> None:
        _check_count(len(self.classes))
        self.pictures = [list(p) for p in self.pictures] + [
            [] for _ in range(len(self.classes) - len(self.pictures))
        ]

    # -- looking -----------------------------------------------------------------------------
    def counts(self) -> list[int]:
        """Pictures per class."""
        return [len(p) for p in self.pictures]

    @property
    def total(self) -> int:
        return sum(self.counts())

    def revision(self) -> str:
        """Changes whenever a picture or a class changes (a key for caches and the trainer)."""
        ids = ",".join(f"{len(p)}:{p[-1].id if p else 0}" for p in self.pictures)
        return f"{'|'.join(self.classes)}/{ids}/{self.next_id}"

    def _check_label(self, label: int) -> None:
        if not 0 <= label < len(self.classes):
            raise OwnSignsError(
                f"There is no class {label}; the classes are 0 to {len(self.classes) - 1}."
            )

    def _check_room(self, label: int) -> None:
        if len(self.pictures[label]) >= MAX_PER_CLASS:
            raise OwnSignsError(
                f"Class '{self.classes[label]}' is full: it holds {MAX_PER_CLASS} pictures, the "
                "most a class keeps. Remove some to add others."
            )

    # -- changing pictures -------------------------------------------------------------------
    def add_pixels(self, label: int, pixels: torch.Tensor, origin: str = "camera") -> OwnPicture:
        """Add a 64×64 uint8 picture to class `label`; a sentence when the class is full."""
        self._check_label(label)
        if tuple(pixels.shape) != (3, IMAGE_SIZE, IMAGE_SIZE) or pixels.dtype != torch.uint8:
            raise OwnSignsError("A picture must be 3×64×64 bytes; crop it with crop_picture.")
        self._check_room(label)
        picture = OwnPicture(self.next_id, pixels.clone(), origin)
        self.next_id += 1
        self.pictures[label].append(picture)
        return picture

    def add(self, label: int, blob: bytes, origin: str = "camera") -> OwnPicture:
        """Crop and add one picture file; OwnSignsError (nothing changed) when it cannot be.
        A black picture from the camera (it was still starting) is refused."""
        self._check_label(label)
        self._check_room(label)
        pixels = crop_picture(blob, origin)
        if origin == "camera" and is_blank(pixels):
            raise OwnSignsError(BLANK_CAMERA)
        return self.add_pixels(label, pixels, origin)

    def add_files(self, label: int, files: Iterable[tuple[str, bytes]]) -> AddReport:
        """Add many files to class `label`: the good ones are kept, each bad one gets a sentence."""
        self._check_label(label)
        added, problems, left_out = 0, [], 0
        for name, blob in files:
            if len(self.pictures[label]) >= MAX_PER_CLASS:
                left_out += 1
                continue
            try:
                self.add(label, blob, name)
                added += 1
            except OwnSignsError as error:
                problems.append(str(error))
        if left_out:
            problems.append(
                f"{left_out} picture(s) were not added: class '{self.classes[label]}' is full "
                f"({MAX_PER_CLASS} pictures). Remove some to add others."
            )
        return AddReport(added, tuple(problems))

    def remove(self, label: int, picture_id: int) -> None:
        """Remove one picture by its id (nothing happens when it is already gone)."""
        self._check_label(label)
        self.pictures[label] = [p for p in self.pictures[label] if p.id != picture_id]

    def clear(self, label: int) -> int:
        """Remove every picture of class `label`; returns how many were removed."""
        self._check_label(label)
        removed = len(self.pictures[label])
        self.pictures[label] = []
        return removed

    # -- changing classes --------------------------------------------------------------------
    def rename(self, label: int, name: str) -> None:
        """Give class `label` a new name: 1-24 printable characters, not another class's name."""
        self._check_label(label)
        name = " ".join(str(name).split())
        if not name:
            raise OwnSignsError("A class needs a name; type at least one letter or digit.")
        if len(name) > MAX_NAME or not name.isprintable():
            raise OwnSignsError(
                f"A class name may have at most {MAX_NAME} printable characters; pick a shorter one."
            )
        others = [c.casefold() for i, c in enumerate(self.classes) if i != label]
        if name.casefold() in others:
            raise OwnSignsError(f"Another class is already called '{name}'; pick another name.")
        self.classes[label] = name

    def resize(self, count: int) -> None:
        """Have `count` classes (2-10): new ones are added at the end, empty ones removed.

        A class that still holds pictures is never dropped: that gets a sentence instead.
        """
        _check_count(count)
        dropped = [i for i in range(count, len(self.classes)) if self.pictures[i]]
        if dropped:
            names = ", ".join(f"'{self.classes[i]}' ({len(self.pictures[i])})" for i in dropped)
            raise OwnSignsError(
                f"Going down to {count} classes would delete the pictures of {names}; remove "
                "those pictures first (or keep more classes)."
            )
        del self.classes[count:], self.pictures[count:]
        taken = {c.casefold() for c in self.classes}
        for i in range(len(self.classes), count):
            name = str(i) if str(i) not in taken else f"class {i}"
            self.classes.append(name)
            self.pictures.append([])
            taken.add(name.casefold())

    # -- training data -----------------------------------------------------------------------
    def minimum_per_class(self, val_fraction: float) -> int:
        """Pictures a class needs: one to test, one to validate (when validating), two to train."""
        return 3 + (1 if val_fraction > 0 else 0)

    def check_ready(self, val_fraction: float) -> None:
        """Raise OwnSignsError naming every class that is empty or too small to split."""
        need = self.minimum_per_class(val_fraction)
        short = [(c, len(p)) for c, p in zip(self.classes, self.pictures) if len(p) < need]
        if not short:
            return
        empty = [f"'{c}'" for c, n in short if n == 0]
        few = [f"'{c}' ({n})" for c, n in short if n]
        parts = []
        if empty:
            parts.append(f"{', '.join(empty)} {'has' if len(empty) == 1 else 'have'} no pictures")
        if few:
            parts.append(f"{', '.join(few)} {'has' if len(few) == 1 else 'have'} too few")
        held = (
            "one to test, one to validate and two to train on"
            if need == 4
            else "one to test and two to train on"
        )
        raise OwnSignsError(
            f"Class {' and '.join(parts)}: every class needs at least {need} pictures ({held}). "
            "Add pictures, or lower the number of classes."
        )

    def split(
        self, val_fraction: float, test_fraction: float = TEST_FRACTION, seed: int = 0
    ) -> dict[str, list[tuple[int, OwnPicture]]]:
        """{"train"|"val"|"test": [(label, picture)]}: each class split by a seeded shuffle.

        Every class gives at least one picture to test and (with val_fraction > 0) one to
        validate, and keeps at least two to train on; check_ready refuses smaller classes.
        """
        self.check_ready(val_fraction)
        generator = torch.Generator().manual_seed(seed)
        parts: dict[str, list[tuple[int, OwnPicture]]] = {"train": [], "val": [], "test": []}
        for label, pictures in enumerate(self.pictures):
            order = torch.randperm(len(pictures), generator=generator).tolist()
            n = len(pictures)
            n_test = min(n - 3, max(1, round(test_fraction * n)))
            rest = n - n_test
            n_val = min(rest - 2, max(1, round(val_fraction * rest))) if val_fraction > 0 else 0
            shuffled = [pictures[i] for i in order]
            parts["test"] += [(label, p) for p in shuffled[:n_test]]
            parts["val"] += [(label, p) for p in shuffled[n_test : n_test + n_val]]
            parts["train"] += [(label, p) for p in shuffled[n_test + n_val :]]
        return parts

    def to_signs_data(
        self, val_fraction: float, test_fraction: float = TEST_FRACTION, seed: int = 0
    ) -> SignsData:
        """The collection as a SignsData (train, val, test), ready for tensor_data."""
        parts = self.split(val_fraction, test_fraction, seed)

        def dataset(items: list[tuple[int, OwnPicture]]) -> SignsDataset:
            if not items:
                return SignsDataset(
                    torch.zeros(0, 3, IMAGE_SIZE, IMAGE_SIZE, dtype=torch.uint8),
                    torch.zeros(0, dtype=torch.int64),
                )
            return SignsDataset(
                torch.stack([p.pixels for _, p in items]),
                torch.tensor([label for label, _ in items], dtype=torch.int64),
            )

        train, val, test = dataset(parts["train"]), dataset(parts["val"]), dataset(parts["test"])
        return SignsData(
            train=train,
            test=test,
            val=val if len(val) else None,
            classes=tuple(self.classes),
            source=(
                f"your own hand signs, {len(self.classes)} classes, {self.total} pictures "
                f"({len(train)} train / {len(val)} validation / {len(test)} test)"
            ),
        )

    def to_zip(self, test_fraction: float = TEST_FRACTION, seed: int = 0) -> bytes:
        """The pictures in the SIGNS layout, in memory (core.signs.download): 64x64_SIGNS/ with
        train_signs/ (train + validation), test_signs/, `{label}_IMG_{id}.jpg`, and classes.txt
        with the names in label order."""
        parts = self.split(0.0, test_fraction, seed)
        return signs_zip(
            [
                (folder, [(label, p.id, p.pixels) for label, p in sorted(items, key=_by_id)])
                for folder, items in (
                    ("train_signs", parts["train"]),
                    ("test_signs", parts["test"]),
                )
            ],
            self.classes,
        )

    @classmethod
    def from_signs_data(cls, signs: SignsData) -> tuple[OwnSigns, AddReport]:
        """A collection holding every picture of `signs` (train, validation and test together),
        e.g. a zip downloaded earlier and read back by load_signs_bytes; over-cap ones are
        left out with a sentence."""
        classes = list(signs.classes)
        if not MIN_CLASSES <= len(classes) <= MAX_CLASSES:
            raise OwnSignsError(
                f"The set has {len(classes)} classes; your own signs have {MIN_CLASSES} to "
                f"{MAX_CLASSES}."
            )
        own = cls(classes=default_names(len(classes)))
        for i, name in enumerate(classes):
            with contextlib.suppress(OwnSignsError):  # an unusable name keeps its number
                own.rename(i, name)
        added, left_out = 0, 0
        for split in (signs.train, signs.val, signs.test):
            if split is None:
                continue
            for pixels, label in zip(split.images, split.labels.tolist()):
                if label >= len(classes) or len(own.pictures[label]) >= MAX_PER_CLASS:
                    left_out += 1
                    continue
                own.add_pixels(label, pixels, "zip")
                added += 1
        problems = (
            (f"{left_out} picture(s) were left out: a class keeps at most {MAX_PER_CLASS}.",)
            if left_out
            else ()
        )
        return own, AddReport(added, problems)


def _check_count(count: int) -> None:
    if (
        isinstance(count, bool)
        or not isinstance(count, int)
        or not MIN_CLASSES <= count <= MAX_CLASSES
    ):
        raise OwnSignsError(f"Pick between {MIN_CLASSES} and {MAX_CLASSES} classes, not {count}.")


def _by_id(item: tuple[int, OwnPicture]) -> int:
    return item[1].id
