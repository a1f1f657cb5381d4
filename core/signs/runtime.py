"""Where a run trains (one device or DataParallel) and the sentences for what can go wrong there."""

from __future__ import annotations

import torch

from core.devices import DeviceError, available_devices, resolve_device
from core.signs.config import ALL_GPUS, ClassifierConfig, ClassifierError
from core.signs.models import MODEL_INFO


def training_device(name: str) -> tuple[torch.device, list[int] | None]:
    """(device the data lives on, GPU ids for DataParallel or None) for a device choice."""
    if name == ALL_GPUS:
        gpus = [d for d in available_devices() if d.startswith("cuda:")]
        if len(gpus) < 2:
            raise ClassifierError(
                "DataParallel needs at least two GPUs and this server has "
                f"{len(gpus) or 'none'}. Pick a single device instead."
            )
        return torch.device("cuda", 0), [int(d.split(":")[1]) for d in gpus]
    try:
        return resolve_device(name), None
    except DeviceError as error:
        raise ClassifierError(str(error)) from None


def explain_runtime_error(error: BaseException, config: ClassifierConfig) -> ClassifierError:
    """Turn the errors a training step can raise into a sentence saying what to change."""
    text = str(error)
    if isinstance(error, torch.cuda.OutOfMemoryError) or "out of memory" in text.lower():
        return ClassifierError(
            f"The device {config.device} ran out of memory with batch size {config.batch_size} and "
            f"the {MODEL_INFO[config.model][0]}. Lower the batch size, pick a smaller model or use the CPU."
        )
    if "Expected more than 1 value per channel" in text:
        return ClassifierError(
            "A batch of 1 image cannot go through batch norm in training mode: it needs at least two "
            "images to compute a mean and a variance. Pick a batch size of 2 or more."
        )
    if "CUDA" in text or "device" in text.lower() or "MPS" in text:
        return ClassifierError(
            f"The device {config.device} stopped answering ({text.splitlines()[0][:160]}). "
            "It may have been taken away or reset: press Reset and pick another device."
        )
    return ClassifierError(
        f"Training failed: {text.splitlines()[0][:200] if text else type(error).__name__}."
    )
