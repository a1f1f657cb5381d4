"""The inspector's views of one tensor: metadata, values table, heatmap, slices, broadcasting."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch
from plotly.colors import get_colorscale

from core.tensors import Stage, as_image, describe, heatmap_values, slice_2d, values_frame
from ui.classroom import lecture_layout
from ui.live_chart import CHART_CONFIG, readable


def heatmap(
    matrix: torch.Tensor, key: str, title: str = "", max_side: int = 96, colorscale: str = "Viridis"
) -> None:
    """A plotly heatmap of a 2-D tensor, block-averaged down to max_side per side. The figure is
    assembled from plain dicts without plotly's per-property validation (up to four heatmaps
    redraw on every click on this page)."""
    z = heatmap_values(matrix, max_side)
    shrunk = z.shape != tuple(matrix.shape)
    text = title + (f" (shown at {z.shape[0]}×{z.shape[1]}, block means)" if shrunk else "")
    layout = {
        "height": 320,
        "margin": {"l": 10, "r": 10, "t": 40 if title or shrunk else 10, "b": 10},
        "yaxis": {"autorange": "reversed", "title": {"text": "row"}},
        "xaxis": {"title": {"text": "column"}},
    }
    if text:
        layout["title"] = {"text": text}
    trace = {
        "type": "heatmap",
        "z": z,
        "colorscale": get_colorscale(colorscale),
        "colorbar": {"thickness": 12},
    }
    st.plotly_chart(
        go.Figure(data=[trace], layout=lecture_layout(readable(layout)), _validate=False),
        key=key,
        width="stretch",
        config=CHART_CONFIG,
        alt=f"Heatmap of a {matrix.shape[0]}×{matrix.shape[1]} matrix"
        + (f" ({title})" if title else "")
        + f", values from {float(z.min()):.4g} to {float(z.max()):.4g}.",
    )


def metadata_table(stage: Stage, previous: Stage | None) -> None:
    """The facts about a tensor as a two-column table."""
    info = describe(stage.tensor, previous.tensor if previous is not None else None)
    st.table(pd.DataFrame({"value": [str(v) for v in info.values()]}, index=list(info)))


def broadcast_table(report: dict) -> None:
    """Both shapes aligned from the right, and the result shape."""
    frame = pd.DataFrame(report["rows"]).astype(str).replace("None", "")
    st.markdown(f"**Broadcast:** result shape `{report['result']}` — aligned from the right:")
    st.table(frame.set_index("dim"))


def show_values(tensor: torch.Tensor, key: str) -> None:
    """Values as a table and heatmap; a slice picker first for 3-D/4-D; an image view for 3×H×W."""
    if tensor.numel() == 0:
        st.info("This tensor has no elements (a size is 0), so there are no values to show.")
        return
    shown = tensor
    if tensor.dim() > 2:
        st.markdown(
            f"**{tensor.dim()}-D tensor**: pick the indices of the leading dims to see one 2-D slice."
        )
        columns = st.columns(tensor.dim() - 2)
        leading = tuple(
            int(
                column.number_input(
                    f"index in dim {dim}", 0, tensor.shape[dim] - 1, 0, key=f"{key}_dim{dim}"
                )
            )
            for dim, column in enumerate(columns)
        )
        shown = slice_2d(tensor, leading)
        st.caption(f"Showing x[{', '.join(map(str, leading))}, :, :] of shape {tuple(shown.shape)}")
    frame = values_frame(shown)
    st.dataframe(frame, width="stretch", height=min(40 + 35 * len(frame), 360))
    rows, cols = (1, shown.numel()) if shown.dim() < 2 else tuple(shown.shape)
    if rows > len(frame) or cols > len(frame.columns):
        st.caption(
            f"Table cut to {len(frame)}×{len(frame.columns)} of {rows}×{cols}; the heatmap shows all of it."
        )
    if shown.dim() == 2:
        heatmap(shown, key=f"{key}_heatmap")
    else:
        st.caption("A heatmap needs two dims; add an unsqueeze step to see this as a 1×N matrix.")
    picture = as_image(tensor)
    if picture is not None:
        st.image(
            picture,
            caption=f"The same tensor read as a picture ({tuple(tensor.shape)} → H×W×C)",
            alt=f"The tensor of shape {tuple(tensor.shape)} drawn as a picture",
            width=240,
        )
