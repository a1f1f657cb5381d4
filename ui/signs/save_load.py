"""The SIGNS page's save & load pieces: download weights and settings, upload weights."""

from __future__ import annotations

import streamlit as st

from core.signs import save_checkpoint, trainer_from_checkpoint
from ui.signs.memo import cached


def save_and_load(trainer, config, data, data_key: str) -> None:
    """Download the weights and settings; upload weights to evaluate or train further."""
    st.subheader("Save the trained weights")
    if trainer is None:
        st.info("Train a model first; its weights can then be downloaded here.")
    else:
        blob = cached(
            ("save", id(trainer), trainer.batches_done),
            lambda: save_checkpoint(trainer.model, trainer.config, data.classes),
        )
        c1, c2 = st.columns(2)
        c1.download_button(
            f"Download weights (.pt, {len(blob) / 2**20:.1f} MB)",
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
        st.caption(
            "The .pt file holds the model's state_dict and these settings; read it back with "
            "torch.load(path, weights_only=True)."
        )
    st.subheader("Load weights")
    upload = st.file_uploader(
        "A .pt file saved here or by an exported script (the one-device script's bare "
        "state_dict is matched against the model picked in tab 2)",
        type=["pt", "pth"],
        key="signs_weights_upload",
    )
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
    st.session_state.update(
        signs_trainer=loaded,
        signs_running=False,
        signs_loaded=marker,
        signs_trainer_data=data_key,
        signs_error="",
    )
    st.rerun()
