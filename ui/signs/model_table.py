"""The SIGNS page's model table: parameter count and layers, worked out once per model."""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch

from core.signs import build_model, layer_table, parameter_count


def model_summary(name: str) -> None:
    """Parameter count and the layer table (output shape per image, parameters per layer)."""
    count, table = _summary(name)
    st.metric("Trainable parameters", f"{count:,}")
    st.dataframe(table, hide_index=True, height=min(400, 36 + 35 * len(table)))


@st.cache_resource(show_spinner=False, max_entries=8)
def _summary(name: str) -> tuple[int, pd.DataFrame]:
    """The model's parameter count and layer table, worked out once per model (read-only)."""
    model = cached_model(name)
    rows = layer_table(model)
    table = pd.DataFrame(
        {
            "layer": [r.name for r in rows],
            "type": [r.kind for r in rows],
            "output shape": [" × ".join(map(str, r.output_shape)) for r in rows],
            "parameters": [r.parameters for r in rows],
        }
    )
    return parameter_count(model), table


@st.cache_resource(show_spinner=False, max_entries=4)
def cached_model(name: str) -> torch.nn.Module:
    """A freshly built model for the layer table, shared read-only by all sessions (its weights
    drawn from its own generator seeded 0, never from torch's global one)."""
    return build_model(name, generator=torch.Generator().manual_seed(0))
