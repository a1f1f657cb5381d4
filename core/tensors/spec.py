"""What the inspector offers and is asked for: limits, choices, TensorSpec, Step, its errors."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from core.messages import explain, first_line
from core.validation import require

MAX_ELEMENTS = 2**24  # the largest tensor the inspector builds (64 MB of float32)
MAX_TEXT = 20_000  # characters in a typed list of values, shape or slice
MAX_DIMS = 4  # the inspector shows tensors up to 4-D
MAX_PIPELINE_BYTES = 256 * 2**20  # new memory of all stages of one pipeline together (per session)

DTYPES = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
    "int32": torch.int32,
    "int64": torch.int64,
    "bool": torch.bool,
}
CONSTRUCTORS = (
    "tensor", "zeros", "ones", "full", "rand", "randn", "arange", "linspace", "eye", "empty",
)  # fmt: skip
STEP_OPS = (
    "view", "reshape", "transpose", "permute", "unsqueeze", "squeeze", "slice",
    "contiguous", "to", "arithmetic", "reduce",
)  # fmt: skip
ARITHMETIC = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}
REDUCTIONS = ("sum", "mean", "max", "min", "prod", "std", "argmax")


class InspectorError(ValueError):
    """Something the student asked for that PyTorch cannot do; the message says what to do."""


@dataclass(frozen=True)
class TensorSpec:
    """How to build the starting tensor; one field per widget of the Build panel."""

    constructor: str = "arange"  # one of CONSTRUCTORS
    values: str = "[[1, 2], [3, 4]]"  # for "tensor": nested lists typed by the student
    shape: tuple[int, ...] = (2, 3)  # zeros/ones/full/rand/randn/empty; eye uses (rows, cols)
    fill_value: float = 7.0  # for "full"
    start: float = 0.0  # arange / linspace
    end: float = 12.0  # arange (exclusive) / linspace (inclusive)
    step: float = 1.0  # arange
    steps: int = 5  # linspace: how many points
    dtype: str = "float32"  # one of DTYPES
    device: str = "cpu"  # one of core.devices.available_devices()
    requires_grad: bool = False
    seed: int = 0  # rand / randn draw from a generator seeded with this


@dataclass(frozen=True)
class Step:
    """One transform of the pipeline. Which fields matter depends on `op`."""

    op: str  # one of STEP_OPS
    text: str = ""  # shape "2, -1", dims "1, 0", slice "[:, 1:3]", dtype name, or an operand
    dim: int | None = None  # unsqueeze / squeeze / reduce; None means "all dims"
    name: str = "+"  # arithmetic operator or reduction name
    inplace: bool = False  # arithmetic: use the trailing-underscore in-place method
    keepdim: bool = False  # reduce


def check_count(count: float, what: str) -> None:
    """Refuse a tensor of more than MAX_ELEMENTS elements before it is allocated."""
    require(
        count <= MAX_ELEMENTS,
        f"{what} would hold {count:,.0f} elements; the inspector's cap is {MAX_ELEMENTS:,} "
        "(2^24). Pick a smaller shape.",
        InspectorError,
    )


def lookup_dtype(name: str) -> torch.dtype:
    """The torch dtype the inspector offers under `name`."""
    require(
        name in DTYPES,
        f"'{name}' is not a dtype the inspector offers; pick one of {', '.join(DTYPES)}.",
        InspectorError,
    )
    return DTYPES[name]


def torch_refusal(exc: Exception, action: str) -> InspectorError:
    """PyTorch's own message for a refused `action`, with the hint of core.messages after it."""
    message = first_line(exc)
    hint = explain(message, "step")
    return InspectorError(
        f"PyTorch refused to {action}: {message}" + (f" — {hint}" if hint else "")
    )
