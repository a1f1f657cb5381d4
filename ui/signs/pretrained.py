"""The SIGNS page's pretrained models: Torch Hub's code (no download here), and fine-tuning a
trained model for real: freeze its backbone, train a new head, see which parameters changed."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from core.signs.checkpoint import Checkpoint, trainer_for
from core.signs.finetune import FINETUNE_LR, fine_tune, head_name
from ui.classroom import one_off_in_turn
from ui.signs.settings import open_from_link


def attribute_path(name: str) -> str:
    """A module name as Python reaches it: "classifier.5" -> "classifier[5]", "fc" -> "fc"."""
    return "".join(
        f"[{p}]" if p.isdigit() else (f".{p}" if i else p) for i, p in enumerate(name.split("."))
    )


HUB_CODE = """import torch
import torchvision
from torchvision.models import resnet18, ResNet18_Weights

# torchvision: the architecture plus weights learnt on ImageNet (downloaded once, then cached)
weights = ResNet18_Weights.DEFAULT                 # = ResNet18_Weights.IMAGENET1K_V1
model = resnet18(weights=weights)
preprocess = weights.transforms()                  # the resize and normalisation it was trained with

# Torch Hub: any repository with a hubconf.py
model = torch.hub.load("pytorch/vision", "resnet18", weights="IMAGENET1K_V1")
torch.hub.list("pytorch/vision")                   # what that repository offers

# offline: weights someone gave you as a file
model = resnet18()
model.load_state_dict(torch.load("resnet18.pt", weights_only=True))"""

FINETUNE_CODE = """import torch
from torch import nn

model.requires_grad_(False)                        # freeze the backbone: no gradients, no updates
model.{head} = nn.Linear(model.{head}.in_features, {classes})   # a new head: trainable
optimizer = torch.optim.Adam(                      # give the optimizer only what still learns
    [p for p in model.parameters() if p.requires_grad], lr={lr:g})
model.eval()                                       # batch norm keeps its learnt statistics
model.{head}.train()
for images, labels in train_loader:
    loss = nn.functional.cross_entropy(model(images), labels)
    optimizer.zero_grad()
    loss.backward()                                # gradients reach the new head only
    optimizer.step()"""


def hub_section() -> None:
    """Pretrained models from torchvision and Torch Hub: the real code, and why not here."""
    st.info(
        "This server cannot download weights (it has no internet access): torchvision and "
        "torch.hub fetch them from download.pytorch.org or GitHub the first time, then keep "
        "them in ~/.cache/torch. Here is the code for a machine that can; below, what works "
        "offline, for real: weights you upload (Load weights above, read with "
        "torch.load(weights_only=True)), or the built-in pretrained CNN, then fine-tuning."
    )
    st.code(HUB_CODE, language="python", wrap_lines=True)


def change_table(changes) -> pd.DataFrame:
    """The fine-tuning table: one row per tensor, trainable or not, changed or not."""
    return pd.DataFrame(
        {
            "name": [c.name for c in changes],
            "kind": [c.kind for c in changes],
            "shape": [" × ".join(map(str, c.shape)) for c in changes],
            "trainable (requires_grad)": ["yes" if c.trainable else "no" for c in changes],
            "changed by training": ["yes" if c.changed else "no" for c in changes],
        }
    )


def fine_tune_section(trainer, data, data_key: str) -> None:
    """Freeze the page's model, train a new head for the data of tab 1, and show what moved."""
    state = st.session_state
    st.markdown("**Fine-tuning: freeze the backbone, train a new head**")
    if trainer is None:
        st.info("Load the built-in pretrained CNN (top of this tab) or train a model first.")
        return
    if state["signs_running"]:
        st.info("Training is running: fine-tune once it stops.")
        return
    classes = data.classes
    st.caption(
        f"The new head gets {len(classes)} outputs, one per class of the data in tab 1 "
        f"({', '.join(classes)}): pick your own hand signs there to teach this backbone new "
        "classes. Only the head learns; everything else stays as the backbone learnt it."
    )
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    batches = c1.select_slider(
        "Batches to train the head", [10, 20, 40, 80], 20, key="signs_ft_batches"
    )
    if c2.button("Freeze and train a new head", key="signs_finetune", type="primary"):
        try:
            turn, done = one_off_in_turn(
                lambda: fine_tune(
                    trainer.model, data, batches=int(batches), seed=trainer.config.seed
                )
            )
        except ValueError as error:
            st.error(str(error))
            return
        if not turn:
            st.warning("The server stayed busy for a minute: press the button again soon.")
            return
        if done is None:
            st.warning("Another run of this page is training: try again in a moment.")
            return
        config = replace(trainer.config, num_classes=len(classes), device=trainer.config.device)
        tuned = trainer_for(Checkpoint(config, done.model.state_dict(), list(classes)), data)
        state.update(
            signs_trainer=tuned,
            signs_trainer_data=data_key,
            signs_loaded=("fine-tuned", data_key),
            signs_finetuned=(id(tuned), done),
        )
        st.rerun()
    mine, done = state.get("signs_finetuned", (None, None))
    if done is None or mine != id(trainer):  # shown for the model it made, until another comes
        st.code(
            FINETUNE_CODE.format(
                head=attribute_path(head_name(trainer.model)), classes=len(classes), lr=FINETUNE_LR
            ),
            language="python",
            wrap_lines=True,
        )
        return
    table = change_table(done.changes)
    trainable = table["trainable (requires_grad)"] == "yes"
    changed = table["changed by training"] == "yes"
    st.success(
        f"Trained the new head ({done.head}) for {len(done.losses)} batches: loss "
        f"{done.losses[0]:.3f} → {done.losses[-1]:.3f}. {int(trainable.sum())} of {len(table)} "
        f"tensors were trainable and {int(changed.sum())} changed"
        + (": exactly the trainable ones." if (trainable == changed).all() else ".")
        + " The fine-tuned model is now the page's model: tab 4 scores it."
    )
    st.markdown("**Which parameters changed** (each tensor compared before and after training)")
    st.dataframe(table, hide_index=True, height=min(400, 36 + 35 * len(table)))
    st.code(
        FINETUNE_CODE.format(head=attribute_path(done.head), classes=len(classes), lr=FINETUNE_LR),
        language="python",
        wrap_lines=True,
    )


def pretrained_section(trainer, data, data_key: str) -> None:
    """The expander (a lesson link with signs_open=pretrained opens it): Torch Hub's code,
    then fine-tuning for real."""
    open_from_link("signs_pretrained_open", "pretrained")
    with st.expander(
        "Pretrained models: Torch Hub, and fine-tuning a new head",
        key="signs_pretrained_open",
        on_change="rerun",
    ):
        hub_section()
        fine_tune_section(trainer, data, data_key)
