"""The tensor inspector's engine: build a tensor from a spec, run a pipeline of steps over it,
and describe what PyTorch did (shapes, strides, storage, broadcasting). Safe for typed input:
values, shapes and slices are parsed with `ast` and walked, never evaluated."""

from __future__ import annotations

import ast
import json
import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import torch

from core.devices import resolve_device
from core.parsing import parse

MAX_ELEMENTS = 2**24  # the largest tensor the inspector builds (64 MB of float32)
MAX_TEXT = 20_000  # characters in a typed list of values, shape or slice
MAX_DIMS = 4  # the inspector shows tensors up to 4-D

DTYPES = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
    "int32": torch.int32,
    "int64": torch.int64,
    "bool": torch.bool,
}
CONSTRUCTORS = ("tensor", "zeros", "ones", "full", "rand", "randn", "arange", "linspace", "eye", "empty")
STEP_OPS = (
    "view", "reshape", "transpose", "permute", "unsqueeze", "squeeze", "slice",
    "contiguous", "to", "arithmetic", "reduce",
)
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


@dataclass
class Stage:
    """The tensor after one step, with the line of PyTorch that made it."""

    tensor: torch.Tensor
    code: str
    note: str = ""
    shares_storage: bool | None = None  # with the stage before; None for the first
    broadcast: dict | None = None


@dataclass
class PipelineResult:
    stages: list[Stage] = field(default_factory=list)
    error: str = ""  # the sentence for the step that failed; later steps were not run
    failed_step: int | None = None


# --- safe parsing -----------------------------------------------------------------------------


def _parse(text: str, what: str) -> ast.expr:
    if len(text) > MAX_TEXT:
        raise InspectorError(f"The {what} is too long ({len(text):,} characters); keep it under {MAX_TEXT:,}.")
    try:
        return parse(text.strip() or "()", mode="eval").body
    except SyntaxError as exc:
        raise InspectorError(
            f"The {what} '{_short(text)}' is not valid: {exc.msg} at column {exc.offset}."
        ) from None


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _number(node: ast.expr, what: str) -> float | int | bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _number(node.operand, what)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, bool)):
        if isinstance(node.value, int) and abs(node.value) > 2**63:
            raise InspectorError(f"The number {node.value} in the {what} is too large for any dtype here.")
        return node.value
    if isinstance(node, ast.Name) and node.id in ("True", "False"):
        return node.id == "True"
    raise InspectorError(f"The {what} may only hold numbers, commas and brackets; '{ast.unparse(node)}' is not a number.")


def parse_values(text: str) -> list | float:
    """Parse nested lists of numbers like "[[1, 2], [3, 4]]" (never eval) into Python lists.

    Raises InspectorError for anything else, ragged rows, more than 4 levels or too many numbers.
    """
    count = 0

    def walk(node: ast.expr, depth: int):
        nonlocal count
        if isinstance(node, (ast.List, ast.Tuple)):
            if depth >= MAX_DIMS:
                raise InspectorError(f"The values nest deeper than {MAX_DIMS} levels; the inspector shows up to 4-D tensors.")
            return [walk(item, depth + 1) for item in node.elts]
        count += 1
        if count > MAX_ELEMENTS:
            raise InspectorError("Too many values typed; use a constructor like rand or arange for big tensors.")
        return _number(node, "values")

    values = walk(_parse(text, "list of values"), 0)
    _check_rectangular(values)
    return values


def _check_rectangular(values, path: str = "") -> None:
    if not isinstance(values, list) or not values:
        return
    kinds = {isinstance(v, list) for v in values}
    if len(kinds) > 1:
        raise InspectorError(f"The values mix numbers and lists at the same level{path}; every row must look alike.")
    if kinds == {True}:
        lengths = {len(v) for v in values}
        if len(lengths) > 1:
            raise InspectorError(
                f"The rows have different lengths {sorted(lengths)}{path}: a tensor must be rectangular. "
                "Make every row the same length."
            )
        for i, v in enumerate(values):
            _check_rectangular(v, f" (inside row {i})")


def parse_ints(text: str, what: str) -> tuple[int, ...]:
    """Parse "2, -1" or "(2, -1)" or "[2, -1]" into a tuple of ints."""
    node = _parse(text, what)
    items = node.elts if isinstance(node, (ast.Tuple, ast.List)) else [node]
    numbers = []
    for item in items:
        value = _number(item, what)
        if not isinstance(value, int) or isinstance(value, bool):
            raise InspectorError(f"The {what} must be whole numbers like 2, -1; '{ast.unparse(item)}' is not.")
        numbers.append(value)
    return tuple(numbers)


def parse_index(text: str) -> tuple:
    """Parse a slice typed like "[:, 1:3]", "[0]", "[..., None, ::2]" into an index tuple."""
    stripped = text.strip()
    if not stripped.startswith("["):
        stripped = f"[{stripped}]"
    node = _parse(f"x{stripped}", "slice")
    if not isinstance(node, ast.Subscript) or not isinstance(node.value, ast.Name):
        raise InspectorError(f"The slice '{_short(text)}' is not of the form [a:b, c] .")
    parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]

    def bound(item):
        if item is None:
            return None
        value = _number(item, "slice")
        if not isinstance(value, int) or isinstance(value, bool):
            raise InspectorError(f"Slice bounds must be whole numbers; '{ast.unparse(item)}' is not.")
        return value

    index = []
    for part in parts:
        if isinstance(part, ast.Slice):
            step = bound(part.step)
            if step is not None and step <= 0:
                raise InspectorError(
                    "PyTorch slices cannot step backwards or by zero (NumPy can). "
                    "Use a positive step, and torch.flip(x, dims=[d]) to reverse."
                )
            index.append(slice(bound(part.lower), bound(part.upper), step))
        elif isinstance(part, ast.Constant) and part.value is Ellipsis:
            index.append(Ellipsis)
        elif isinstance(part, ast.Constant) and part.value is None:
            index.append(None)
        else:
            index.append(bound(part))
    return tuple(index)


def format_index(index: tuple) -> str:
    """The index as it would be typed in Python: (slice(None, None), 1) -> "[:, 1]"."""

    def one(part):
        if part is Ellipsis:
            return "..."
        if part is None:
            return "None"
        if isinstance(part, slice):
            text = f"{'' if part.start is None else part.start}:{'' if part.stop is None else part.stop}"
            return text + (f":{part.step}" if part.step is not None else "")
        return str(part)

    return "[" + ", ".join(one(p) for p in index) + "]"


# --- building ---------------------------------------------------------------------------------


def _check_count(count: float, what: str) -> None:
    if count > MAX_ELEMENTS:
        raise InspectorError(
            f"{what} would hold {count:,.0f} elements; the inspector's cap is {MAX_ELEMENTS:,} (2^24). "
            "Pick a smaller shape."
        )


def _dtype(name: str) -> torch.dtype:
    if name not in DTYPES:
        raise InspectorError(f"'{name}' is not a dtype the inspector offers; pick one of {', '.join(DTYPES)}.")
    return DTYPES[name]


def _torch_error(exc: Exception, action: str) -> InspectorError:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    hint = _hint(message)
    return InspectorError(f"PyTorch refused to {action}: {message}" + (f" — {hint}" if hint else ""))


def _hint(message: str) -> str:
    hints = {
        "view size is not compatible": "the tensor is not contiguous in memory; use reshape, or add a contiguous step first.",
        "is invalid for input of size": "the new shape must hold exactly as many elements as the old one; use -1 for one dimension to let PyTorch work it out.",
        "only one dimension can be inferred": "only one -1 is allowed in a shape.",
        "Dimension out of range": "dims count from 0 up to ndim - 1 (or from -1 backwards).",
        "out of range": "dims count from 0 up to ndim - 1 (or from -1 backwards).",
        "must match the size of tensor": "for broadcasting, each pair of dims (aligned from the right) must be equal or one of them 1.",
        "requires grad is being used in an in-place": "autograd forbids in-place changes of a leaf that requires grad; untick requires_grad or use the out-of-place operation.",
        "Only Tensors of floating point": "only floating-point tensors can require gradients; pick float32 or float64.",
        "not implemented for": "this operation does not exist for that dtype; pick a floating-point dtype.",
        "result type": "an in-place operation cannot change the dtype; convert with a .to step first or use the out-of-place form.",
        "number of dims don't match in permute": "permute needs every dim exactly once, e.g. 2, 0, 1 for a 3-D tensor.",
    }
    return next((hint for key, hint in hints.items() if key in message), "")


def build_tensor(spec: TensorSpec) -> torch.Tensor:
    """Build the starting tensor from a spec, refusing oversize requests before allocating."""
    dtype = _dtype(spec.dtype)
    device = resolve_device(spec.device)
    shape = tuple(int(n) for n in spec.shape)
    if spec.constructor not in CONSTRUCTORS:
        raise InspectorError(f"'{spec.constructor}' is not a constructor; pick one of {', '.join(CONSTRUCTORS)}.")
    if spec.constructor in ("zeros", "ones", "full", "rand", "randn", "empty", "eye"):
        if not 1 <= len(shape) <= MAX_DIMS:
            raise InspectorError(f"A shape needs 1 to {MAX_DIMS} sizes, not {len(shape)}.")
        if any(n < 0 for n in shape):
            raise InspectorError(f"Sizes cannot be negative: {shape}. Use 0 or more in each dim.")
        _check_count(math.prod(shape), f"A tensor of shape {shape}")
    generator = torch.Generator(device=device).manual_seed(int(spec.seed))
    try:
        if spec.constructor == "tensor":
            values = parse_values(spec.values)
            tensor = torch.tensor(values, dtype=dtype, device=device)
        elif spec.constructor == "zeros":
            tensor = torch.zeros(shape, dtype=dtype, device=device)
        elif spec.constructor == "ones":
            tensor = torch.ones(shape, dtype=dtype, device=device)
        elif spec.constructor == "empty":
            tensor = torch.empty(shape, dtype=dtype, device=device)
        elif spec.constructor == "full":
            tensor = torch.full(shape, spec.fill_value, dtype=dtype, device=device)
        elif spec.constructor in ("rand", "randn"):
            if not dtype.is_floating_point:
                raise InspectorError(
                    f"{spec.constructor} draws floating-point numbers; pick a float dtype "
                    f"(or draw floats and add a .to({spec.dtype}) step)."
                )
            make = torch.rand if spec.constructor == "rand" else torch.randn
            tensor = make(shape, dtype=dtype, device=device, generator=generator)
        elif spec.constructor == "arange":
            if spec.step == 0 or not all(math.isfinite(v) for v in (spec.start, spec.end, spec.step)):
                raise InspectorError("arange needs a finite start and end and a step that is not 0.")
            _check_count(max(0, math.ceil((spec.end - spec.start) / spec.step)), "This arange")
            tensor = torch.arange(spec.start, spec.end, spec.step, dtype=dtype, device=device)
        elif spec.constructor == "linspace":
            if spec.steps < 0:
                raise InspectorError("linspace needs 0 or more steps.")
            _check_count(spec.steps, "This linspace")
            tensor = torch.linspace(spec.start, spec.end, int(spec.steps), dtype=dtype, device=device)
        else:  # eye
            if len(shape) > 2:
                raise InspectorError("eye makes a matrix: give one size (n) or two (rows, cols).")
            tensor = torch.eye(*shape, dtype=dtype, device=device)
        if spec.requires_grad:
            tensor.requires_grad_(True)
    except InspectorError:
        raise
    except (RuntimeError, TypeError, ValueError, OverflowError) as exc:
        raise _torch_error(exc, f"build this tensor with {spec.constructor}") from None
    return tensor


def build_code(spec: TensorSpec) -> str:
    """The line of PyTorch that builds the same tensor."""
    extra = f", dtype=torch.{spec.dtype}"
    if spec.device != "cpu":
        extra += f", device='{spec.device}'"
    if spec.requires_grad:
        extra += ", requires_grad=True"
    shape = ", ".join(str(n) for n in spec.shape)
    if spec.constructor == "tensor":
        return f"x = torch.tensor({spec.values.strip()}{extra})"
    if spec.constructor in ("rand", "randn"):
        return f"g = torch.Generator().manual_seed({spec.seed})\nx = torch.{spec.constructor}({shape}, generator=g{extra})"
    if spec.constructor == "full":
        return f"x = torch.full(({shape},), {spec.fill_value}{extra})"
    if spec.constructor == "arange":
        return f"x = torch.arange({spec.start}, {spec.end}, {spec.step}{extra})"
    if spec.constructor == "linspace":
        return f"x = torch.linspace({spec.start}, {spec.end}, {spec.steps}{extra})"
    return f"x = torch.{spec.constructor}({shape}{extra})"


# --- the pipeline -----------------------------------------------------------------------------


def shares_storage(a: torch.Tensor, b: torch.Tensor) -> bool:
    """True when `a` and `b` look at the same memory (one is a view of the other, or the same)."""
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def broadcast_report(left: tuple[int, ...], right: tuple[int, ...]) -> dict:
    """Both shapes aligned from the right, one row per dim, with the result or the clash."""
    width = max(len(left), len(right))
    pad_left = (None,) * (width - len(left)) + tuple(left)
    pad_right = (None,) * (width - len(right)) + tuple(right)
    rows, result, clash = [], [], None
    for dim, (a, b) in enumerate(zip(pad_left, pad_right)):
        if a is None or b is None or a == b or a == 1 or b == 1:
            size = a if b is None else b if a is None or a == 1 else a
            ok = True
        else:
            size, ok = None, False
            clash = clash if clash is not None else dim - width
        rows.append({"dim": dim - width, "left": a, "right": b, "result": size, "fits": ok})
        result.append(size)
    return {
        "rows": rows,
        "result": None if clash is not None else tuple(result),
        "error": "" if clash is None else (
            f"Shapes {tuple(left)} and {tuple(right)} cannot broadcast: at dim {clash} the sizes "
            f"{pad_left[clash]} and {pad_right[clash]} differ and neither is 1. Reshape one of them "
            "(e.g. unsqueeze a dim of size 1) so each aligned pair is equal or 1."
        ),
    }


def _operand(text: str, like: torch.Tensor) -> torch.Tensor | float:
    values = parse_values(text or "1")
    if not isinstance(values, list):
        return values
    dtype = like.dtype if like.dtype != torch.bool else torch.float32
    return torch.tensor(values, dtype=dtype, device=like.device)


def apply_step(tensor: torch.Tensor, step: Step) -> Stage:
    """Apply one step to `tensor`; raise InspectorError with a sentence when PyTorch cannot."""
    op = step.op
    if op not in STEP_OPS:
        raise InspectorError(f"'{op}' is not a step; pick one of {', '.join(STEP_OPS)}.")
    broadcast = None
    note = ""
    try:
        if op in ("view", "reshape"):
            shape = parse_ints(step.text, "shape")
            if not shape:
                raise InspectorError("Type the new shape, e.g. 3, -1.")
            out, code = getattr(tensor, op)(shape), f"x = x.{op}({', '.join(map(str, shape))})"
        elif op == "transpose":
            dims = parse_ints(step.text or "0, 1", "dims")
            if len(dims) != 2:
                raise InspectorError("transpose swaps two dims: type two numbers, e.g. 0, 1.")
            out, code = tensor.transpose(*dims), f"x = x.transpose({dims[0]}, {dims[1]})"
        elif op == "permute":
            dims = parse_ints(step.text, "dims")
            out, code = tensor.permute(dims), f"x = x.permute({', '.join(map(str, dims))})"
        elif op == "unsqueeze":
            dim = 0 if step.dim is None else step.dim
            out, code = tensor.unsqueeze(dim), f"x = x.unsqueeze({dim})"
        elif op == "squeeze":
            out = tensor.squeeze() if step.dim is None else tensor.squeeze(step.dim)
            code = "x = x.squeeze()" if step.dim is None else f"x = x.squeeze({step.dim})"
        elif op == "slice":
            index = parse_index(step.text or "[:]")
            out, code = tensor[index], f"x = x{format_index(index)}"
        elif op == "contiguous":
            out, code = tensor.contiguous(), "x = x.contiguous()"
            note = "Already contiguous: contiguous() returned the same tensor." if tensor.is_contiguous() else \
                "Not contiguous before: contiguous() copied the values into fresh row-major memory."
        elif op == "to":
            dtype = _dtype(step.text or "float32")
            out, code = tensor.to(dtype), f"x = x.to(torch.{step.text or 'float32'})"
        elif op == "arithmetic":
            out, code, broadcast, note = _arithmetic(tensor, step)
        else:
            out, code = _reduce(tensor, step)
    except InspectorError:
        raise
    except (RuntimeError, IndexError, TypeError, ValueError, OverflowError) as exc:
        raise _torch_error(exc, f"do {op}") from None
    if out.dim() > MAX_DIMS:
        raise InspectorError(f"The result would have {out.dim()} dims; the inspector shows up to {MAX_DIMS}. Squeeze a dim first.")
    return Stage(out, code, note, shares_storage(out, tensor), broadcast)


def _arithmetic(tensor: torch.Tensor, step: Step):
    if step.name not in ARITHMETIC:
        raise InspectorError(f"'{step.name}' is not an operator here; pick one of {' '.join(ARITHMETIC)}.")
    other = _operand(step.text, tensor)
    broadcast = None
    if isinstance(other, torch.Tensor):
        broadcast = broadcast_report(tuple(tensor.shape), tuple(other.shape))
        if broadcast["error"]:
            raise InspectorError(broadcast["error"])
        result = broadcast["result"]
        _check_count(math.prod(result), f"The result of shape {result}")
        if step.inplace and result != tuple(tensor.shape):
            raise InspectorError(
                f"An in-place {ARITHMETIC[step.name]}_ cannot grow x from {tuple(tensor.shape)} to {result}: "
                "in-place results must keep x's shape. Use the out-of-place form."
            )
    operand_text = step.text.strip() or "1"
    method = ARITHMETIC[step.name]
    if step.inplace:
        before = tensor.untyped_storage().data_ptr()
        out = getattr(tensor, method + "_")(other)
        note = (
            f"In place: {method}_ wrote into the same storage (data_ptr {before:#x}), so the stage "
            "before shows the new values too — no new memory was allocated."
        )
        return out, f"x.{method}_({operand_text})", broadcast, note
    out = getattr(torch, method)(tensor, other)
    return out, f"x = x {step.name} {'torch.tensor(' + operand_text + ')' if isinstance(other, torch.Tensor) else operand_text}", broadcast, ""


def _reduce(tensor: torch.Tensor, step: Step):
    if step.name not in REDUCTIONS:
        raise InspectorError(f"'{step.name}' is not a reduction here; pick one of {', '.join(REDUCTIONS)}.")
    source = tensor
    if step.name in ("mean", "std") and not tensor.dtype.is_floating_point:
        raise InspectorError(f"{step.name} needs a floating-point tensor; add a .to step with float32 first.")
    if step.dim is None:
        out = getattr(source, step.name)()
        return out, f"x = x.{step.name}()"
    out = getattr(source, step.name)(dim=step.dim, keepdim=step.keepdim)
    if step.name in ("max", "min"):
        out = out.values
        return out, f"x = x.{step.name}(dim={step.dim}, keepdim={step.keepdim}).values"
    return out, f"x = x.{step.name}(dim={step.dim}, keepdim={step.keepdim})"


def run_pipeline(spec: TensorSpec, steps: list[Step] | tuple[Step, ...]) -> PipelineResult:
    """Build the tensor, then apply each step; stop at the first step PyTorch refuses."""
    result = PipelineResult()
    tensor = build_tensor(spec)
    result.stages.append(Stage(tensor, build_code(spec)))
    for number, step in enumerate(steps, start=1):
        try:
            stage = apply_step(result.stages[-1].tensor, step)
        except InspectorError as exc:
            result.error, result.failed_step = str(exc), number
            break
        result.stages.append(stage)
    return result


def pipeline_code(spec: TensorSpec, stages: list[Stage]) -> str:
    """The whole pipeline as runnable PyTorch."""
    lines = ["import torch", "", *[stage.code for stage in stages], "print(x.shape, x.dtype)", "print(x)"]
    return "\n".join(lines)


# --- describing -------------------------------------------------------------------------------


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
        info["memory"] = "view: shares storage with the step before" if shares_storage(tensor, previous) \
            else "copy: new storage"
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


# --- presets ----------------------------------------------------------------------------------

PRESETS: dict[str, tuple[TensorSpec, tuple[Step, ...]]] = {
    "view needs contiguous memory": (
        TensorSpec("arange", end=12.0),
        (Step("view", "3, 4"), Step("transpose", "0, 1"), Step("contiguous"), Step("view", "-1")),
    ),
    "reshape with -1": (TensorSpec("arange", end=24.0), (Step("reshape", "2, 3, -1"),)),
    "broadcast a column with a row": (
        TensorSpec("arange", end=3.0),
        (Step("unsqueeze", dim=1), Step("arithmetic", "[10, 20, 30, 40]", name="+")),
    ),
    "slicing makes a view": (TensorSpec("arange", end=12.0), (Step("view", "3, 4"), Step("slice", "[:, 1:3]"))),
    "in-place ops keep the storage": (
        TensorSpec("ones", shape=(2, 3)),
        (Step("arithmetic", "5", name="*", inplace=True),),
    ),
    "sum along a dim": (TensorSpec("arange", end=6.0), (Step("view", "2, 3"), Step("reduce", name="sum", dim=0))),
    "a batch of images (4-D)": (
        TensorSpec("rand", shape=(2, 3, 8, 8)),
        (Step("permute", "0, 2, 3, 1"),),
    ),
}


def steps_to_text(steps: list[Step] | tuple[Step, ...]) -> str:
    """The pipeline as compact JSON, for a shareable link."""
    return json.dumps([{k: v for k, v in asdict(step).items() if v != getattr(Step("view"), k) or k == "op"}
                       for step in steps], separators=(",", ":"))


def steps_from_text(text: str, max_steps: int = 50) -> list[Step]:
    """Read a pipeline back from `steps_to_text`; raise InspectorError for anything else."""
    if len(text) > MAX_TEXT:
        raise InspectorError("The pipeline in the link is too long.")
    try:
        items = json.loads(text)
        if not isinstance(items, list) or len(items) > max_steps:
            raise TypeError
        steps = [Step(**item) for item in items]
    except (ValueError, TypeError):
        raise InspectorError("The pipeline in the link could not be read; it was left empty.") from None
    for step in steps:
        if step.op not in STEP_OPS or not isinstance(step.text, str) or not isinstance(step.name, str) \
                or not (step.dim is None or (isinstance(step.dim, int) and -10 < step.dim < 10)):
            raise InspectorError("The pipeline in the link holds a step the inspector does not know; it was left empty.")
    return steps
