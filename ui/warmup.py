"""Import torch once per server process in the background, so the home page never waits for it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import streamlit as st


@dataclass
class Warmup:
    """Filled in by a background thread; read-only for everyone else once `ready` is set."""

    ready: threading.Event = field(default_factory=threading.Event)
    devices: list[str] = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)
    error: str = ""


def _warm(state: Warmup) -> None:
    try:
        from core.devices import available_devices, describe_device

        state.devices = available_devices()
        state.descriptions = [describe_device(name) for name in state.devices]
    except Exception as exc:  # a broken torch install must not take the app down
        state.error = f"PyTorch could not be loaded: {exc}"
    finally:
        state.ready.set()


@st.cache_resource(show_spinner=False)
def warmup() -> Warmup:
    """Start (once per process) the thread that imports torch and lists the devices."""
    state = Warmup()
    threading.Thread(target=_warm, args=(state,), name="torch-warmup", daemon=True).start()
    return state
