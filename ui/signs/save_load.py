"""The SIGNS page's save & load pieces: the built-in pretrained CNN, download weights and
settings with what the state_dict holds, upload weights, and fine-tuning a new head."""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePath

import pandas as pd
import streamlit as st

from core.signs import ClassifierConfig, save_checkpoint
from core.signs.checkpoint import read_checkpoint, trainer_for
from core.signs.models import DROPOUT_MODELS, MODEL_INFO, constructor_call
from core.signs.pretrained import PRETRAINED_CONFIG, PRETRAINED_DATA, pretrained_checkpoint
from ui.classroom import end_training_turn, link_is_new
from ui.signs import data_source
from ui.signs.memo import cached
from ui.signs.results import UNKNOWN_DATA

WEIGHT_SUFFIXES = (".pt", ".pth")
PRETRAINED_LABEL = "the built-in pretrained small CNN"


def pretrained_settings() -> dict[str, object]:
    """The page's widget values that match the pretrained model's settings and data."""
    c = PRETRAINED_CONFIG
    return {
        "signs_source": "Built-in hands",
        "signs_n_train": PRETRAINED_DATA["n_train"],
        "signs_n_test": PRETRAINED_DATA["n_test"],
        "signs_data_seed": PRETRAINED_DATA["seed"],
        "signs_val": c.val_fraction,
        "signs_model": c.model,
        "signs_optimizer": c.optimizer,
        "signs_lr": c.lr,
        "signs_schedule": c.lr_schedule,
        "signs_batch": c.batch_size,
        "signs_epochs": c.epochs,
        "signs_dropout": c.dropout,
        "signs_wd": c.weight_decay,
        "signs_train_seed": c.seed,
        "signs_flip": c.flip,
        "signs_rotation": int(c.rotation),
        "signs_jitter": c.color_jitter,
    }


def load_pretrained() -> None:
    """Make the pretrained CNN the page's model, with its data and settings picked (run before
    the widgets are drawn: from a button's callback or from a lesson link)."""
    state = st.session_state
    state.update(pretrained_settings())
    choice = data_source.built_in(
        PRETRAINED_DATA["n_train"],
        PRETRAINED_DATA["n_test"],
        PRETRAINED_DATA["seed"],
        PRETRAINED_CONFIG.val_fraction,
    )
    fallback = replace(PRETRAINED_CONFIG, device=state.get("signs_device", "cpu"))
    try:
        checkpoint = read_checkpoint(pretrained_checkpoint(), fallback)
        trainer = trainer_for(checkpoint, choice.data)
    except ValueError as error:  # e.g. the device picked is gone: say so in tab 3
        state["signs_error"] = str(error)
        return
    end_training_turn()
    state.update(
        signs_trainer=trainer,
        signs_running=False,
        signs_loaded=("pretrained", choice.key),
        signs_trainer_data=checkpoint.trained_on,
        signs_error="",
    )


def apply_lesson_start() -> None:
    """A link with `signs_start=pretrained` (a lesson's) starts from the pretrained CNN, once."""
    if link_is_new("signs_start") and st.query_params.get("signs_start") == "pretrained":
        load_pretrained()


def state_dict_table(model) -> pd.DataFrame:
    """One row per entry of the state_dict: its name, shape, dtype and number of values."""
    rows = [
        {
            "key": key,
            "shape": " × ".join(map(str, tensor.shape)) or "scalar",
            "dtype": str(tensor.dtype).removeprefix("torch."),
            "values": tensor.numel(),
        }
        for key, tensor in model.state_dict().items()
    ]
    return pd.DataFrame(rows)


def save_code(config: ClassifierConfig) -> str:
    """Saving and loading a state_dict, for this model."""
    dropout = config.dropout if config.model in DROPOUT_MODELS else 0.0
    build = constructor_call(config.model, dropout, config.num_classes)
    return f"""import torch

# save: only the tensors (the state_dict), not the Python object
torch.save(model.state_dict(), "signs_{config.model}.pt")

# load: build the same model, then pour the tensors in
model = {build}
state = torch.load("signs_{config.model}.pt", map_location="cpu", weights_only=True)
model.load_state_dict(state)   # every key must match: names and shapes
model.eval()                   # before predicting: dropout off, batch norm's running statistics

# this page's .pt holds a dict around the state_dict:
checkpoint = torch.load("signs_{config.model}.pt", weights_only=True)
checkpoint.keys()   # format, config (JSON text), classes, trained_on, state_dict
model.load_state_dict(checkpoint["state_dict"])"""


def pretrained_start() -> None:
    """The button that starts from the built-in pretrained CNN."""
    st.subheader("Start from a trained model")
    st.button(
        "Load the built-in pretrained CNN",
        key="signs_load_pretrained",
        on_click=load_pretrained,
        help="The small course CNN, trained for 6 epochs on the built-in hands (1080 pictures, "
        "seed 0) by `python -m core.signs.pretrained`: about 92% test accuracy, 300 KB.",
    )
    st.caption(
        "No need to wait for a training run: this loads a small course CNN trained on the "
        "built-in hands (its data and settings are picked in tabs 1 and 2). Tab 4 then shows "
        "its results and one picture predicted in train and eval mode."
    )
    if st.session_state.get("signs_loaded", ("",))[0] == "pretrained":
        st.success(f"Loaded {PRETRAINED_LABEL}. Tab 4 shows how it does.")


def save_and_load(trainer, config, data, data_key: str) -> None:
    """The pretrained start, download the weights and settings, what the state_dict holds, and
    upload weights to evaluate or train further."""
    pretrained_start()
    st.subheader("Save the trained weights")
    if trainer is None:
        st.info(
            "Train a model first, or load the pretrained CNN above; its weights can then be "
            "downloaded here."
        )
    else:
        trained_on = st.session_state.get("signs_trainer_data") or UNKNOWN_DATA
        blob = cached(
            ("save", id(trainer), trainer.batches_done),
            lambda: save_checkpoint(trainer.model, trainer.config, trainer.classes, trained_on),
        )
        c1, c2 = st.columns(2)
        c1.download_button(
            f"Download weights (.pt, {len(blob) / 2**20:.2f} MB)",
            blob,
            f"signs_{trainer.config.model}.pt",
            "application/octet-stream",
            key="signs_download_weights",
        )
        c2.download_button(
            "Download settings (.json)",
            trainer.config.to_json(),
            f"signs_{trainer.config.model}.json",
            "application/json",
            key="signs_download_config",
        )
        table = state_dict_table(trainer.model)
        st.markdown(
            f"**Inside the state_dict** of this {MODEL_INFO[trainer.config.model][0]}: "
            f"{len(table)} tensors, {int(table['values'].sum()):,} numbers: the learnt weights "
            "and biases, and batch norm's buffers: its running statistics (learnt without "
            "gradients) and its count of batches seen (num_batches_tracked)."
        )
        st.dataframe(table, hide_index=True, height=min(300, 36 + 35 * len(table)))
        st.code(save_code(trainer.config), language="python", wrap_lines=True)
    load_weights(config, data, data_key)


def load_weights(config, data, data_key: str) -> None:
    """The weights uploader: a .pt or .pth file; anything else gets a sentence."""
    st.subheader("Load weights")
    upload = st.file_uploader(
        "A .pt file saved here or by an exported script (the one-device script's bare "
        "state_dict is matched against the model picked in tab 2)",
        key="signs_weights_upload",
        help="Read with torch.load(..., weights_only=True): only tensors and strings, never code.",
    )
    if upload is None:
        return
    suffix = PurePath(upload.name).suffix.lower()
    if suffix not in WEIGHT_SUFFIXES:
        st.error(
            f"'{upload.name}' is a {suffix or 'file without an extension'} file, not PyTorch "
            "weights: pick a .pt or .pth file, saved by this page (Download weights above) or "
            "by torch.save(model.state_dict(), path)."
        )
        return
    marker = (upload.file_id, data_key)
    if st.session_state.get("signs_loaded") == marker:
        st.success(f"Loaded: {upload.name}. The Results tab shows how these weights do.")
        return
    try:
        checkpoint = read_checkpoint(upload.getvalue(), config)
        loaded = trainer_for(checkpoint, data)
    except ValueError as error:
        st.error(str(error))
        return
    end_training_turn()
    st.session_state.update(
        signs_trainer=loaded,
        signs_running=False,
        signs_loaded=marker,
        signs_trainer_data=checkpoint.trained_on or UNKNOWN_DATA,
        signs_error="",
    )
    st.rerun()
