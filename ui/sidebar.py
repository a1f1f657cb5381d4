"""The sidebar every page shares: versions and the devices this server found."""

from __future__ import annotations

import functools
from importlib.metadata import PackageNotFoundError, version

import streamlit as st

from ui.warmup import warmup


@functools.cache  # reading package metadata scans site-packages: once per process, not per click
def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _devices_caption() -> bool:
    state = warmup()
    if not state.ready.is_set():
        st.caption("Devices: PyTorch is still loading; they show on your next click.")
        return False
    if state.error:
        st.warning(state.error)
    else:
        st.caption("Devices: " + " · ".join(state.descriptions))
    return True


def show_sidebar() -> None:
    """Draw the shared sidebar."""
    with st.sidebar:
        st.caption(
            f"PyTorch {_package_version('torch')} · Streamlit {_package_version('streamlit')}"
        )
        _devices_caption()
