"""Building the starting tensor from a TensorSpec, and the line of PyTorch that does the same."""

from __future__ import annotations

import math

import torch

from core.devices import resolve_device
from core.tensors.literals import parse_values
from core.tensors.spec import (
    CONSTRUCTORS,
    MAX_DIMS,
    InspectorError,
    TensorSpec,
    check_count,
    lookup_dtype,
    torch_refusal,
)
from core.validation import in_range, require

SHAPED = ("zeros", "ones", "full", "rand", "randn", "empty", "eye")  # constructors given a shape


def build_tensor(spec: TensorSpec) -> torch.Tensor:
    """Build the starting tensor from a spec, refusing oversize requests before allocating."""
    dtype = lookup_dtype(spec.dtype)
    device = resolve_device(spec.device)
    shape = tuple(int(n) for n in spec.shape)
    require(
        spec.constructor in CONSTRUCTORS,
        f"'{spec.constructor}' is not a constructor; pick one of {', '.join(CONSTRUCTORS)}.",
        InspectorError,
    )
    if spec.constructor in SHAPED:
        in_range(
            len(shape),
            1,
            MAX_DIMS,
            f"A shape needs 1 to {MAX_DIMS} sizes, not {len(shape)}.",
            InspectorError,
        )
        require(
            all(n >= 0 for n in shape),
            f"Sizes cannot be negative: {shape}. Use 0 or more in each dim.",
            InspectorError,
        )
        check_count(math.prod(shape), f"A tensor of shape {shape}")
    generator = torch.Generator(device=device).manual_seed(int(spec.seed))
    try:
        tensor = _make(spec, shape, dtype, device, generator)
        if spec.requires_grad:
            tensor.requires_grad_(True)
    except InspectorError:
        raise
    except (RuntimeError, TypeError, ValueError, OverflowError) as exc:
        raise torch_refusal(exc, f"build this tensor with {spec.constructor}") from None
    return tensor


def _make(
    spec: TensorSpec,
    shape: tuple[int, ...],
    dtype: torch.dtype,
    device: torch.device,
    generator: torch.Generator,
) -> torch.Tensor:
    """Call the constructor, after the checks that only it needs."""
    constructor, options = spec.constructor, {"dtype": dtype, "device": device}
    if constructor == "tensor":
        return torch.tensor(parse_values(spec.values), **options)
    if constructor in ("zeros", "ones", "empty"):
        return getattr(torch, constructor)(shape, **options)
    if constructor == "full":
        return torch.full(shape, spec.fill_value, **options)
    if constructor in ("rand", "randn"):
        require(
            dtype.is_floating_point,
            f"{constructor} draws floating-point numbers; pick a float dtype "
            f"(or draw floats and add a .to({spec.dtype}) step).",
            InspectorError,
        )
        make = torch.rand if constructor == "rand" else torch.randn
        return make(shape, generator=generator, **options)
    if constructor == "arange":
        require(
            spec.step != 0 and all(math.isfinite(v) for v in (spec.start, spec.end, spec.step)),
            "arange needs a finite start and end and a step that is not 0.",
            InspectorError,
        )
        check_count(max(0, math.ceil((spec.end - spec.start) / spec.step)), "This arange")
        return torch.arange(spec.start, spec.end, spec.step, **options)
    if constructor == "linspace":
        require(spec.steps >= 0, "linspace needs 0 or more steps.", InspectorError)
        check_count(spec.steps, "This linspace")
        return torch.linspace(spec.start, spec.end, int(spec.steps), **options)
    require(
        len(shape) <= 2,
        "eye makes a matrix: give one size (n) or two (rows, cols).",
        InspectorError,
    )
    return torch.eye(*shape, **options)


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
        return (
            f"g = torch.Generator().manual_seed({spec.seed})\n"
            f"x = torch.{spec.constructor}({shape}, generator=g{extra})"
        )
    if spec.constructor == "full":
        return f"x = torch.full(({shape},), {spec.fill_value}{extra})"
    if spec.constructor == "arange":
        return f"x = torch.arange({spec.start}, {spec.end}, {spec.step}{extra})"
    if spec.constructor == "linspace":
        return f"x = torch.linspace({spec.start}, {spec.end}, {spec.steps}{extra})"
    return f"x = torch.{spec.constructor}({shape}{extra})"
