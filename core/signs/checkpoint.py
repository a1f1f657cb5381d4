"""Save and load SIGNS weights: a `.pt` file of plain tensors and strings, checked on the way in."""

from __future__ import annotations

import io
import pickle
import re
import zipfile
from dataclasses import dataclass, replace

import torch
from torch import nn

from core.signs.config import ClassifierConfig, ClassifierError
from core.signs.data import TensorData
from core.signs.models import MODEL_INFO, build_model
from core.signs.train import ClassifierTrainer

MAX_CHECKPOINT_BYTES = 200 * 2**20  # ResNet-18's weights are ~45 MB
CHECKPOINT_FORMAT = "torch-playground-signs/1"


def save_checkpoint(
    model: nn.Module, config: ClassifierConfig, classes: list[str], trained_on: str = ""
) -> bytes:
    """The model's state_dict with its config (JSON text), class names and the data it was
    trained on (`trained_on`, the page's name for that data set), as `.pt` bytes.

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
            "trained_on": str(trained_on),
            "state_dict": state,
        },
        buffer,
    )
    return buffer.getvalue()


@dataclass(frozen=True)
class Checkpoint:
    """What a `.pt` file gave: settings, weights (checked against the model), class names, and
    the data it was trained on ("" when the file does not say: a bare state_dict)."""

    config: ClassifierConfig
    state_dict: dict
    classes: list[str]
    trained_on: str = ""


PICTURE_MAGIC = {  # first bytes -> what the file really is
    b"\xff\xd8\xff": "a JPEG picture",
    b"\x89PNG": "a PNG picture",
    b"GIF8": "a GIF picture",
    b"%PDF": "a PDF document",
    b"\x89HDF": "an HDF5 file (.h5): that is data, not weights; it goes in tab 1",
}
ZIP_MAGIC = b"PK\x03\x04"
LEGACY_MAGIC = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8"  # pickle of torch's old magic number
SAVE_HINT = "Save the weights with torch.save(model.state_dict(), path)"


def _what_it_is(blob: bytes) -> str:
    """A guess at what a file that is not a PyTorch file really is, from its first bytes."""
    for magic, kind in PICTURE_MAGIC.items():
        if blob.startswith(magic):
            return kind
    head = blob[:512]
    try:
        head.decode("utf-8")
        return "a text file"
    except UnicodeDecodeError:
        return "not a PyTorch file"


def why_not_loaded(error: BaseException, blob: bytes) -> ClassifierError:
    """The sentence for a `torch.load(..., weights_only=True)` that failed on `blob`, from the
    exception and the file's first bytes: empty, cut off, another kind of file, or a real
    PyTorch file that holds Python objects (a whole pickled model) rather than tensors."""
    text = str(error)
    if not blob:
        return ClassifierError(f"The file is empty (0 bytes). {SAVE_HINT} and upload that file.")
    if isinstance(error, pickle.UnpicklingError) and "Unsupported global" in text:
        found = re.search(r"GLOBAL ([\w.]+)", text)
        what = f" (a {found.group(1)})" if found else ""
        return ClassifierError(
            "The file is a PyTorch file, but it holds a Python object other than tensors"
            f"{what}, which is not loaded, for safety: it would run code from the file. "
            "It was probably saved with torch.save(model, path), the whole model. "
            f"{SAVE_HINT}: only the tensors."
        )
    if blob.startswith(ZIP_MAGIC):  # torch.save's format is a zip archive
        if not zipfile.is_zipfile(io.BytesIO(blob)):  # its directory, at the end, is missing
            return ClassifierError(
                "The file is cut off: it starts as a PyTorch file but its end is missing "
                f"({len(blob):,} bytes arrived). The download or the copy stopped early: "
                "save or download it again."
            )
        return ClassifierError(
            "The file is a zip archive, but not one PyTorch wrote (no data.pkl inside). "
            f"Upload a .pt file saved by this page or by torch.save. {SAVE_HINT}."
        )
    if blob.startswith(LEGACY_MAGIC):
        return ClassifierError(
            "The file is cut off or damaged: it starts as a PyTorch file (the format before "
            "PyTorch 1.6) but could not be read to its end. Save or download it again."
        )
    return ClassifierError(
        f"This file is {_what_it_is(blob)}, not PyTorch weights: torch.load could not read it. "
        f"Upload a .pt file saved by this page or by torch.save(model.state_dict(), path)."
    )


def load_checkpoint(
    blob: bytes, fallback: ClassifierConfig
) -> tuple[ClassifierConfig, dict, list[str]]:
    """Read `.pt` bytes: (config, state_dict checked against that config's model, classes).
    See `read_checkpoint`, which also says what data the weights were trained on."""
    checkpoint = read_checkpoint(blob, fallback)
    return checkpoint.config, checkpoint.state_dict, checkpoint.classes


def read_checkpoint(blob: bytes, fallback: ClassifierConfig) -> Checkpoint:
    """Read `.pt` bytes with `torch.load(..., weights_only=True)` into a Checkpoint.

    Accepts what `save_checkpoint` writes, or a bare state_dict (as the exported script saves),
    which is then matched against `fallback`'s model. Anything else is a ClassifierError saying
    what the file really is (see `why_not_loaded`).
    """
    if len(blob) > MAX_CHECKPOINT_BYTES:
        raise ClassifierError(
            f"The file is {len(blob) / 2**20:.0f} MB; weights for these models are at most "
            f"{MAX_CHECKPOINT_BYTES // 2**20} MB. Pick the .pt file this page saved."
        )
    try:
        loaded = torch.load(io.BytesIO(blob), map_location="cpu", weights_only=True)
    except Exception as error:  # torch.load raises many types; each gets its sentence
        raise why_not_loaded(error, blob) from None
    config, classes, trained_on = fallback, [], ""
    if isinstance(loaded, dict) and loaded.get("format") == CHECKPOINT_FORMAT:
        config = replace(
            ClassifierConfig.from_json(loaded.get("config", "")), device=fallback.device
        )
        if isinstance(loaded.get("classes"), list):
            classes = [str(c) for c in loaded["classes"]][: config.num_classes]
        if isinstance(loaded.get("trained_on"), str):
            trained_on = loaded["trained_on"]
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
    if len(classes) != config.num_classes:
        classes = [str(i) for i in range(config.num_classes)]
    return Checkpoint(config, state, classes, trained_on)


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
    return trainer_for(read_checkpoint(blob, fallback), data)


def trainer_for(checkpoint: Checkpoint, data: TensorData) -> ClassifierTrainer:
    """A trainer on `data` whose model holds the checkpoint's weights."""
    trainer = ClassifierTrainer(checkpoint.config, data)
    trainer.model.load_state_dict(checkpoint.state_dict)
    if len(checkpoint.classes) == checkpoint.config.num_classes:
        trainer.classes = list(checkpoint.classes)  # the names it learnt, not the data's
    return trainer
