"""Hostile input listed safely: the files of an uploaded zip or a server folder, with caps.

Zips are read in memory with caps on entry count and uncompressed size checked from the
directory before anything is inflated; entry names are only ever parsed as text, never joined
to a filesystem path; one file that cannot be read raises `Unreadable` and is skipped.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.signs.dataset import SignsDataError

# Caps on what a user may hand us. Checked before the work they bound is done.
MAX_ZIP_ENTRIES = 20_000  # the real set has ~1,200 files
MAX_ZIP_TOTAL_BYTES = 1536 * 2**20  # sum of declared uncompressed sizes (the raw set is ~1.1 GB)
MAX_ENTRY_BYTES = 256 * 2**20  # one file, read with this as a hard limit (an .h5 pair is ~15 MB)
MAX_COMPRESSION_RATIO = 200  # declared size / compressed size; JPEGs and .h5 are far below


@dataclass(frozen=True)
class Entry:
    """One file of the input: its name (text only, never opened as a path) and a reader."""

    name: str  # "/"-separated, relative to the input's root
    size: int  # declared size in bytes
    read: Callable[[], bytes]  # returns the bytes or raises Unreadable


class Unreadable(Exception):
    """A single file that could not be read; it is skipped and counted."""


def shown_name(name: str, limit: int = 60) -> str:
    """A file name made safe to put in a sentence: printable, quoted, shortened."""
    text = "".join(ch if ch.isprintable() else "?" for ch in name)
    if len(text) > limit:
        text = "…" + text[-(limit - 1) :]
    return f"'{text}'"


def path_parts(name: str) -> list[str]:
    return [part for part in name.replace("\\", "/").split("/") if part not in ("", ".")]


def is_junk(parts: list[str]) -> bool:
    """macOS resource forks, hidden files and the like, skipped without a word."""
    return any(part == "__MACOSX" for part in parts) or parts[-1].startswith(".")


def zip_entries(data: bytes, label: str) -> list[Entry]:
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
                f"{label} holds {shown_name(info.filename)}, which would unpack to "
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
                raise Unreadable(type(error).__name__) from None
            if len(blob) != info.file_size:
                raise Unreadable("size differs from the zip's directory")
            return blob

        return read

    return [
        Entry(info.filename, info.file_size, reader(info)) for info in infos if not info.is_dir()
    ]


def folder_entries(root: Path) -> list[Entry]:
    """List a folder on the server (symlinked folders are not followed)."""

    def reader(path: Path, size: int) -> Callable[[], bytes]:
        def read() -> bytes:
            if size > MAX_ENTRY_BYTES:
                raise Unreadable(f"larger than {MAX_ENTRY_BYTES // 2**20} MB")
            try:
                with open(path, "rb") as stream:
                    return stream.read(MAX_ENTRY_BYTES + 1)
            except OSError as error:
                raise Unreadable(type(error).__name__) from None

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
            entries.append(Entry(path.relative_to(root).as_posix(), size, reader(path, size)))
            if len(entries) > MAX_ZIP_ENTRIES:
                raise SignsDataError(
                    f"The folder {root} holds more than {MAX_ZIP_ENTRIES:,} files; point it at "
                    "the SIGNS folder itself (the one holding train_signs/ and test_signs/)."
                )
    return entries
