"""One step of the inspector's pipeline, applied for real: views, copies, broadcasting."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from core.tensors.literals import format_index, parse_index, parse_ints, parse_values
from core.tensors.spec import (
    ARITHMETIC,
    MAX_DIMS,
    REDUCTIONS,
    STEP_OPS,
    InspectorError,
    Step,
    check_count,
    lookup_dtype,
    torch_refusal,
)
from core.validation import require


@dataclass
class Stage:
    """The tensor after one step, with the line of PyTorch that made it."""

    tensor: torch.Tensor | None  # None once the pipeline let it go (a stage the page hides)
    code: str
    note: str = ""
    shares_storage: bool | None = None  # with the stage before; None for the first
    broadcast: dict | None = None


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
        "error": ""
        if clash is None
        else (
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


def predicted_bytes(tensor: torch.Tensor, step: Step) -> int:
    """Bytes of new memory `apply_step(tensor, step)` allocates for its result: 0 for a view or
    an in-place step, else the result's size. Worked out by running the step on a "meta" tensor
    of the same shape, strides and dtype, which has no memory: nothing is allocated. A step that
    fails there is charged the size of `tensor` (it fails for real too, with its sentence)."""
    meta = torch.empty_strided(tensor.shape, tensor.stride(), dtype=tensor.dtype, device="meta")
    try:
        with torch.no_grad():
            out = _transform(meta, step)[0]
    except Exception:  # noqa: BLE001 - the real step reports its own error; charge conservatively
        return tensor.numel() * tensor.element_size()
    if out is meta or out._is_view():
        return 0
    return out.numel() * out.element_size()


def apply_step(tensor: torch.Tensor, step: Step) -> Stage:
    """Apply one step to `tensor`; raise InspectorError with a sentence when PyTorch cannot."""
    op = step.op
    require(
        op in STEP_OPS, f"'{op}' is not a step; pick one of {', '.join(STEP_OPS)}.", InspectorError
    )
    try:
        out, code, note, broadcast = _transform(tensor, step)
    except InspectorError:
        raise
    except (RuntimeError, IndexError, TypeError, ValueError, OverflowError) as exc:
        raise torch_refusal(exc, f"do {op}") from None
    require(
        out.dim() <= MAX_DIMS,
        f"The result would have {out.dim()} dims; the inspector shows up to {MAX_DIMS}. "
        "Squeeze a dim first.",
        InspectorError,
    )
    return Stage(out, code, note, shares_storage(out, tensor), broadcast)


def _transform(tensor: torch.Tensor, step: Step) -> tuple[torch.Tensor, str, str, dict | None]:
    """The step's result, its line of PyTorch, a note, and the broadcast report (arithmetic)."""
    op = step.op
    if op in ("view", "reshape"):
        shape = parse_ints(step.text, "shape")
        require(bool(shape), "Type the new shape, e.g. 3, -1.", InspectorError)
        return getattr(tensor, op)(shape), f"x = x.{op}({', '.join(map(str, shape))})", "", None
    if op == "transpose":
        dims = parse_ints(step.text or "0, 1", "dims")
        require(
            len(dims) == 2, "transpose swaps two dims: type two numbers, e.g. 0, 1.", InspectorError
        )
        return tensor.transpose(*dims), f"x = x.transpose({dims[0]}, {dims[1]})", "", None
    if op == "permute":
        dims = parse_ints(step.text, "dims")
        return tensor.permute(dims), f"x = x.permute({', '.join(map(str, dims))})", "", None
    if op == "unsqueeze":
        dim = 0 if step.dim is None else step.dim
        return tensor.unsqueeze(dim), f"x = x.unsqueeze({dim})", "", None
    if op == "squeeze":
        out = tensor.squeeze() if step.dim is None else tensor.squeeze(step.dim)
        code = "x = x.squeeze()" if step.dim is None else f"x = x.squeeze({step.dim})"
        return out, code, "", None
    if op == "slice":
        index = parse_index(step.text or "[:]")
        return tensor[index], f"x = x{format_index(index)}", "", None
    if op == "contiguous":
        note = (
            "Already contiguous: contiguous() returned the same tensor."
            if tensor.is_contiguous()
            else "Not contiguous before: contiguous() copied the values into fresh row-major memory."
        )
        return tensor.contiguous(), "x = x.contiguous()", note, None
    if op == "to":
        dtype = lookup_dtype(step.text or "float32")
        return tensor.to(dtype), f"x = x.to(torch.{step.text or 'float32'})", "", None
    if op == "arithmetic":
        return _arithmetic(tensor, step)
    out, code = _reduce(tensor, step)
    return out, code, "", None


def _arithmetic(tensor: torch.Tensor, step: Step) -> tuple[torch.Tensor, str, str, dict | None]:
    require(
        step.name in ARITHMETIC,
        f"'{step.name}' is not an operator here; pick one of {' '.join(ARITHMETIC)}.",
        InspectorError,
    )
    other = _operand(step.text, tensor)
    broadcast = None
    if isinstance(other, torch.Tensor):
        broadcast = broadcast_report(tuple(tensor.shape), tuple(other.shape))
        if broadcast["error"]:
            raise InspectorError(broadcast["error"])
        result = broadcast["result"]
        check_count(math.prod(result), f"The result of shape {result}")
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
        return out, f"x.{method}_({operand_text})", note, broadcast
    out = getattr(torch, method)(tensor, other)
    written = f"torch.tensor({operand_text})" if isinstance(other, torch.Tensor) else operand_text
    return out, f"x = x {step.name} {written}", "", broadcast


def _reduce(tensor: torch.Tensor, step: Step) -> tuple[torch.Tensor, str]:
    require(
        step.name in REDUCTIONS,
        f"'{step.name}' is not a reduction here; pick one of {', '.join(REDUCTIONS)}.",
        InspectorError,
    )
    source = tensor
    if step.name in ("mean", "std") and not tensor.dtype.is_floating_point:
        raise InspectorError(
            f"{step.name} needs a floating-point tensor; add a .to step with float32 first."
        )
    if step.dim is None:
        out = getattr(source, step.name)()
        return out, f"x = x.{step.name}()"
    out = getattr(source, step.name)(dim=step.dim, keepdim=step.keepdim)
    if step.name in ("max", "min"):
        out = out.values
        return out, f"x = x.{step.name}(dim={step.dim}, keepdim={step.keepdim}).values"
    return out, f"x = x.{step.name}(dim={step.dim}, keepdim={step.keepdim})"


def step_code(step: Step) -> str:
    """The line of PyTorch a step stands for, written from its fields alone: the pipeline lists
    a step that failed (or did not run after it) with this line, so it can be seen and removed."""
    op, text = step.op, step.text.strip()
    if op in ("view", "reshape", "permute"):
        return f"x = x.{op}({text.strip('()[]')})"
    if op == "transpose":
        return f"x = x.transpose({text or '0, 1'})"
    if op == "unsqueeze":
        return f"x = x.unsqueeze({0 if step.dim is None else step.dim})"
    if op == "squeeze":
        return "x = x.squeeze()" if step.dim is None else f"x = x.squeeze({step.dim})"
    if op == "slice":
        index = text or "[:]"
        return f"x = x{index if index.startswith('[') else f'[{index}]'}"
    if op == "contiguous":
        return "x = x.contiguous()"
    if op == "to":
        return f"x = x.to(torch.{text or 'float32'})"
    if op == "arithmetic":
        method = ARITHMETIC.get(step.name, step.name)
        if step.inplace:
            return f"x.{method}_({text or 1})"
        operand = f"torch.tensor({text})" if text.startswith("[") else text or "1"
        return f"x = x {step.name} {operand}"
    if step.dim is None:
        return f"x = x.{step.name}()"
    return f"x = x.{step.name}(dim={step.dim}, keepdim={step.keepdim})"
