"""Reading the real SIGNS set: load_signs (a server path), load_signs_bytes / _files (uploads).

Each lists the files safely (core.signs.entries), then reads the .h5 pair when it is there,
else the JPEG folder layout.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from core.signs import entries as limits
from core.signs.dataset import SignsData, SignsDataError
from core.signs.entries import Entry, folder_entries, path_parts, shown_name, zip_entries
from core.signs.folders import _images_from_entries
from core.signs.h5 import _h5_from_entries


def _from_entries(entries: list[Entry], label: str) -> SignsData:
    """The .h5 pair when the files hold one, else the JPEG folders."""
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
    label = shown_name(root.name or str(root))
    if root.is_dir():
        return _from_entries(folder_entries(root), f"the folder {label}")
    if root.is_file():
        if root.suffix.lower() == ".h5":
            siblings = [entry for entry in folder_entries(root.parent) if "/" not in entry.name]
            return _from_entries(siblings, f"the folder {shown_name(root.parent.name)}")
        size = root.stat().st_size
        if size > limits.MAX_ZIP_TOTAL_BYTES:
            raise SignsDataError(
                f"{label} is {size / 2**20:,.0f} MB; resize the images to 64x64 first."
            )
        return load_signs_bytes(root.read_bytes(), root.name)
    raise SignsDataError(f"There is no file or folder at {label}; check the path.")


def load_signs_bytes(data: bytes, name: str = "upload") -> SignsData:
    """Read an uploaded file: a .zip of the SIGNS folders or of the .h5 pair, held in memory."""
    label = f"the upload {shown_name(name)}"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06") or name.lower().endswith(".zip"):
        try:
            return _from_entries(zip_entries(data, label), label)
        except SignsDataError as error:  # a sentence that starts with the label starts small
            raise SignsDataError(_capitalised(str(error))) from None
    if data[:8] == b"\x89HDF\r\n\x1a\n":
        raise SignsDataError(
            f"The upload {shown_name(name)} is a single .h5 file; upload train_signs.h5 and test_signs.h5 together "
            "(or zipped into one .zip)."
        )
    raise SignsDataError(
        f"The upload {shown_name(name)} is not a .zip file. Zip the SIGNS folder (train_signs/ and test_signs/ "
        "inside) or the two .h5 files, and upload the .zip."
    )


def _capitalised(text: str) -> str:
    """Capitalise a sentence that starts with "the upload 'x.zip' ..." (a file name such as
    classes.txt that starts a sentence keeps its spelling)."""
    return "T" + text[1:] if text.startswith("the ") else text


def load_signs_files(files: Mapping[str, bytes]) -> SignsData:
    """Read several uploaded files at once: one .zip, or the two .h5 files of the pair."""
    if not files:
        raise SignsDataError("No file was uploaded; choose a .zip or the two .h5 files.")
    if len(files) == 1:
        ((name, data),) = files.items()
        return load_signs_bytes(data, name)
    if len(files) > limits.MAX_ZIP_ENTRIES:
        raise SignsDataError(
            f"Upload at most {limits.MAX_ZIP_ENTRIES:,} files; zip the SIGNS folder instead."
        )
    entries = [
        Entry(
            path_parts(name)[-1] if path_parts(name) else "?", len(data), (lambda data=data: data)
        )
        for name, data in files.items()
    ]
    return _from_entries(entries, f"the {len(files)} uploaded files")
