"""What the inspector shows about a tensor: its facts, values table, heatmap matrix, picture."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from core.tensors.spec import InspectorError
from core.tensors.steps import shares_storage


def describe(tensor: torch.Tensor, previous: torch.Tensor | None = None) -> dict:
    """Everything the inspector's metadata panel shows about a tensor."""
    info = {
        "shape": tuple(tensor.shape),
        "dtype": str(tensor.dtype).replace("torch.", ""),
        "device": str(tensor.device),
        "numel": tensor.numel(),
        "element size (bytes)": tensor.element_size(),
        "bytes": tensor.numel() * tensor.element_size(),
        "stride": tuple(tensor.stride()),
        "storage offset": tensor.storage_offset(),
        "contiguous": tensor.is_contiguous(),
        "requires_grad": tensor.requires_grad,
        "is_leaf": tensor.is_leaf,
        "grad_fn": type(tensor.grad_fn).__name__ if tensor.grad_fn is not None else "None",
    }
    if previous is not None:
        info["memory"] = (
            "view: shares storage with the step before"
            if shares_storage(tensor, previous)
            else "copy: new storage"
        )
    return info


def values_frame(tensor: torch.Tensor, max_rows: int = 64, max_cols: int = 32) -> pd.DataFrame:
    """A 0-D, 1-D or 2-D tensor as a table (cut to max_rows × max_cols)."""
    if tensor.dim() > 2:
        raise InspectorError("Tables show up to 2-D; pick a 2-D slice.")
    array = tensor.detach().cpu()
    array = array.float() if array.dtype in (torch.float16, torch.bfloat16) else array
    array = array.numpy().reshape(1, -1) if tensor.dim() < 2 else array.numpy()
    frame = pd.DataFrame(array[:max_rows, :max_cols])
    return frame


def downsample_2d(tensor: torch.Tensor, max_side: int = 128) -> torch.Tensor:
    """A float 2-D copy no bigger than max_side per side (block means), so pages stay small."""
    matrix = tensor.detach().to("cpu", torch.float32)
    if matrix.dim() != 2:
        raise InspectorError("A heatmap needs a 2-D tensor; pick a 2-D slice.")
    rows, cols = matrix.shape
    if rows <= max_side and cols <= max_side:
        return matrix
    size = (min(rows, max_side), min(cols, max_side))
    return torch.nn.functional.adaptive_avg_pool2d(matrix[None, None], size)[0, 0]


def heatmap_values(tensor: torch.Tensor, max_side: int = 128) -> np.ndarray:
    """A 2-D tensor as the float64 matrix a heatmap draws: block means, rounded to 4 places."""
    return np.round(downsample_2d(tensor, max_side).numpy().astype(np.float64), 4)


def value_range(tensor: torch.Tensor) -> tuple[float, float]:
    """The smallest and the largest value of a tensor."""
    return tensor.min().item(), tensor.max().item()


def slice_2d(tensor: torch.Tensor, leading: tuple[int, ...]) -> torch.Tensor:
    """The 2-D slice of a 3-D/4-D tensor at the given indices of its leading dims."""
    need = tensor.dim() - 2
    if len(leading) != need:
        raise InspectorError(f"Pick {need} index(es) for the leading dims.")
    for dim, (index, size) in enumerate(zip(leading, tensor.shape)):
        if not 0 <= index < size:
            raise InspectorError(f"Index {index} is out of range for dim {dim} of size {size}.")
    return tensor[tuple(leading)]


def as_image(tensor: torch.Tensor) -> np.ndarray | None:
    """An H×W×C uint8 picture of a 3×H×W (or 1×H×W) tensor with values in [0, 1], else None."""
    if tensor.dim() != 3 or tensor.shape[0] not in (1, 3) or tensor.dtype == torch.bool:
        return None
    image = tensor.detach().to("cpu", torch.float32)
    if not image.dtype.is_floating_point or image.numel() == 0:
        return None
    image = image.clamp(0, 1).permute(1, 2, 0).mul(255).round().to(torch.uint8).numpy()
    return image[..., 0] if image.shape[2] == 1 else image
