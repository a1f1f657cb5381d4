"""The SIGNS page's pictures: example rows per class and the augmented batch."""

from __future__ import annotations

import io

import streamlit as st
import torch
from PIL import Image

from core.signs import augment_batch, class_examples, picture_row
from ui.signs.charts import class_name


def sample_grid(
    data_key: str, images: torch.Tensor, labels: torch.Tensor, classes: list[str]
) -> None:
    """One row of example pictures for each class."""
    for label, png in _class_rows(data_key, images, labels, len(classes)):
        name = class_name(classes, label)
        st.image(png, caption=f"{name} ({label})", alt=f"A row of example pictures of {name}")


@st.cache_resource(show_spinner=False, max_entries=8)
def _class_rows(
    data_key: str, _images: torch.Tensor, _labels: torch.Tensor, n_classes: int, per_class: int = 8
) -> list[tuple[int, bytes]]:
    """The rows of `sample_grid` as PNG files, made once per data set (by its key), not per click."""
    rows = []
    for label, pixels in class_examples(_images, _labels, n_classes, per_class):
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="PNG")
        rows.append((label, buffer.getvalue()))
    return rows


def augmented_batch(images: torch.Tensor, labels: torch.Tensor, config, count: int = 8) -> None:
    """The same training pictures before and after the augmentation the trainer applies."""
    if not (config.flip or config.rotation or config.color_jitter):
        st.caption("Augmentation is off: the trainer sees the pictures as they are.")
        return
    picked = images[:count]
    generator = torch.Generator().manual_seed(st.session_state.get("signs_aug_seed", 0))
    st.image(
        picture_row(picked, scale=1),
        caption="training pictures as stored",
        alt=f"{len(picked)} training pictures of hands as stored",
    )
    st.image(
        picture_row(augment_batch(picked, config, generator)),
        caption="the same pictures as one augmented batch sees them",
        alt=f"The same {len(picked)} pictures flipped, turned or recoloured by the augmentation",
    )
    if st.button("Augment again", key="signs_augment_again"):
        st.session_state["signs_aug_seed"] = st.session_state.get("signs_aug_seed", 0) + 1
        st.rerun()
