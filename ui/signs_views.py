"""Display pieces of the SIGNS page: image grids, counts, layer table, live curves, results."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch
from PIL import Image
from plotly.colors import make_colorscale, sequential

from core.classifier import augment_batch, save_checkpoint, trainer_from_checkpoint
from core.models import MODEL_INFO, build_model, layer_table, parameter_count
from ui.live_chart import downsample

TRAIN_COLOUR, VAL_COLOUR, BATCH_COLOUR = "#EE4C2C", "#1F77B4", "#F4A582"
CHART_CONFIG = {"displaylogo": False}
MARGIN = dict(l=10, r=10, t=40, b=10)
ORANGES = make_colorscale(sequential.Oranges)  # plotly.js itself knows no "Oranges" by name


def show_chart(data: list[dict], layout: dict, key: str) -> None:
    """Draw a figure assembled from plain dicts, skipping plotly's per-property validation: the
    dicts here are fixed and tested, and make_subplots/update_layout cost ~35 ms a redraw, which
    a lecture hall of live charts cannot afford."""
    st.plotly_chart(go.Figure(data=data, layout=layout, _validate=False), key=key, config=CHART_CONFIG)


def to_pixels(images: torch.Tensor, scale: int = 1) -> np.ndarray:
    """(N, 3, H, W) floats in [0, 1] -> one row of pictures (H*scale, N*(W*scale+2), 3) uint8."""
    images = images.detach().cpu().clamp(0, 1)
    if scale > 1:
        images = torch.nn.functional.interpolate(images, scale_factor=scale, mode="nearest")
    padded = torch.nn.functional.pad(images, (1, 1, 0, 0), value=1.0)  # white gap between pictures
    row = torch.cat(list(padded), dim=2) if len(padded) else torch.ones(3, 64, 2)
    return (row.permute(1, 2, 0) * 255).round().byte().numpy()


def class_name(classes: list[str], label: int) -> str:
    """How a class is named on screen: "3" -> "3 fingers"."""
    name = classes[label] if label < len(classes) else str(label)
    return f"{name} finger" + ("" if name == "1" else "s") if name.isdigit() else name


def sample_grid(data_key: str, images: torch.Tensor, labels: torch.Tensor, classes: list[str]) -> None:
    """One row of example pictures for each class."""
    for label, png in _class_rows(data_key, images, labels, len(classes)):
        st.image(png, caption=f"{class_name(classes, label)} ({label})")


@st.cache_resource(show_spinner=False, max_entries=8)
def _class_rows(data_key: str, _images: torch.Tensor, _labels: torch.Tensor, n_classes: int,
                per_class: int = 8) -> list[tuple[int, bytes]]:
    """The rows of `sample_grid` as PNG files, made once per data set (by its key), not per click."""
    rows = []
    for label in range(n_classes):
        members = torch.nonzero(_labels == label).flatten()[:per_class]
        if len(members):
            buffer = io.BytesIO()
            Image.fromarray(to_pixels(_images[members])).save(buffer, format="PNG")
            rows.append((label, buffer.getvalue()))
    return rows


def class_counts(data, classes: list[str]) -> None:
    """Grouped bars: images per class in train, validation and test."""
    names = [class_name(classes, i) for i in range(len(classes))]
    bars = [
        dict(type="bar", x=names, y=torch.bincount(labels.cpu(), minlength=len(classes))[: len(classes)].tolist(),
             name=split, marker=dict(color=colour))
        for split, labels, colour in [
            ("train", data.train_labels, TRAIN_COLOUR),
            ("validation", data.val_labels, VAL_COLOUR),
            ("test", data.test_labels, "#7F7F7F"),
        ]
    ]
    layout = dict(barmode="group", height=260, margin=dict(MARGIN, t=30), title=dict(text="Images per class"))
    show_chart(bars, layout, key="signs_counts_chart")


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


def training_curves(trainer, key: str) -> None:
    """Loss (per batch and per epoch) on the left, accuracy (per epoch) on the right."""
    data: list[dict] = []
    losses = trainer.batch_losses
    if losses:
        steps, values = downsample(losses, limit=600)  # keep the chart light on long runs
        data.append(dict(type="scatter", x=(steps + 1) / max(1, trainer.batches_per_epoch), y=values, mode="lines",
                         name="batch loss", line=dict(color=BATCH_COLOUR, width=1)))
    epochs = trainer.epochs
    if epochs:
        xs = [e.epoch for e in epochs]
        splits = [("train", TRAIN_COLOUR, "train_loss", "train_accuracy")]
        if epochs[0].val_loss is not None:
            splits.append(("validation", VAL_COLOUR, "val_loss", "val_accuracy"))
        for split, colour, loss, accuracy in splits:
            data.append(dict(type="scatter", x=xs, y=[getattr(e, loss) for e in epochs], mode="lines+markers",
                             name=f"{split} loss", line=dict(color=colour)))
            data.append(dict(type="scatter", x=xs, y=[getattr(e, accuracy) for e in epochs], mode="lines+markers",
                             name=f"{split} accuracy", line=dict(color=colour, dash="dot"), xaxis="x2", yaxis="y2"))
    epoch_axis = dict(title=dict(text="epoch"), range=[0, max(1, trainer.config.epochs)])
    titles = [dict(text=text, x=x, y=1.0, xref="paper", yref="paper", xanchor="center", yanchor="bottom",
                   showarrow=False, font=dict(size=15)) for text, x in (("Loss", 0.225), ("Accuracy", 0.775))]
    layout = dict(
        height=330, margin=dict(MARGIN, t=30), legend=dict(orientation="h", y=-0.25), annotations=titles,
        xaxis=dict(epoch_axis, domain=[0, 0.45]), yaxis=dict(anchor="x"),
        xaxis2=dict(epoch_axis, domain=[0.55, 1], anchor="y2"), yaxis2=dict(anchor="x2", range=[0, 1.02]),
    )
    show_chart(data, layout, key=key)


def progress_line(trainer) -> str:
    """ "epoch 3 of 12 · batch 80 of 324 · 235 images/s · about 20 s left" """
    parts = [
        f"epoch {min(trainer.epoch + 1, trainer.config.epochs)} of {trainer.config.epochs}",
        f"batch {trainer.batches_done} of {trainer.total_batches}",
    ]
    if trainer.images_per_second:
        parts.append(f"{trainer.images_per_second:,.0f} images/s")
    left = trainer.seconds_left
    if left is not None and not trainer.done:
        parts.append(f"about {left:.0f} s left" if left < 90 else f"about {left / 60:.0f} min left")
    return " · ".join(parts)


def confusion_heatmap(confusion: torch.Tensor, classes: list[str], key: str) -> None:
    """Rows: true class, columns: predicted class; the diagonal is what the model got right."""
    names = [class_name(classes, i) for i in range(len(classes))]
    values = confusion.tolist()
    heatmap = dict(type="heatmap", z=values, x=names, y=names, colorscale=ORANGES, text=values,
                   texttemplate="%{text}", showscale=False)
    layout = dict(title=dict(text="Confusion matrix"), height=380, margin=MARGIN, xaxis=dict(title=dict(text="predicted")),
                  yaxis=dict(title=dict(text="true"), autorange="reversed"))
    show_chart([heatmap], layout, key=key)


def per_class_bars(per_class: list[float | None], classes: list[str], key: str) -> None:
    """Accuracy of each class on the test set."""
    names = [class_name(classes, i) for i in range(len(classes))]
    bars = dict(type="bar", x=names, y=[v if v is not None else 0 for v in per_class], marker=dict(color=TRAIN_COLOUR))
    layout = dict(title=dict(text="Accuracy per class"), height=380, margin=MARGIN, yaxis=dict(range=[0, 1]))
    show_chart([bars], layout, key=key)


def probability_bars(probabilities: torch.Tensor, classes: list[str], key: str, height: int = 220, title: str = "") -> None:
    """Horizontal softmax bars, the winning class highlighted."""
    values = probabilities.tolist()
    best = int(probabilities.argmax())
    names = [class_name(classes, i) for i in range(len(values))]
    colours = [TRAIN_COLOUR if i == best else "#BBBBBB" for i in range(len(values))]
    bars = dict(type="bar", x=values, y=names, orientation="h", marker=dict(color=colours),
                text=[f"{v:.0%}" for v in values], textposition="outside")
    layout = dict(height=height, margin=dict(l=10, r=30, t=30 if title else 10, b=10),
                  xaxis=dict(range=[0, 1.15], tickformat=".0%"), yaxis=dict(autorange="reversed"))
    if title:
        layout["title"] = dict(text=title)
    show_chart([bars], layout, key=key)


def mistakes(images: torch.Tensor, evaluation, classes: list[str], limit: int = 8) -> None:
    """The test images the model got wrong, most confident first, each with its softmax bars."""
    wrong = evaluation.misclassified[:limit]
    if not wrong:
        st.success("No test image is misclassified.")
        return
    st.caption(
        f"{len(evaluation.misclassified)} of {len(evaluation.labels)} test images are misclassified; "
        f"the {len(wrong)} the model was surest about:"
    )
    columns = st.columns(4)
    for slot, index in enumerate(wrong):
        with columns[slot % 4]:
            true, predicted = int(evaluation.labels[index]), int(evaluation.predictions[index])
            st.image(to_pixels(images[index : index + 1], scale=2), caption=f"true {classes[true]} → predicted {classes[predicted]}")
            probability_bars(evaluation.probabilities[index], classes, key=f"signs_mistake_{slot}", height=180)


def mode_table(train_rows: torch.Tensor, eval_rows: torch.Tensor, classes: list[str]) -> pd.DataFrame:
    """One row per prediction: mode, repeat number, the probability of each class, the winner."""
    records = []
    for mode, rows in [("model.train()", train_rows), ("model.eval()", eval_rows)]:
        for repeat, row in enumerate(rows, start=1):
            record = {"mode": mode, "try": repeat}
            record.update({class_name(classes, i): f"{p:.1%}" for i, p in enumerate(row.tolist())})
            record["prediction"] = class_name(classes, int(row.argmax()))
            records.append(record)
    return pd.DataFrame(records)


def throughput_table(runs: list[dict]) -> None:
    """Images per second measured on each device so far in this session."""
    if not runs:
        return
    st.caption("Training speed measured in this session (forward + backward + optimizer step):")
    st.dataframe(pd.DataFrame(runs).drop(columns=["run"], errors="ignore"), hide_index=True)


@st.cache_resource(show_spinner=False, max_entries=4)
def cached_model(name: str) -> torch.nn.Module:
    """A freshly built model for the layer table, shared read-only by all sessions."""
    torch.manual_seed(0)
    return build_model(name)


def cached(key, compute):
    """Per-session memo for expensive results (evaluation, checkpoint bytes): the last few keys."""
    memo = st.session_state.setdefault("signs_memo", {})
    if key not in memo:
        if len(memo) >= 4:
            memo.pop(next(iter(memo)))
        memo[key] = compute()
    return memo[key]


def augmented_batch(images: torch.Tensor, labels: torch.Tensor, config, count: int = 8) -> None:
    """The same training pictures before and after the augmentation the trainer applies."""
    if not (config.flip or config.rotation or config.color_jitter):
        st.caption("Augmentation is off: the trainer sees the pictures as they are.")
        return
    picked = images[:count]
    generator = torch.Generator().manual_seed(st.session_state.get("signs_aug_seed", 0))
    st.image(to_pixels(picked, scale=1), caption="training pictures as stored")
    st.image(to_pixels(augment_batch(picked, config, generator)), caption="the same pictures as one augmented batch sees them")
    if st.button("Augment again", key="signs_augment_again"):
        st.session_state["signs_aug_seed"] = st.session_state.get("signs_aug_seed", 0) + 1
        st.rerun()


def record_speed(runs: list[dict], trainer) -> None:
    """Add (or update) this run's measured images/s in the session's speed table."""
    row = {
        "device": trainer.config.device,
        "model": MODEL_INFO[trainer.config.model][0],
        "batch size": trainer.config.batch_size,
        "images/s": round(trainer.images_per_second, 1),
        "images": trainer.images_seen,
    }
    runs[:] = [r for r in runs if r.get("run") != id(trainer)] + [{**row, "run": id(trainer)}]
    if len(runs) > 12:
        del runs[0]


def results_summary(result, classes: list[str]) -> None:
    """Test accuracy, per-class accuracy and the confusion matrix."""
    c1, c2, c3 = st.columns(3)
    c1.metric("Test accuracy", f"{result.accuracy:.1%}")
    c2.metric("Test loss", f"{result.loss:.3f}")
    c3.metric("Misclassified", f"{len(result.misclassified)} of {len(result.labels)}")
    c1, c2 = st.columns(2)
    with c1:
        confusion_heatmap(result.confusion, classes, key="signs_confusion")
    with c2:
        per_class_bars(result.per_class_accuracy, classes, key="signs_per_class")


def save_and_load(trainer, config, data, data_key: str) -> None:
    """Download the weights and settings; upload weights to evaluate or train further."""
    st.subheader("Save the trained weights")
    if trainer is None:
        st.info("Train a model first; its weights can then be downloaded here.")
    else:
        blob = cached(("save", id(trainer), trainer.batches_done), lambda: save_checkpoint(trainer.model, trainer.config, data.classes))
        c1, c2 = st.columns(2)
        c1.download_button(f"Download weights (.pt, {len(blob) / 2**20:.1f} MB)", blob, f"signs_{trainer.config.model}.pt",
                           "application/octet-stream", key="signs_download_weights")
        c2.download_button("Download settings (.json)", trainer.config.to_json(), f"signs_{trainer.config.model}.json",
                           "application/json", key="signs_download_config")
        st.caption("The .pt file holds the model's state_dict and these settings; read it back with "
                   "torch.load(path, weights_only=True).")
    st.subheader("Load weights")
    upload = st.file_uploader("A .pt file saved here or by the exported script (a bare state_dict is matched "
                              "against the model picked in tab 2)", type=["pt", "pth"], key="signs_weights_upload")
    if upload is None:
        return
    marker = (upload.file_id, data_key)
    if st.session_state.get("signs_loaded") == marker:
        st.success(f"Loaded: {upload.name}. The Results tab shows how these weights do.")
        return
    try:
        loaded = trainer_from_checkpoint(upload.getvalue(), config, data)
    except ValueError as error:
        st.error(str(error))
        return
    st.session_state.update(signs_trainer=loaded, signs_running=False, signs_loaded=marker, signs_trainer_data=data_key, signs_error="")
    st.rerun()
