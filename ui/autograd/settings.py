"""The autograd page's settings: widget defaults, the choices a link may carry, the share box."""

from __future__ import annotations

import streamlit as st

from core.expressions import LIMITS
from core.graph import MAX_NODES
from core.graph.modules import LOSSES, MODELS
from core.graph.presets import PRESETS_BY_KEY
from ui.classroom import load_settings_from_url, share_box

DEFAULT_PRESET = "mean"
MODES = ["Your own lines", "An nn.Module"]
DIRECTIONS = ["top to bottom", "left to right"]
# Widget key -> default. These travel in the page's link (🔗 Share this experiment).
SHARED = {
    "ag_mode": MODES[0],
    "ag_source": PRESETS_BY_KEY[DEFAULT_PRESET].source,
    "ag_seed": 0,
    "ag_values": True,
    "ag_saved": False,
    "ag_direction": DIRECTIONS[0],
    "ag_cap": MAX_NODES,
    "ag_module": "mlp",
    "ag_module_loss": "mse",
    "ag_module_seed": 0,
    "ag_module_in": 3,
    "ag_module_hidden": 4,
    "ag_module_layers": 2,
    "ag_module_out": 2,
    "ag_module_batch": 4,
    "ag_module_full": False,
}
SHARED_OPTIONS = {
    "ag_mode": MODES,
    "ag_direction": DIRECTIONS,
    "ag_module": list(MODELS),
    "ag_module_loss": list(LOSSES),
    "ag_seed": list(range(10_001)),
    "ag_module_seed": list(range(10_001)),
    "ag_cap": list(range(10, 401)),
    "ag_module_in": list(range(1, 17)),
    "ag_module_hidden": list(range(1, 33)),
    "ag_module_layers": list(range(2, 9)),
    "ag_module_out": list(range(1, 9)),
    "ag_module_batch": list(range(1, 33)),
}


def load_settings() -> None:
    """Settings from the page's link on the first run, then the defaults for anything unset."""
    linked = st.query_params.get("ag_source", "")
    if "ag_source" not in st.session_state and len(linked) > LIMITS.max_source_chars:
        del st.query_params["ag_source"]  # only a link's program is replaced; typed text never is
        st.warning("The program in the link was too long and was replaced by the default one.")
    load_settings_from_url(SHARED, SHARED_OPTIONS)
    for key, default in SHARED.items():
        st.session_state.setdefault(key, default)
    for key in st.session_state.pop("ag_undrawn", ()):  # see keep()
        st.session_state[key] = st.session_state[key]


EDITOR = ("ag_source", "ag_seed")  # the widgets of "Your own lines" above the graph
OPTIONS = ("ag_values", "ag_saved", "ag_direction", "ag_cap")  # the picture's options
MODULE = tuple(key for key in SHARED if key.startswith("ag_module"))  # "An nn.Module"'s


def keep(keys: tuple[str, ...]) -> None:
    """Keep the values of widgets this run does not draw (call before the run ends). Streamlit
    forgets a widget's value when a run does not draw it, and the browser draws it again with
    its default: the picture options came back as a node cap of 10 (its minimum) after a
    program that failed, and the program itself was lost after a look at the nn.Module graphs.
    Setting the keys now keeps the values on the server; setting them again at the start of the
    next run (load_settings) sends them to the browser with the widget. Only keys of widgets
    not drawn in this run: setting a drawn one every run would overwrite what the student is
    typing when a run ends."""
    for key in keys:
        st.session_state[key] = st.session_state.get(key, SHARED[key])
    st.session_state["ag_undrawn"] = keys


def share() -> None:
    """The sidebar link that reopens this page with the same program and settings."""
    share_box(list(SHARED))
