"""The sidebar every page shares: versions and the devices this server found."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import streamlit as st

from ui.warmup import warmup


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _devices_caption() -> bool:
    state = warmup()
    if not state.ready.is_set():
        st.caption("Devices: looking for CPU and GPUs…")
        return False
    if state.error:
        st.warning(state.error)
    else:
        st.caption("Devices: " + " · ".join(state.descriptions))
    return True


@st.fragment(run_every=1.0)
def _devices_poll() -> None:
    _devices_caption()


def show_sidebar() -> None:
    """Draw the shared sidebar."""
    with st.sidebar:
        st.caption(
            f"PyTorch {_package_version('torch')} · Streamlit {_package_version('streamlit')}"
        )
        if not warmup().ready.is_set():
            _devices_poll()
        else:
            _devices_caption()
