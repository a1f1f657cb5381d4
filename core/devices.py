"""Which devices this server has, and turning a device name into a `torch.device` safely."""

from __future__ import annotations

import torch

# torch's thread count for this process, read at import before anyone changes it: OMP_NUM_THREADS
# when set, else one per physical core. Training jobs share these (core.serving.thread_shares).
CPU_THREADS = torch.get_num_threads()


def use_threads(count: int) -> int:
    """Make torch's CPU ops on *this* thread use `count` threads; return the count in force.

    With torch's OpenMP backend the count is kept per calling thread (OpenMP's nthreads ICV, and
    MKL's thread-local setting), so two students' jobs on two script threads each keep their own.
    torch initialises a thread's count lazily from the last value set anywhere, on the thread's
    first parallel op: reading it first makes that happen now, not after our setting. Setting it
    clears oneDNN's primitive cache, so it is only set when it changes.
    """
    count = max(1, int(count))
    if torch.get_num_threads() != count:
        torch.set_num_threads(count)
    return torch.get_num_threads()


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
    """A one-line human description: "cpu (2 threads)" or "cuda:0 — NVIDIA H100 (80 GB)".

    The CPU's count is the threads the server's training may use in all (CPU_THREADS), the same
    in the sidebar and in every device picker; each run's own share is stated beside its
    progress."""
    device = resolve_device(name)
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        return f"{device} — {props.name} ({props.total_memory / 2**30:.0f} GB)"
    if device.type == "cpu":
        return f"cpu ({CPU_THREADS} threads)"
    return str(device)
