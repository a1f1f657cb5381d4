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
from core.signs.download import UNZIP_HINT, dataset_zip

ROOT = Path(__file__).resolve().parents[2]
SERVER_FOLDERS = ("data/64x64_SIGNS", "data/SIGNS")  # where seed 001 puts the real set
VAL_SEED = 0  # the validation split is the same for every session
DATA_KEYS = ("signs_source", "signs_val", "signs_n_train", "signs_n_test", "signs_data_seed")
KEPT = "signs_data_kept"  # the Data tab's choices, kept while the student is on another page
KEPT_UPLOAD = "signs_upload_kept"  # (name, bytes) of the last zip uploaded in this session


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


def restore_choices() -> None:
    """Give the Data tab's widgets back the values they had before the student left the page.

    Streamlit forgets a widget's value once a run of another page has not drawn it; a value
    set by a link (load_settings_from_url, just before) wins over the kept one."""
    state = st.session_state
    for key, value in state.get(KEPT, {}).items():
        if key not in state:
            state[key] = value


def keep_choices() -> None:
    """Remember the Data tab's current values (called once its widgets are drawn)."""
    state = st.session_state
    state[KEPT] = {key: state[key] for key in DATA_KEYS if key in state}


def kept_upload() -> tuple[str, bytes] | None:
    """The zip this session uploaded last, whether or not the uploader still shows it."""
    return st.session_state.get(KEPT_UPLOAD)


def forget_upload() -> None:
    for key in (KEPT_UPLOAD, "signs_upload_cache"):
        st.session_state.pop(key, None)


@st.cache_resource(show_spinner=False, max_entries=2)  # runs on the click, outside a script run
def built_in_zip(n_train: int, n_test: int, seed: int) -> bytes:
    """The built-in set for these sizes and seed as a SIGNS zip (64x64_SIGNS/...), shared."""
    return dataset_zip(synthetic_signs(n_train=n_train, n_test=n_test, seed=seed))


def uploaded_zip(blob: bytes, name: str, val_fraction: float) -> DataChoice:
    """An uploaded zip, read in memory; cached for this session only, and kept (its bytes) so
    that it is still the data when the student comes back from another page."""
    digest = hashlib.sha256(blob).hexdigest()[:16]
    key = f"upload/{digest}/{val_fraction}"
    cached = st.session_state.get("signs_upload_cache")
    if cached is not None and cached.key == key:
        return cached
    choice = _as_choice(load_signs_bytes(blob, name), key, val_fraction)
    st.session_state["signs_upload_cache"] = choice
    st.session_state[KEPT_UPLOAD] = (name, blob)
    return choice


def upload_box(val_fraction: float) -> DataChoice | None:
    """The zip uploader; without a file in it, the zip uploaded earlier in this session."""
    upload = st.file_uploader(
        "A zip with train\\_signs/ and test\\_signs/ folders of {label}\\_IMG\\_{id}.jpg, "
        "or with train\\_signs.h5 and test\\_signs.h5",
        # no type=["zip"]: Streamlit would raise on another file; load_signs_bytes says why
        key="signs_upload",
    )
    if upload is not None:
        return uploaded_zip(upload.getvalue(), upload.name, val_fraction)
    kept = kept_upload()
    if kept is None:
        return None
    name, blob = kept
    c1, c2 = st.columns([4, 1], vertical_alignment="center")
    c1.caption(f"Training on {name}, uploaded earlier in this session. Drop another zip to change.")
    c2.button("Forget it", key="signs_upload_forget", on_click=forget_upload)
    return uploaded_zip(blob, name, val_fraction)


def download_built_in(n_train: int, n_test: int, seed: int) -> None:
    """A button that downloads these hands in the SIGNS folder layout, and how to use it."""
    st.download_button(
        "Download these hands as a SIGNS zip",
        lambda: built_in_zip(n_train, n_test, seed),  # written when clicked, not on every run
        file_name=f"signs_built_in_{n_train}_{n_test}_seed{seed}.zip",
        mime="application/zip",
        key="signs_download_built_in",
        on_click="ignore",
        help=f"{n_train} + {n_test} pictures as 64x64_SIGNS/train_signs/ and test_signs/ of "
        "{label}_IMG_{id}.jpg, the layout of the course's SIGNS set.",
    )
    # markdown, not a caption: inline code in a caption is drawn faded (2.7:1)
    st.markdown(f"To train the exported script of tab 5 on these hands, {UNZIP_HINT}.")
