"""The SIGNS page's "My own hand signs": a camera and an uploader per class, counts, the pictures.

The collection (core.signs.own.OwnSigns) lives in the student's session only; widgets change it
through callbacks, so a picture is added once per capture and the camera or uploader is fresh
for the next one. Every problem is a sentence kept until the next change; nothing captured is
lost by a bad file.
"""

from __future__ import annotations

import hashlib
import uuid

import streamlit as st
import torch

from core.signs import load_signs_bytes, picture_row, tensor_data
from core.signs.download import UNZIP_HINT
from core.signs.own import MAX_CLASSES, MAX_PER_CLASS, MIN_CLASSES, OwnSigns, OwnSignsError
from ui.signs.data_source import VAL_SEED, DataChoice

ZIP_NAME = "my_hand_signs.zip"
GRID_COLUMNS = 8


def collection() -> OwnSigns:
    """This session's own pictures (a new, empty set of classes 0-5 at first)."""
    return st.session_state.setdefault("signs_own", OwnSigns())


def _say(*problems: str, done: str = "") -> None:
    """Keep the sentences to show on this rerun (callbacks run before the page draws)."""
    st.session_state["signs_own_notes"] = ([("info", done)] if done else []) + [
        ("error", s) for s in problems if s
    ]


def _fresh(name: str) -> int:
    """A counter in each widget key: bumping it gives the camera or uploader a fresh widget."""
    return st.session_state.setdefault("signs_own_fresh", {}).get(name, 0)


def _bump(name: str) -> None:
    fresh = st.session_state.setdefault("signs_own_fresh", {})
    fresh[name] = fresh.get(name, 0) + 1


# -- callbacks: they run before the script, so the page draws the changed collection ----------
def _on_count() -> None:
    own, wanted = collection(), int(st.session_state["signs_own_count"])
    try:
        own.resize(wanted)
        _say()
    except OwnSignsError as error:
        st.session_state["signs_own_count"] = len(own.classes)
        _say(str(error))


def _on_rename(label: int) -> None:
    own, key = collection(), f"signs_own_name_{label}"
    try:
        own.rename(label, st.session_state[key])
        _say()
    except OwnSignsError as error:
        _say(str(error))
    st.session_state[key] = own.classes[label]


def _on_camera(label: int, key: str) -> None:
    shot = st.session_state.get(key)
    if shot is None:
        return
    try:
        own = collection()
        own.add(label, shot.getvalue(), "camera")
        _say()
    except OwnSignsError as error:
        _say(str(error))
    _bump(f"camera{label}")  # a fresh camera, ready for the next picture


def _on_files(label: int, key: str) -> None:
    files = st.session_state.get(key) or []
    report = collection().add_files(label, [(f.name, f.getvalue()) for f in files])
    added = f"{report.added} picture(s) added." if report.added and report.problems else ""
    _say(*report.problems, done=added)
    _bump(f"files{label}")


def _on_load_zip(key: str) -> None:
    upload = st.session_state.get(key)
    if upload is None:
        return
    own = collection()
    if own.total:
        _say(
            f"You already have {own.total} pictures here: download them or remove them before "
            "loading a saved set, so that nothing is lost."
        )
    else:
        try:
            loaded, report = OwnSigns.from_signs_data(
                load_signs_bytes(upload.getvalue(), upload.name)
            )
            st.session_state["signs_own"] = loaded
            st.session_state["signs_own_count"] = len(loaded.classes)
            _say(
                *report.problems,
                done=f"Loaded {report.added} pictures in {len(loaded.classes)} classes.",
            )
        except ValueError as error:
            _say(str(error))
    _bump("zip")


def _remove(label: int, picture_id: int) -> None:
    collection().remove(label, picture_id)
    _say()


def _clear(label: int) -> None:
    removed = collection().clear(label)
    _say(done=f"Removed the {removed} pictures of this class.")


# -- the section ----------------------------------------------------------------------------
def class_picker(own: OwnSigns) -> int:
    """The number of classes, which class the pictures go to, and its name."""
    state = st.session_state
    state.setdefault("signs_own_count", len(own.classes))
    c1, c2, c3 = st.columns([2, 5, 3], vertical_alignment="bottom")
    c1.number_input(
        "Number of classes",
        MIN_CLASSES,
        MAX_CLASSES,
        key="signs_own_count",
        on_change=_on_count,
        help="The model's output layer gets one unit per class.",
    )
    names = [f"{name} ({count})" for name, count in zip(own.classes, own.counts())]
    current = state.get("signs_own_label", 0)
    current = current if current < len(names) else 0
    # Streamlit knows a radio's choice by its text, and the counts in it change with every
    # picture: a key per set of texts keeps the choice (held in signs_own_label) instead.
    digest = hashlib.sha1("|".join(names).encode()).hexdigest()[:10]
    label = c2.radio(
        "Add pictures to",
        range(len(names)),
        index=current,
        format_func=names.__getitem__,
        key=f"signs_own_class_{digest}",
        horizontal=True,
    )
    state["signs_own_label"] = int(label)
    key = f"signs_own_name_{label}"
    if state.get(key) != own.classes[label]:
        state[key] = own.classes[label]
    c3.text_input("Name of this class", key=key, on_change=_on_rename, args=(label,), max_chars=24)
    return int(label)


def capture(own: OwnSigns, label: int) -> None:
    """The camera and the uploader of one class."""
    name = own.classes[label]
    c1, c2 = st.columns(2)
    with c1:
        if st.toggle("Use the camera", True, key="signs_own_use_camera"):
            key = f"signs_own_camera_{label}_{_fresh(f'camera{label}')}"
            st.camera_input(
                f"Take a picture for '{name}'",
                key=key,
                on_change=_on_camera,
                args=(label, key),
                help="Each picture is added to the class at once; the camera is then ready again.",
            )
            st.caption(
                "No camera here, or the browser was told not to share it? The box above then says "
                "so: allow the camera from the address bar, or turn the camera off and add picture "
                "files instead."
            )
    with c2:
        key = f"signs_own_files_{label}_{_fresh(f'files{label}')}"
        st.file_uploader(
            f"Add picture files to '{name}' (JPEG or PNG, many at once)",
            # no type=: a wrong file then gets core's sentence, not Streamlit's exception
            accept_multiple_files=True,
            key=key,
            on_change=_on_files,
            args=(label, key),
        )
        st.caption(
            f"Each picture is cut to its centre square and shrunk to 64×64, as the course's "
            f"SIGNS set is. Up to {MAX_PER_CLASS} per class, 2 MB each; they stay in this browser "
            "session only, never on the server's disk."
        )


def grid(own: OwnSigns, label: int) -> None:
    """The pictures of the chosen class with a remove button each; a row per other class."""
    pictures = own.pictures[label]
    c1, c2 = st.columns([4, 1], vertical_alignment="center")
    c1.markdown(f"**{len(pictures)} of {MAX_PER_CLASS} pictures in this class**")
    c2.button(
        "Remove all",
        key=f"signs_own_clear_{label}",
        on_click=_clear,
        args=(label,),
        disabled=not pictures,
    )
    columns = st.columns(GRID_COLUMNS)
    for slot, picture in enumerate(reversed(pictures)):  # the newest first
        with columns[slot % GRID_COLUMNS]:
            st.image(picture_row(picture.pixels[None].float() / 255, scale=2), width=110)
            st.button(
                "✕ remove",
                key=f"signs_own_remove_{picture.id}",
                on_click=_remove,
                args=(label, picture.id),
                help=f"Remove this picture ({picture.origin})",
            )
    others = [i for i in range(len(own.classes)) if i != label and own.pictures[i]]
    if others:
        with st.expander("The other classes"):
            for i in others:
                newest = own.pictures[i][-GRID_COLUMNS:]
                row = picture_row(torch.stack([p.pixels for p in newest]).float() / 255)
                st.image(row, caption=f"{own.classes[i]}: {len(own.pictures[i])} pictures")


def save_and_load(own: OwnSigns) -> None:
    """Download the set as a SIGNS-layout zip; load one saved earlier."""
    c1, c2 = st.columns(2)
    with c1:
        try:
            memo = st.session_state.get("signs_own_zip")
            if memo is None or memo[0] != own.revision():
                memo = (own.revision(), own.to_zip())
                st.session_state["signs_own_zip"] = memo
            st.download_button(
                "Download my pictures (.zip)",
                memo[1],
                file_name=ZIP_NAME,
                mime="application/zip",
                key="signs_own_download",
                help="64x64_SIGNS/ with train_signs/ and test_signs/ of {label}_IMG_{id}.jpg and "
                "classes.txt: the layout of the course's SIGNS set. To train the exported script "
                "on it, " + UNZIP_HINT + ".",
            )
        except OwnSignsError:
            st.caption("The download appears once every class has at least 3 pictures.")
    with c2:
        key = f"signs_own_zip_{_fresh('zip')}"
        st.file_uploader(
            "Load pictures saved earlier (.zip)",
            # no type=: a wrong file gets load_signs_bytes' sentence
            key=key,
            on_change=_on_load_zip,
            args=(key,),
        )


def own_signs_source(val_fraction: float) -> DataChoice | None:
    """The section; returns the data to train on once every class has enough pictures."""
    own = collection()
    label = class_picker(own)
    for kind, note in st.session_state.get("signs_own_notes", []):
        (st.info if kind == "info" else st.error)(note)
    capture(own, label)
    grid(own, label)
    save_and_load(own)
    session = st.session_state.setdefault("signs_own_uid", uuid.uuid4().hex)  # never shared
    key = f"own/{session}/{own.revision()}/{val_fraction}"
    memo = st.session_state.get("signs_own_choice")
    if memo is not None and memo.key == key:
        return memo
    try:
        signs = own.to_signs_data(val_fraction, seed=VAL_SEED)
    except OwnSignsError as error:
        st.warning(str(error))
        return None
    choice = DataChoice(tensor_data(signs, val_fraction, seed=VAL_SEED), key, signs.source)
    st.session_state["signs_own_choice"] = choice
    return choice
