"""Which devices this server has, and turning a device name into a `torch.device` safely."""

from __future__ import annotations

import torch


class DeviceError(ValueError):
    """A device name that is malformed or not present on this server."""


def available_devices() -> list[str]:
    """Device names usable here: "cpu", then "cuda:0", "cuda:1", ..., then "mps" if present."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        names.append("mps")
    return names


def resolve_device(name: str) -> torch.device:
    """Return the `torch.device` for `name`, or raise DeviceError with a sentence saying why not.

    "cuda" alone means "cuda:0". Only devices listed by `available_devices()` are accepted.
    """
    text = str(name).strip().lower()
    try:
        device = torch.device(text)
    except (RuntimeError, TypeError, ValueError):
        raise DeviceError(
            f"'{name}' is not a device name PyTorch knows. "
            f"Pick one of: {', '.join(available_devices())}."
        ) from None
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", 0)
    if str(device) not in available_devices():
        where = "no GPU" if device.type == "cuda" else f"no {device.type.upper()} device"
        raise DeviceError(
            f"The device '{name}' is not available on this server ({where} was found). "
            f"Pick one of: {', '.join(available_devices())}."
        )
    return device


def describe_device(name: str) -> str:
    """A one-line human description: "cpu (2 threads)" or "cuda:0 — NVIDIA H100 (80 GB)"."""
    device = resolve_device(name)
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        return f"{device} — {props.name} ({props.total_memory / 2**30:.0f} GB)"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return str(device)
