"""Shape prediction and size guards: what an operation would make, checked before it runs."""

from __future__ import annotations

import ast
import math
from typing import Any

import torch

from core.expressions.errors import refuse
from core.expressions.language import CREATION, Limits, is_int

Prediction = tuple[tuple[int, ...], int]  # the result's shape, and its multiply-add count


class SizeError(ValueError):
    """A size argument that is not a plain whole number, or a count that cannot be computed."""


def count_list_elements(value: Any, limit: int) -> int | None:
    """Numbers in a (nested) list of numbers, or None if it holds anything else or too many."""
    if isinstance(value, bool | int | float):
        return 1
    if not isinstance(value, list):
        return None
    count = 0
    stack = [(value, 0)]
    while stack:
        items, depth = stack.pop()
        if depth > 8:
            return None
        for item in items:
            if isinstance(item, list):
                stack.append((item, depth + 1))
            elif isinstance(item, bool | int | float):
                count += 1
                if count > limit:
                    return None
            else:
                return None
    return count


def _size_list(args: list) -> list[int]:
    sizes = args[0] if len(args) == 1 and isinstance(args[0], list) else args
    if not isinstance(sizes, list) or not all(is_int(s) for s in sizes):
        raise SizeError(
            "Sizes must be whole numbers, like `torch.ones(2, 3)` or `torch.ones([2, 3])`."
        )
    if any(s < 0 for s in sizes):
        raise SizeError("Sizes cannot be negative.")
    return sizes


def _shape_of(value: Any) -> tuple[int, ...]:
    return tuple(value.shape) if isinstance(value, torch.Tensor) else ()


def predict_shape(kind: str, args: list, limits: Limits) -> Prediction | None:
    """The shape an operation would produce and its multiply-add count, from shapes alone.

    `kind` is a creation function's name (CREATION), or "same", "binary", "loss" or "matmul". Returns None
    when the shapes do not fit (the real operation then raises before it allocates anything).
    Raises SizeError for sizes that are not plain whole numbers.
    """
    if kind in CREATION:
        return _creation_shape(kind, args, limits)
    tensors = [a for a in args if isinstance(a, torch.Tensor)]
    if kind == "same":
        return (_shape_of(tensors[0]), 0) if tensors else None
    if kind in {"binary", "loss"}:
        try:
            shape = tuple(torch.broadcast_shapes(*(_shape_of(a) for a in args[:2])))
        except (RuntimeError, TypeError, ValueError):
            if kind == "loss" and tensors:  # cross_entropy: (N, C) with (N,) targets
                return (max((_shape_of(t) for t in tensors), key=math.prod), 0)
            return None
        return (shape, 0)
    if kind == "matmul":
        return _matmul_shape(args) if len(tensors) == 2 else None
    raise SizeError(f"Unknown operation kind {kind}.")  # pragma: no cover


def _creation_shape(kind: str, args: list, limits: Limits) -> Prediction | None:
    if kind == "tensor":
        count = count_list_elements(args[0], limits.max_elements) if args else 0
        return ((count or 0,), 0)
    if kind in {"ones", "zeros", "rand", "randn"}:
        return (tuple(_size_list(args)), 0)
    if kind == "full":
        if not args:
            return None
        return (tuple(_size_list([args[0]])), 0)
    if kind in {"ones_like", "zeros_like"}:
        return (_shape_of(args[0]), 0) if args else None
    if kind == "eye":
        sizes = _size_list(args[:2]) if args else []
        return (tuple(sizes[:1] * 2 if len(sizes) == 1 else sizes), 0)
    if kind == "arange":
        if not args or len(args) > 3 or not all(isinstance(a, int | float) for a in args):
            raise SizeError("arange takes one to three numbers: end, or start, end, step.")
        start, end, step = (
            (0, args[0], 1) if len(args) == 1 else (*args[:2], args[2] if len(args) == 3 else 1)
        )
        if step == 0 or not all(math.isfinite(v) for v in (start, end, step)):
            raise SizeError("arange needs finite numbers and a step that is not zero.")
        return ((max(0, math.ceil((end - start) / step)),), 0)
    # linspace
    if len(args) < 3 or not is_int(args[2]) or args[2] < 0:
        raise SizeError("linspace takes start, end and a whole number of steps.")
    return ((args[2],), 0)


def _matmul_shape(args: list) -> Prediction | None:
    a, b = _shape_of(args[0]), _shape_of(args[1])
    if not a or not b:
        return None
    if len(a) == 1 and len(b) == 1:
        return ((), a[0])
    if len(b) == 1:
        shape = a[:-1]
    elif len(a) == 1:
        shape = b[:-2] + b[-1:]
    else:
        try:
            batch = tuple(torch.broadcast_shapes(a[:-2], b[:-2]))
        except RuntimeError:
            return None
        shape = batch + (a[-2], b[-1])
    return (shape, math.prod(shape) * a[-1])


class SizeBudget:
    """What one run of a program has made so far, against its limits."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.total_elements = 0
        self.matmul_work = 0

    def check(self, node: ast.AST, kind: str, args: list) -> None:
        """Refuse `node` if the tensor it would make breaks a limit; else count it."""
        try:
            predicted = predict_shape(kind, args, self.limits)
        except SizeError as exc:
            raise refuse(node, str(exc)) from None
        if predicted is None:  # the real operation fails its own shape check before allocating
            return
        shape, work = predicted
        numel = math.prod(shape)
        limits = self.limits
        self.total_elements += numel
        self.matmul_work += work
        checks = (  # (broken, sentence), the first broken one is reported
            (len(shape) > limits.max_dims,
             f"This would make a tensor with {len(shape)} dimensions; at most "
             f"{limits.max_dims} are allowed."),
            (numel > limits.max_elements,
             f"This would make a tensor of shape {tuple(shape)} with {numel:,} elements; the "
             f"limit is {limits.max_elements:,}. Use smaller sizes."),
            (self.total_elements > limits.max_total_elements,
             f"The program made more than {limits.max_total_elements:,} tensor elements in "
             "total. Use smaller tensors."),
            (self.matmul_work > limits.max_matmul_work,
             "The matrix products in this program are too large to compute here. Use smaller "
             "matrices."),
        )  # fmt: skip
        for broken, sentence in checks:
            if broken:
                raise refuse(node, sentence)
