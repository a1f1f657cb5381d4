"""The SIGNS page's settings: session defaults, and the widgets whose values travel in its link."""

from __future__ import annotations

import streamlit as st

from core.signs import MODEL_NAMES, OPTIMIZERS, SCHEDULES, ClassifierConfig
from ui.classroom import link_is_new, load_settings_from_url

SHARED = {  # widget key -> default type; these travel in the page's link (the device does not)
    "signs_source": "Built-in hands",
    "signs_val": 0.2,
    "signs_n_train": 1080,
    "signs_n_test": 120,
    "signs_data_seed": 0,
    "signs_model": MODEL_NAMES[0],
    "signs_optimizer": next(iter(OPTIMIZERS)),
    "signs_lr": ClassifierConfig.lr,
    "signs_schedule": next(iter(SCHEDULES)),
    "signs_batch": 32,
    "signs_epochs": ClassifierConfig.epochs,
    "signs_dropout": 0.3,
    "signs_wd": 0.0,
    "signs_train_seed": 0,
    "signs_flip": True,
    "signs_rotation": 0,
    "signs_jitter": 0.0,
}
URL_CHOICES = {
    "signs_source": ["Built-in hands", "My own hand signs", "Upload a zip"],
    "signs_n_train": [120, 240, 480, 720, 1080],
    "signs_n_test": [60, 120, 240],
    "signs_model": list(MODEL_NAMES),
    "signs_optimizer": list(OPTIMIZERS),
    "signs_schedule": list(SCHEDULES),
    "signs_batch": [1, 2, 4, 8, 16, 32, 64, 128, 256],
    "signs_lr": [1e-4, 3e-4, 1e-3, 2e-3, 5e-3, 1e-2, 3e-2, 0.1],
    "signs_wd": [0.0, 1e-5, 1e-4, 1e-3, 1e-2],
    "signs_val": [v / 20 for v in range(11)],
    "signs_epochs": list(range(1, 51)),
    "signs_rotation": list(range(46)),
    "signs_dropout": [v / 20 for v in range(17)],
    "signs_jitter": [v / 20 for v in range(11)],
    "signs_data_seed": list(range(10_001)),
    "signs_train_seed": list(range(10_001)),
}  # the values a link may set
TABS = ["1 · Data", "2 · Model", "3 · Train", "4 · Results", "5 · Save & export"]  # the page's tabs
SESSION_DEFAULTS = {"signs_trainer": None, "signs_running": False, "signs_error": ""}


def restore() -> None:
    """Set this session's defaults, then apply the settings a shared link carries."""
    state = st.session_state
    for name, default in SESSION_DEFAULTS.items():
        state.setdefault(name, default)
    state.setdefault("signs_runs", [])  # a new list per session
    load_settings_from_url(SHARED, URL_CHOICES)


def apply_tab_from_link() -> None:
    """Select the tab the link names (`signs_tab=4 · Results`; none: the first) when the link is
    new to this session. The tabs are bound to the URL (st.tabs(..., bind="query-params")),
    which reads the link only when the tabs are first drawn; a lesson link opened on a page the
    student already has open must select its tab too (see ui.classroom.link_is_new)."""
    if link_is_new("signs_tab"):
        wanted = st.query_params.get("signs_tab", TABS[0])
        st.session_state["signs_tab"] = wanted if wanted in TABS else TABS[0]


def open_from_link(key: str, name: str) -> bool:
    """Whether the expander `key` starts open: a new link with `signs_open=name` opens it (a
    lesson's); otherwise it stays as the student left it. Call before drawing it."""
    if link_is_new("open:" + key):
        st.session_state[key] = st.query_params.get("signs_open") == name
    return bool(st.session_state.get(key, False))
