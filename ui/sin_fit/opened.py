"""Which part of the sin(x) fit page a lesson link opens (`fit_open=anatomy|race|code|module`)."""

from __future__ import annotations

import streamlit as st

from ui.classroom import link_is_new

OPEN_PARAM = "fit_open"


def opened_by_link(part: str, key: str | None = None) -> bool:
    """True once per link that names `part` in `fit_open`: the first run of the page with that
    link, or when a new lesson link names it again (ui.classroom.link_is_new). With `key`, the
    expander of that key is set open as well."""
    if not link_is_new(f"{OPEN_PARAM}:{part}"):
        return False
    if st.query_params.get(OPEN_PARAM) != part:
        return False
    if key is not None:
        st.session_state[key] = True
    return True
