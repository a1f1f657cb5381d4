"""Tensor inspector: build a tensor, transform it step by step, and see exactly what PyTorch did."""

import streamlit as st

from core.devices import available_devices
from core.tensors import (
    CONSTRUCTORS,
    DTYPES,
    PRESETS,
    InspectorError,
    steps_from_text,
    steps_to_text,
)
from ui.classroom import link_is_new, load_settings_from_url, share_box
from ui.tensors import TABS
from ui.tensors.build_tab import build_tab, load_preset
from ui.tensors.image_tab import image_tab
from ui.tensors.numpy_tab import numpy_bridge_tab
from ui.tensors.regression_tab import SETTINGS as REGRESSION_SETTINGS
from ui.tensors.regression_tab import regression_tab
from ui.tensors.table_tab import table_tab

SHARED = {  # widget key -> default; these travel in the page's link
    "tns_constructor": "arange",
    "tns_values": "[[1, 2], [3, 4]]",
    "tns_shape": "2, 3",
    "tns_start": 0.0,
    "tns_end": 12.0,
    "tns_step": 1.0,
    "tns_steps": 5,
    "tns_fill": 7.0,
    "tns_dtype": "float32",
    "tns_device": "cpu",
    "tns_requires_grad": False,
    "tns_seed": 0,
    **REGRESSION_SETTINGS,
}
first_visit = "tns_pipeline" not in st.session_state
load_settings_from_url(
    SHARED,
    {
        "tns_constructor": list(CONSTRUCTORS),
        "tns_dtype": list(DTYPES),
        "tns_device": available_devices(),
    },
)
for widget_key, default in {**SHARED, "tns_pipeline": []}.items():
    st.session_state.setdefault(widget_key, default)
if first_visit and "tns_pipe" in st.query_params:
    try:
        st.session_state["tns_pipeline"] = steps_from_text(st.query_params["tns_pipe"])
    except InspectorError as exc:
        st.warning(str(exc))
# A lesson link names a preset and a tab: applied once per lesson, even on a page seen before.
if link_is_new("tns_preset") and "tns_preset" in st.query_params:
    name = st.query_params["tns_preset"]
    if name in PRESETS:
        load_preset(name)
    else:
        st.warning(f"The link names a preset the inspector does not have ({name[:40]!r}).")
    del st.query_params["tns_preset"]  # applied: the share link carries the steps from now on
if link_is_new("tns_tab") and st.query_params.get("tns_tab") in TABS:
    st.session_state["tns_tab"] = TABS[st.query_params["tns_tab"]]

st.title("🧊 Tensor inspector")
st.caption(
    "Build a tensor, transform it step by step, and see exactly what PyTorch does with shapes and memory."
)
build, numpy, regression, table, picture = st.tabs(
    list(TABS.values()), key="tns_tab", on_change="rerun"
)
with build:
    current = build_tab()
with numpy:
    numpy_bridge_tab(current)
with regression:
    regression_tab()
with table:
    table_tab()
with picture:
    image_tab()
tab_key = next((k for k, label in TABS.items() if label == st.session_state.get("tns_tab")), "")
extra = {"tns_pipe": steps_to_text(st.session_state["tns_pipeline"]), "tns_tab": tab_key or "build"}
share_box(list(SHARED), extra)
