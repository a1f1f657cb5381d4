"""The SIGNS page's pictures: example rows per class, the augmented pictures, and a batch as it
comes out of the training DataLoader (with its shape, the code behind it, and the timing of the
two input pipelines)."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st
import torch
from PIL import Image

from core.signs import class_examples, picture_row
from core.signs.loader import first_batch, loader_code, time_pipelines
from core.signs.transforms import train_transform, transform_code
from ui.classroom import exclusive_chunk
from ui.signs.charts import class_name

ROW = 16  # pictures per row of a batch
MAX_SHOWN = 64  # pictures of a batch shown (a batch of 256 would fill the screen)


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
    transform = train_transform(config, generator)  # the trainer's v2 pipeline, one image a time
    st.image(
        picture_row(picked, scale=1),
        caption="training pictures as stored",
        alt=f"{len(picked)} training pictures of hands as stored",
    )
    st.image(
        picture_row(torch.stack([transform(image) for image in picked])),
        caption="the same pictures after the v2 transforms the DataLoader applies to each",
        alt=f"The same {len(picked)} pictures flipped, turned or recoloured by the augmentation",
    )
    if st.button("Augment again", key="signs_augment_again"):
        st.session_state["signs_aug_seed"] = st.session_state.get("signs_aug_seed", 0) + 1
        st.rerun()


def _rows(images: torch.Tensor) -> list[torch.Tensor]:
    return [images[start : start + ROW] for start in range(0, len(images), ROW)]


def loader_batch(data, config, data_key: str) -> None:
    """The first batch of an epoch as the training DataLoader gives it: its shape and dtype, the
    labels, the pictures before and after the v2 transforms, the code, and the pipelines' timing."""
    state = st.session_state
    st.subheader("What the DataLoader hands the model")
    st.markdown(
        "The trainer reads the pictures through a `torch.utils.data.Dataset` whose `__getitem__` "
        "passes each one through the `torchvision.transforms.v2` pipeline (the augmentation "
        f"chosen in tab 2), and a `DataLoader` that shuffles them and stacks {config.batch_size} "
        "into one tensor. This is the first batch of an epoch:"
    )
    seed = int(state.get("signs_loader_seed", 0))
    key = (data_key, config.batch_size, config.flip, config.rotation, config.color_jitter, seed)
    kept = state.get("signs_loader_batch")
    if kept is None or kept[0] != key:  # one batch per session, redrawn when its settings change
        kept = (key, first_batch(data.train_images, data.train_labels, config, seed))
        state["signs_loader_batch"] = kept
    batch = kept[1]
    st.code(batch.shape_line, language="python", wrap_lines=True)
    st.caption(
        f"{batch.batches_per_epoch} batches make one epoch of {len(data.train_labels)} training "
        "images; the model's first layer expects exactly this (B, 3, 64, 64) float tensor."
    )
    augmenting = config.flip or config.rotation or config.color_jitter
    shown = batch.stored if augmenting else batch.images
    if len(shown) > MAX_SHOWN:
        st.caption(f"The first {MAX_SHOWN} of the batch's {len(shown)} pictures:")
    for number, row in enumerate(_rows(shown[:MAX_SHOWN]), 1):
        st.image(
            picture_row(row),
            caption=f"batch pictures {ROW * (number - 1) + 1}–{ROW * (number - 1) + len(row)}"
            + (" as stored" if augmenting else ""),
            alt=f"{len(row)} pictures of hands from the batch"
            + (", as stored" if augmenting else ""),
        )
        if augmenting:
            start = ROW * (number - 1)
            st.image(
                picture_row(batch.images[start : start + len(row)]),
                caption="the same pictures as the DataLoader gives them (after the transforms)",
                alt=f"The same {len(row)} pictures flipped, turned or recoloured by the transforms",
            )
    if st.button("Another batch", key="signs_loader_again", help="A new shuffle and new draws."):
        state["signs_loader_seed"] = seed + 1
        st.rerun()
    st.markdown("The transforms of tab 2, as a v2 pipeline the Dataset applies to each picture:")
    st.code(transform_code(config), language="python", wrap_lines=True)
    with st.expander("Show the Dataset and DataLoader code"):
        st.code(loader_code(config), language="python", wrap_lines=True)
    pipeline_timing(data, config)


def pipeline_timing(data, config) -> None:
    """Time both input pipelines on this data with these settings, on request."""
    st.markdown(
        "**Is the DataLoader slower?** The trainer can also read its batches the older way: all "
        "pictures in one tensor, shuffled indices, one augmentation per batch (tab 3's "
        "*Input pipeline*). Time both on these pictures, with no model, only the input:"
    )
    if st.button("Time both pipelines", key="signs_time_pipelines"):
        # with this session's share of the threads, as its training runs (and not during a tick)
        timing = exclusive_chunk(
            lambda: time_pipelines(data.train_images, data.train_labels, config)
        )
        if timing is None:
            st.info("Training is stepping right now: press the button again in a moment.")
            return
        st.session_state["signs_pipeline_timing"] = (
            timing,
            config.batch_size,
            config.rotation,
            config.color_jitter,
            config.flip,
        )
    found = st.session_state.get("signs_pipeline_timing")
    if found is None:
        return
    timing, *settings = found
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "pipeline": "Dataset + v2 transforms + DataLoader",
                    "seconds": timing.loader_seconds,
                    "images/s": timing.images / timing.loader_seconds,
                },
                {
                    "pipeline": "preloaded tensors, batch augmentation",
                    "seconds": timing.tensors_seconds,
                    "images/s": timing.images / timing.tensors_seconds,
                },
            ]
        ).round({"seconds": 3, "images/s": 0}),
        hide_index=True,
    )
    st.caption(
        f"Preparing {timing.images} images (batch size {settings[0]}, rotation ±{settings[1]:g}°, "
        f"jitter {settings[2]:g}, flip {'on' if settings[3] else 'off'}): the DataLoader took "
        f"{timing.ratio:.2f}× the time of the tensor slices. Per-image transforms cost little with a "
        "flip alone, more with rotation and colour jitter; the model's forward and backward pass "
        "usually take far longer than either (tab 3's speed table measures whole runs)."
    )
