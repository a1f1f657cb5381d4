"""The NumPy bridge, done for real: shared memory, dtypes, `.item()`, the GPU error, float16.

Each function runs the PyTorch call and reports what happened."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from core.devices import available_devices, resolve_device
from core.messages import explain
from core.tensors.spec import DTYPES
from core.validation import require

SEED_GPU_ERROR = (
    "TypeError: can't convert cuda:0 device type tensor to numpy. "
    "Use Tensor.cpu() to copy the tensor to host memory first."
)


@dataclass(frozen=True)
class SharingDemo:
    """Values seen through each name after writing into the NumPy array, then after a clone."""

    tensor_before: list
    array_after_write: list
    tensor_after_write: list  # the same as array_after_write: they share memory
    clone_after_second_write: list  # unchanged: clone() made new memory
    tensor_after_second_write: list
    same_memory: bool


def sharing_demo(
    values: list[float], index: int, new_value: float, second_value: float
) -> SharingDemo:
    """Run `t = torch.tensor(values); a = t.numpy(); a[index] = new_value`, then clone and write again."""
    require(bool(values), "The demo needs at least one value.")
    require(
        -len(values) <= index < len(values),
        f"Index {index} is out of range for {len(values)} values; pick 0 to {len(values) - 1}.",
    )
    tensor = torch.tensor(values, dtype=torch.float32)
    before = tensor.tolist()
    array = tensor.numpy()
    array[index] = new_value
    array_after = array.tolist()
    tensor_after = tensor.tolist()
    copy = tensor.clone()
    array[index] = second_value
    return SharingDemo(
        tensor_before=before,
        array_after_write=array_after,
        tensor_after_write=tensor_after,
        clone_after_second_write=copy.tolist(),
        tensor_after_second_write=tensor.tolist(),
        same_memory=np.shares_memory(array, tensor.numpy()),
    )


def from_numpy_shares(values: list[float]) -> bool:
    """`torch.from_numpy` shares memory too: write through the tensor and read the array."""
    array = np.array(values, dtype=np.float64)
    tensor = torch.from_numpy(array)
    tensor[0] = tensor[0] + 100
    return bool(array[0] == tensor[0].item())


def dtype_table() -> pd.DataFrame:
    """Each torch dtype of the inspector with the NumPy dtype `.numpy()` gives (or the error)."""
    rows = []
    for name, dtype in DTYPES.items():
        try:
            numpy_dtype = str(torch.zeros(1, dtype=dtype).numpy().dtype)
            note = ""
        except TypeError as exc:
            numpy_dtype, note = "—", str(exc)
        rows.append({"torch": f"torch.{name}", "numpy": numpy_dtype, "note": note})
    return pd.DataFrame(rows)


def item_report(tensor: torch.Tensor) -> tuple[str, str]:
    """Call `.item()` for real: (value as text, "") or ("", PyTorch's error and the fix)."""
    try:
        return repr(tensor.item()), ""
    except RuntimeError as exc:
        return "", (
            f"{exc}. .item() only works on a tensor with exactly one element; index one first "
            f"(e.g. x[0].item() or x.flatten()[0].item()) or use x.tolist() for all of them."
        )


def numpy_report(tensor: torch.Tensor) -> tuple[np.ndarray | None, str]:
    """Call `.numpy()` for real: (array, "") or (None, PyTorch's error and the fix)."""
    try:
        return tensor.numpy(), ""
    except (TypeError, RuntimeError) as exc:
        message = str(exc)
        return None, f"{message} {explain(message, 'numpy')}".strip()


@dataclass(frozen=True)
class GpuBridge:
    """The notes' example run on this server: `z = x + y` on the first accelerator (the CPU when
    there is none), then `z.numpy()` and the fix `z.cpu().numpy()`, both for real."""

    device: str  # where z was made: "cuda:0", "mps" or "cpu"
    error: str  # what z.numpy() raises on a GPU ("TypeError: can't convert cuda:0 ...")
    raised: bool  # True: raised just now on this server's device; False: PyTorch's text, no GPU
    direct: tuple | None  # z.numpy() itself when it works (on the CPU), else None
    fixed: tuple  # z.cpu().numpy(), run for real
    fixed_dtype: str
    fixed_shape: tuple
    copied: bool  # True when .cpu() copied z into host memory (it returns z itself on the CPU)


def first_accelerator() -> str:
    """The first GPU (or MPS) device of this server, else "cpu"."""
    return next((name for name in available_devices() if name != "cpu"), "cpu")


def gpu_bridge(device: str | None = None) -> GpuBridge:
    """Run the notes' `.numpy()` on a device tensor and its `.cpu()` fix, on `device` (default:
    the first accelerator, the CPU when there is none). Run once per device and process: the
    answer cannot change, and a page redraw should not touch the GPU each time."""
    return _gpu_bridge(str(resolve_device(device or first_accelerator())))


@functools.lru_cache(maxsize=8)
def _gpu_bridge(device: str) -> GpuBridge:
    where = torch.device(device)
    x = torch.tensor([1.0, 2.0, 3.0], device=where)
    y = torch.tensor([10.0, 20.0, 30.0]).to(where)
    z = x + y
    direct, error, raised = None, SEED_GPU_ERROR, False
    try:
        direct = tuple(z.numpy().tolist())
    except TypeError as exc:
        error, raised = f"TypeError: {exc}", True
    moved = z.cpu()
    fixed = moved.numpy()
    return GpuBridge(
        device=str(where),
        error=error,
        raised=raised,
        direct=direct,
        fixed=tuple(fixed.tolist()),
        fixed_dtype=str(fixed.dtype),
        fixed_shape=tuple(fixed.shape),
        copied=moved.data_ptr() != z.data_ptr() or moved.device != z.device,
    )


def gpu_numpy_error() -> tuple[str, bool]:
    """The error of `.numpy()` on a GPU tensor: raised for real when a GPU exists (True), else
    the message the seed notes quote (False)."""
    report = gpu_bridge()
    return report.error, report.raised


def fixed_numpy(tensor: torch.Tensor) -> np.ndarray:
    """`x.detach().cpu().numpy()`: the copy that always works, whatever x's device and grad."""
    tensor = tensor.detach().cpu()
    if tensor.dtype == torch.bfloat16:
        tensor = tensor.float()
    return tensor.numpy()


def float16_rounding(value: float) -> dict:
    """What float16 stores for `value`, and the gap between neighbouring float16 numbers there."""
    require(math.isfinite(value), "Type a finite number.")
    stored = torch.tensor(value, dtype=torch.float16).item()
    exponent = math.floor(math.log2(abs(value))) if value != 0 and abs(value) >= 2**-14 else -14
    spacing = 2.0 ** (exponent - 10)
    bfloat = torch.tensor(value, dtype=torch.bfloat16).item()
    return {
        "typed": value,
        "float16": stored,
        "bfloat16": bfloat,
        "float32": torch.tensor(value, dtype=torch.float32).item(),
        "float16 spacing here": spacing,
        "overflow": math.isinf(stored),
    }
