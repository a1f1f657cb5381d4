"""The SIGNS page's plotly charts: images per class, live curves, confusion, softmax bars."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch
from plotly.colors import make_colorscale, sequential

from core.signs import counts_per_class
from ui.accessibility import chart_table
from ui.classroom import lecture_layout
from ui.live_chart import CHART_CONFIG, PALETTE, downsample, readable

# Okabe-Ito vermillion and blue (told apart by every kind of colour vision), and a second cue:
# train has circles and plain bars, validation squares and hatched bars, test dotted bars.
TRAIN_COLOUR, VAL_COLOUR, TEST_COLOUR = PALETTE[0], PALETTE[1], "#6B6E75"
BATCH_COLOUR = "#E69F00"  # Okabe-Ito orange, thin and faint behind the epoch lines
MARKERS = {"train": "circle", "validation": "square"}
PATTERNS = {"train": "", "validation": "/", "test": "."}
MARGIN = dict(l=10, r=10, t=40, b=10)
# Legends sit at the figure's bottom (yref "container"), not at a share of the plot's height: on a
# phone a legend placed at y=-0.25 of the plot crept over the axis titles (as ui/live_chart.py).
BELOW = dict(orientation="h", yref="container", yanchor="bottom", y=0, xanchor="left", x=0)
ORANGES = make_colorscale(sequential.Oranges)  # plotly.js itself knows no "Oranges" by name


def show_chart(data: list[dict], layout: dict, key: str, alt: str) -> None:
    """Draw a figure assembled from plain dicts, skipping plotly's per-property validation: the
    dicts here are fixed and tested, and make_subplots/update_layout cost ~35 ms a redraw, which
    a lecture hall of live charts cannot afford. `alt` describes it to a screen reader."""
    st.plotly_chart(
        go.Figure(data=data, layout=lecture_layout(readable(layout)), _validate=False),
        key=key,
        config=CHART_CONFIG,
        alt=alt,
    )


def class_name(classes: list[str], label: int) -> str:
    """How a class is named on screen: "3" -> "3 fingers"."""
    name = classes[label] if label < len(classes) else str(label)
    return f"{name} finger" + ("" if name == "1" else "s") if name.isdigit() else name


def class_counts(data, classes: list[str]) -> None:
    """Grouped bars: images per class in train, validation and test."""
    names = [class_name(classes, i) for i in range(len(classes))]
    bars = [
        dict(
            type="bar",
            x=names,
            y=counts_per_class(labels, len(classes)),
            name=split,
            marker=dict(color=colour, pattern=dict(shape=PATTERNS[split])),
        )
        for split, labels, colour in [
            ("train", data.train_labels, TRAIN_COLOUR),
            ("validation", data.val_labels, VAL_COLOUR),
            ("test", data.test_labels, TEST_COLOUR),
        ]
    ]
    layout = dict(
        barmode="group",
        height=260,
        margin=dict(MARGIN, t=30),
        title=dict(text="Images per class"),
        legend=BELOW,
    )
    show_chart(
        bars,
        layout,
        key="signs_counts_chart",
        alt="Bars: images per class in the train, validation and test sets; "
        "the table below lists them.",
    )
    chart_table(
        "Images per class",
        pd.DataFrame({"class": names, **{bar["name"]: bar["y"] for bar in bars}}),
    )


def _curve_traces(trainer) -> list[dict]:
    """The batch-loss line and the per-epoch loss and accuracy lines of train and validation."""
    data: list[dict] = []
    losses = trainer.batch_losses
    if losses:
        steps, values = downsample(losses, limit=600)  # keep the chart light on long runs
        data.append(
            dict(
                type="scatter",
                x=(steps + 1) / max(1, trainer.batches_per_epoch),
                y=values,
                mode="lines",
                name="batch loss",
                line=dict(color=BATCH_COLOUR, width=1),
            )
        )
    epochs = trainer.epochs
    if epochs:
        xs = [e.epoch for e in epochs]
        splits = [("train", TRAIN_COLOUR, "train_loss", "train_accuracy")]
        if epochs[0].val_loss is not None:
            splits.append(("validation", VAL_COLOUR, "val_loss", "val_accuracy"))
        for split, colour, loss, accuracy in splits:
            marker = dict(symbol=MARKERS[split], size=8)
            accuracy_axes = dict(
                line=dict(color=colour, dash="dot"), marker=marker, xaxis="x2", yaxis="y2"
            )
            for attribute, what, extra in (
                (loss, "loss", dict(line=dict(color=colour), marker=marker)),
                (accuracy, "accuracy", accuracy_axes),
            ):
                y = [getattr(e, attribute) for e in epochs]
                data.append(
                    dict(
                        type="scatter",
                        x=xs,
                        y=y,
                        mode="lines+markers",
                        name=f"{split} {what}",
                        **extra,
                    )
                )
    return data


def training_curves(trainer, key: str) -> None:
    """Loss (per batch and per epoch) on the left, accuracy (per epoch) on the right."""
    epoch_axis = dict(title=dict(text="epoch"), range=[0, max(1, trainer.config.epochs)])
    titles = [
        dict(
            text=text,
            x=x,
            y=1.0,
            xref="paper",
            yref="paper",
            xanchor="center",
            yanchor="bottom",
            showarrow=False,
            font=dict(size=15),
        )
        for text, x in (("Loss", 0.225), ("Accuracy", 0.775))
    ]
    layout = dict(
        height=330,
        margin=dict(MARGIN, t=30),
        legend=BELOW,
        annotations=titles,
        xaxis=dict(epoch_axis, domain=[0, 0.45]),
        yaxis=dict(anchor="x"),
        xaxis2=dict(epoch_axis, domain=[0.55, 1], anchor="y2"),
        yaxis2=dict(anchor="x2", range=[0, 1.02]),
    )
    epochs = trainer.epochs
    last = epochs[-1] if epochs else None
    summary = (
        f"after epoch {last.epoch}: train loss {last.train_loss:.3f}, "
        f"train accuracy {last.train_accuracy:.1%}"
        if last
        else "no epoch has finished yet"
    )
    show_chart(
        _curve_traces(trainer),
        layout,
        key=key,
        alt=f"Loss per batch and per epoch, and accuracy per epoch; {summary}. "
        "The table below lists every epoch.",
    )
    if epochs:
        chart_table("Loss and accuracy per epoch", epoch_frame(epochs))


def epoch_frame(epochs) -> pd.DataFrame:
    """One row per finished epoch: its loss and accuracy on train (and validation)."""
    rows = []
    for e in epochs:
        row = {"epoch": e.epoch, "train loss": e.train_loss, "train accuracy": e.train_accuracy}
        if e.val_loss is not None:
            row |= {"validation loss": e.val_loss, "validation accuracy": e.val_accuracy}
        rows.append(row)
    return pd.DataFrame(rows)


def confusion_heatmap(confusion: torch.Tensor, classes: list[str], key: str) -> None:
    """Rows: true class, columns: predicted class; the diagonal is what the model got right."""
    names = [class_name(classes, i) for i in range(len(classes))]
    values = confusion.tolist()
    heatmap = dict(
        type="heatmap",
        z=values,
        x=names,
        y=names,
        colorscale=ORANGES,
        text=values,
        texttemplate="%{text}",
        showscale=False,
    )
    layout = dict(
        title=dict(text="Confusion matrix"),
        height=380,
        margin=MARGIN,
        xaxis=dict(title=dict(text="predicted")),
        yaxis=dict(title=dict(text="true"), autorange="reversed"),
    )
    right = sum(values[i][i] for i in range(len(values)))
    show_chart(
        [heatmap],
        layout,
        key=key,
        alt=f"Confusion matrix: true class by row, predicted class by column; {right} of "
        f"{sum(map(sum, values))} test images on the diagonal (right). The table below holds it.",
    )
    chart_table(
        "Confusion matrix (rows: true, columns: predicted)",
        pd.DataFrame(values, columns=names).assign(true=names).set_index("true").reset_index(),
    )


def per_class_bars(per_class: list[float | None], classes: list[str], key: str) -> None:
    """Accuracy of each class on the test set."""
    names = [class_name(classes, i) for i in range(len(classes))]
    bars = dict(
        type="bar",
        x=names,
        y=[v if v is not None else 0 for v in per_class],
        marker=dict(color=TRAIN_COLOUR),
    )
    layout = dict(
        title=dict(text="Accuracy per class"), height=380, margin=MARGIN, yaxis=dict(range=[0, 1])
    )
    shown = [f"{n} {v:.0%}" if v is not None else f"{n} none" for n, v in zip(names, per_class)]
    show_chart([bars], layout, key=key, alt="Test accuracy per class: " + ", ".join(shown) + ".")


def probability_bars(
    probabilities: torch.Tensor, classes: list[str], key: str, height: int = 220, title: str = ""
) -> None:
    """Horizontal softmax bars, the winning class highlighted."""
    values = probabilities.tolist()
    best = int(probabilities.argmax())
    names = [class_name(classes, i) for i in range(len(values))]
    colours = [TRAIN_COLOUR if i == best else "#BBBBBB" for i in range(len(values))]
    bars = dict(
        type="bar",
        x=values,
        y=names,
        orientation="h",
        marker=dict(color=colours),
        text=[f"{v:.0%}" for v in values],
        textposition="outside",
    )
    layout = dict(
        height=height,
        margin=dict(l=10, r=30, t=30 if title else 10, b=10),
        xaxis=dict(range=[0, 1.15], tickformat=".0%"),
        yaxis=dict(autorange="reversed"),
    )
    if title:
        layout["title"] = dict(text=title)
    ranked = sorted(range(len(values)), key=lambda i: -values[i])[:3]
    top = ", ".join(f"{names[i]} {values[i]:.0%}" for i in ranked)
    show_chart([bars], layout, key=key, alt=f"{title or 'Softmax probabilities'}: {top}.")
