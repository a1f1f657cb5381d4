"""Save and load SIGNS weights: a `.pt` file of plain tensors and strings, checked on the way in."""

from __future__ import annotations

import io
import pickle
from dataclasses import replace

import torch
from torch import nn

from core.signs.config import ClassifierConfig, ClassifierError
from core.signs.data import TensorData
from core.signs.models import MODEL_INFO, build_model
from core.signs.train import ClassifierTrainer

MAX_CHECKPOINT_BYTES = 200 * 2**20  # ResNet-18's weights are ~45 MB
CHECKPOINT_FORMAT = "torch-playground-signs/1"


def save_checkpoint(model: nn.Module, config: ClassifierConfig, classes: list[str]) -> bytes:
    """The model's state_dict with its config (JSON text) and class names, as `.pt` bytes.

    Everything inside is a tensor, a string or a list of strings, so it loads back with
    `torch.load(..., weights_only=True)`.
    """
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    buffer = io.BytesIO()
    torch.save(
        {
            "format": CHECKPOINT_FORMAT,
            "config": config.to_json(),
            "classes": list(classes),
            "state_dict": state,
        },
        buffer,
    )
    return buffer.getvalue()


def load_checkpoint(
    blob: bytes, fallback: ClassifierConfig
) -> tuple[ClassifierConfig, dict, list[str]]:
    """Read `.pt` bytes: (config, state_dict checked against that config's model, classes).

    Accepts what `save_checkpoint` writes, or a bare state_dict (as the exported script saves),
    which is then matched against `fallback`'s model. Anything else is a ClassifierError.
    """
    if len(blob) > MAX_CHECKPOINT_BYTES:
        raise ClassifierError(
            f"The file is {len(blob) / 2**20:.0f} MB; weights for these models are at most "
            f"{MAX_CHECKPOINT_BYTES // 2**20} MB. Pick the .pt file this page saved."
        )
    try:
        loaded = torch.load(io.BytesIO(blob), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise ClassifierError(
            "The file holds Python objects other than tensors, so it was not loaded: only plain "
            "state_dicts are read, for safety. Save with torch.save(model.state_dict(), path)."
        ) from None
    except Exception:
        raise ClassifierError(
            "This file is not a PyTorch weights file. Upload a .pt file saved by this page or by "
            "torch.save(model.state_dict(), path)."
        ) from None
    config, classes = fallback, [str(i) for i in range(6)]
    if isinstance(loaded, dict) and loaded.get("format") == CHECKPOINT_FORMAT:
        config = replace(
            ClassifierConfig.from_json(loaded.get("config", "")), device=fallback.device
        )
        if isinstance(loaded.get("classes"), list):
            classes = [str(c) for c in loaded["classes"]][: config.num_classes]
        state = loaded.get("state_dict")
    else:
        state = loaded
    if (
        not isinstance(state, dict)
        or not state
        or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items())
    ):
        raise ClassifierError(
            "The file is a PyTorch file but not a state_dict (a mapping of layer names to tensors). "
            "Save with torch.save(model.state_dict(), path)."
        )
    state = {k.removeprefix("module."): v for k, v in state.items()}  # saved from DataParallel
    check_state_dict(state, config)
    return config, state, classes


def check_state_dict(state: dict, config: ClassifierConfig) -> None:
    """Raise ClassifierError with a sentence unless `state` fits `config.model` exactly."""
    expected = build_model(config.model, dropout=0.0, num_classes=config.num_classes).state_dict()
    label = MODEL_INFO[config.model][0]
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(
                f"{len(missing)} layer(s) the {label} needs are missing (first: '{missing[0]}')"
            )
        if unexpected:
            parts.append(f"{len(unexpected)} are not in the {label} (first: '{unexpected[0]}')")
        raise ClassifierError(
            f"These weights do not belong to the {label}: {' and '.join(parts)}. "
            "Pick the model they were trained with, or upload weights saved from this model."
        )
    for key, tensor in expected.items():
        if tuple(state[key].shape) != tuple(tensor.shape):
            raise ClassifierError(
                f"The weights do not fit the {label}: '{key}' has shape {tuple(state[key].shape)} in "
                f"the file but {tuple(tensor.shape)} in the model."
            )


def trainer_from_checkpoint(
    blob: bytes, fallback: ClassifierConfig, data: TensorData
) -> ClassifierTrainer:
    """A trainer whose model holds the uploaded weights (ready to evaluate or to train further)."""
    config, state, _classes = load_checkpoint(blob, fallback)
    trainer = ClassifierTrainer(config, data)
    trainer.model.load_state_dict(state)
    return trainer
