"""Where the SIGNS page gets its images: the built-in set, an uploaded zip, or the server's folder.

Built-in sets and server folders are immutable and shared by every session through
`st.cache_resource`; an upload belongs to one session and is kept in `st.session_state`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from core.signs import TensorData, load_signs, load_signs_bytes, synthetic_signs, tensor_data

ROOT = Path(__file__).resolve().parents[2]
SERVER_FOLDERS = ("data/64x64_SIGNS", "data/SIGNS")  # where seed 001 puts the real set
VAL_SEED = 0  # the validation split is the same for every session


@dataclass(frozen=True)
class DataChoice:
    """The data a run trains on, a key that changes when the data does, and notes to show."""

    data: TensorData
    key: str
    source: str
    warnings: tuple[str, ...] = ()


def server_folders() -> list[str]:
    """The folders of SERVER_FOLDERS that exist on this server (relative to the app)."""
    return [name for name in SERVER_FOLDERS if (ROOT / name).is_dir()]


def _as_choice(signs, key: str, val_fraction: float) -> DataChoice:
    data = tensor_data(signs, val_fraction=val_fraction, seed=VAL_SEED)
    return DataChoice(
        data, key, getattr(signs, "source", ""), tuple(getattr(signs, "warnings", ()))
    )


@st.cache_resource(show_spinner="Drawing the built-in hands…", max_entries=4)
def built_in(n_train: int, n_test: int, seed: int, val_fraction: float) -> DataChoice:
    """The built-in set for these sizes and seed, shared by all sessions."""
    signs = synthetic_signs(n_train=n_train, n_test=n_test, seed=seed)
    return _as_choice(signs, f"built-in/{n_train}/{n_test}/{seed}/{val_fraction}", val_fraction)


@st.cache_resource(show_spinner="Reading the server's SIGNS folder…", max_entries=2)
def server_folder(name: str, val_fraction: float) -> DataChoice:
    """A SIGNS folder on the server (only names from SERVER_FOLDERS get here)."""
    if name not in SERVER_FOLDERS:
        raise ValueError(f"'{name}' is not one of the server's SIGNS folders.")
    return _as_choice(load_signs(ROOT / name), f"server/{name}/{val_fraction}", val_fraction)


def uploaded_zip(blob: bytes, name: str, val_fraction: float) -> DataChoice:
    """An uploaded zip, read in memory; cached for this session only."""
    digest = hashlib.sha256(blob).hexdigest()[:16]
    key = f"upload/{digest}/{val_fraction}"
    cached = st.session_state.get("signs_upload_cache")
    if cached is not None and cached.key == key:
        return cached
    choice = _as_choice(load_signs_bytes(blob, name), key, val_fraction)
    st.session_state["signs_upload_cache"] = choice
    return choice
