"""The inspector's image tab: a picture as the 3×H×W tensor ToTensor makes, a heatmap a channel."""

from __future__ import annotations

import streamlit as st

from core.images import ImageError, builtin_picture, read_upload, to_tensor
from core.tensors import value_range
from ui.tensors.values import heatmap


def image_tab() -> None:
    """A picture as the 3×H×W tensor ToTensor makes, with one heatmap per channel."""
    source = st.radio(
        "picture", ["built-in picture", "upload my own"], horizontal=True, key="tns_image_source"
    )
    picture = builtin_picture()
    if source == "upload my own":
        # Any file is accepted here and read by core.images, which names what is wrong in a
        # sentence; a type filter in the widget would refuse a wrong file in a small grey line.
        upload = st.file_uploader("A picture (PNG or JPEG)", key="tns_image_upload")
        if upload is None:
            st.info("Choose a picture to upload; the built-in one is shown meanwhile.")
        else:
            try:
                picture = read_upload(upload.getvalue())
            except ImageError as exc:
                st.error(f"{exc} The built-in picture is shown instead.")
    tensor = to_tensor(picture)
    low, high = value_range(tensor)
    left, right = st.columns([1, 2])
    left.image(
        picture,
        caption=f"{picture.width}×{picture.height} pixels",
        alt=f"The picture being read as a tensor, {picture.width}×{picture.height} pixels",
        width=220,
    )
    right.code(
        "from torchvision import transforms\n"
        "x = transforms.ToTensor()(picture)   # PIL H×W×3 uint8 -> float C×H×W in [0, 1]\n"
        f"x.shape  # {tuple(tensor.shape)}\nx.dtype  # torch.float32\n"
        f"x.min(), x.max()  # ({low:.3f}, {high:.3f})",
        language="python",
        wrap_lines=True,  # no scrolling box, which a keyboard could not reach
    )
    columns = st.columns(3)
    channels = zip(columns, ["red", "green", "blue"], ["Reds", "Greens", "Blues"])
    for channel, (column, name, scale) in enumerate(channels):
        with column:
            heatmap(
                tensor[channel],
                key=f"tns_channel_{channel}",
                title=f"x[{channel}] — {name}",
                max_side=96,
                colorscale=scale,
            )
            low, high = value_range(tensor[channel])
            st.caption(f"range {low:.3f} … {high:.3f}")
