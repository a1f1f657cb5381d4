"""Which devices this server has, and turning a device name into a `torch.device` safely."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class GpuInfo:
    """One GPU as torch.cuda reports it: its index, name and memory."""

    index: int
    name: str
    memory_bytes: int

    @property
    def device(self) -> str:
        return f"cuda:{self.index}"

    @property
    def label(self) -> str:
        """ "cuda:0 — NVIDIA H100 80GB HBM3 (79 GB)" """
        return f"{self.device} — {self.name} ({self.memory_bytes / 2**30:.0f} GB)"


# What a picker shows on a server with two GPUs (used to show it where there are none).
EXAMPLE_GPUS = (
    GpuInfo(0, "NVIDIA A100-SXM4-40GB", 40 * 2**30),
    GpuInfo(1, "NVIDIA A100-SXM4-40GB", 40 * 2**30),
)


def list_gpus() -> list[GpuInfo]:
    """Every GPU this process sees (after CUDA_VISIBLE_DEVICES), with its name and memory."""
    if not torch.cuda.is_available():
        return []
    gpus = []
    for index in range(torch.cuda.device_count()):
        props = torch.cuda.get_device_properties(index)
        gpus.append(GpuInfo(index, props.name, int(props.total_memory)))
    return gpus


def several_gpus_code(gpus: list[GpuInfo] | tuple[GpuInfo, ...]) -> dict[str, str]:
    """The three ways to use the GPUs of one machine, as code for these GPUs (or the example
    pair where there are none): one GPU by its id, nn.DataParallel over all, and
    CUDA_VISIBLE_DEVICES to choose which GPUs a process sees."""
    gpus = list(gpus) or list(EXAMPLE_GPUS)
    last = gpus[-1].index
    ids = [g.index for g in gpus]
    picked = [ids[-1], ids[0]] if len(ids) > 1 else ids  # the last GPU first: renumbering shows
    seen = (
        f"GPUs {picked[0]} and {picked[1]}, renumbered cuda:0 and cuda:1"
        if len(picked) > 1
        else f"GPU {picked[0]}, as cuda:0"
    )
    return {
        "One GPU, by its id": f"""import torch

print(torch.cuda.device_count())               # GPUs this process sees: {len(gpus)}
device = torch.device("cuda:{last}")                # the GPU with id {last} ("cuda" alone is cuda:0)
model = model.to(device)                       # parameters move to that GPU
images, labels = images.to(device), labels.to(device)   # and each batch too
logits = model(images)                         # runs on cuda:{last}""",
        "All GPUs with nn.DataParallel": f"""import torch
from torch import nn

model = nn.DataParallel(model, device_ids={ids})   # default: every visible GPU
model = model.to("cuda:{ids[0]}")                  # parameters live on the first id
logits = model(images.to("cuda:{ids[0]}"))       # each batch is split over the GPUs,
# the outputs gathered back on cuda:{ids[0]}; save model.module.state_dict() (no "module.")""",
        "CUDA_VISIBLE_DEVICES picks what a process sees": f"""# in the shell: this process sees only {seen}
CUDA_VISIBLE_DEVICES={",".join(map(str, picked))} python train_signs.py --device cuda
CUDA_VISIBLE_DEVICES="" python train_signs.py --device cpu   # no GPU at all

# or in Python, before torch first touches CUDA:
import os
os.environ["CUDA_VISIBLE_DEVICES"] = "{ids[-1]}"
import torch
print(torch.cuda.device_count())               # 1: GPU {ids[-1]} is now cuda:0""",
    }


def describe_device(name: str) -> str:
    """A one-line human description: "cpu (2 cores)" or "cuda:0 — NVIDIA H100 (80 GB)".

    The CPU's count is the cores the server's training may use in all (CPU_THREADS: torch's
    threads, one per core), the same in the sidebar and in every device picker; each run's own
    share is stated beside its progress."""
    device = resolve_device(name)
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        return GpuInfo(device.index, props.name, int(props.total_memory)).label
    if device.type == "cpu":
        return f"cpu ({CPU_THREADS} core{'s' * (CPU_THREADS != 1)})"
    return str(device)
