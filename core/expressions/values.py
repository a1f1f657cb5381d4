"""Checks of the values a line works on: number arithmetic, tensors, arguments, keywords."""

from __future__ import annotations

import ast
import math
from typing import Any

import torch

from core.expressions.errors import describe_value, refuse, short
from core.expressions.language import BINARY, KEYWORD_VALUES, Limits
from core.expressions.shapes import count_list_elements


def number_op(node: ast.AST, op_type: type, left: Any, right: Any, limits: Limits) -> Any:
    """`left <op> right` on plain numbers, refusing results too large to be worth computing."""
    left = need_number(node, left)
    right = need_number(node, right)
    symbol, function = BINARY.get(op_type, ("?", None))
    if op_type is ast.MatMult:
        raise refuse(node, "`@` multiplies matrices: both sides must be tensors.")
    if op_type is ast.Pow:
        base = abs(float(left))
        if base > 1 and abs(float(right)) * math.log2(base) > 64 and float(right) > 0:
            raise refuse(
                node,
                f"{short(left)} ** {short(right)} is far too large a "
                "number. Use smaller exponents.",
            )
        if (
            base < 1
            and base != 0
            and float(right) < 0
            and abs(float(right)) * -math.log2(base) > 64
        ):
            raise refuse(node, "This power is far too large a number.")
    try:
        result = function(left, right)
    except (ZeroDivisionError, OverflowError, ValueError) as exc:
        raise refuse(
            node, f"The arithmetic {short(left)} {symbol} {short(right)} failed ({exc})."
        ) from None
    if isinstance(result, complex):
        raise refuse(node, "This power of a negative number is not a real number.")
    if isinstance(result, int) and abs(result) > limits.max_int:
        raise refuse(
            node,
            f"The whole number {short(result)} is too large; keep numbers "
            f"within ±{limits.max_int:.0e}.",
        )
    return result


def need_number(node: ast.AST, value: Any) -> int | float:
    """`value` if it is a plain number (not True/False), else a sentence."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise refuse(node, f"Expected a number here, got {describe_value(value)}.")
    return value


def need_number_or_tensor(node: ast.AST, value: Any) -> Any:
    """`value` if it is a tensor or a plain number, else a sentence."""
    if isinstance(value, torch.Tensor):
        return value
    return need_number(node, value)


def need_tensor(node: ast.AST, value: Any, method: str | None = None) -> torch.Tensor:
    """`value` if it is a tensor, else a sentence (a `.grad` that is still None gets its own)."""
    if isinstance(value, torch.Tensor):
        return value
    if value is None:
        raise refuse(
            node,
            f"`{ast.unparse(node)}` is None: a .grad stays None until a "
            "backward() call reaches that tensor.",
        )
    what = f" to call .{method}() on" if method else ""
    raise refuse(
        node,
        f"Expected a tensor{what}, got {describe_value(value)}. Make one with torch.tensor(...).",
    )


def need_argument(node: ast.AST, value: Any, allow_lists: bool, limits: Limits) -> None:
    """Refuse a positional argument that is not a tensor, a number or (if allowed) a list."""
    if isinstance(value, torch.Tensor) or (
        isinstance(value, int | float) and not isinstance(value, bool)
    ):
        return
    if isinstance(value, list) and allow_lists:
        if count_list_elements(value, limits.max_elements) is None:
            raise refuse(node, "Lists may only hold numbers (or lists of numbers).")
        return
    if value is None:
        raise refuse(node, f"`{ast.unparse(node)}` is None (a .grad before backward()).")
    raise refuse(node, f"This argument must be a tensor or a number, got {describe_value(value)}.")


def check_kwargs(node: ast.Call, name: str, kwargs: dict, allowed: set[str]) -> None:
    """Refuse keywords `name` does not take or values of the wrong kind; resolve `device=`."""
    for key, value in kwargs.items():
        if key not in allowed:
            hint = f"it takes {', '.join(sorted(allowed))}" if allowed else "it takes none"
            raise refuse(node, f"`{name}` does not take the keyword `{key}=` ({hint}).")
        fits, expected = KEYWORD_VALUES[key]
        if not fits(value):
            raise refuse(node, f"`{key}=` must be {expected}.")
    if "device" in kwargs:
        from core.devices import DeviceError, resolve_device

        try:
            kwargs["device"] = resolve_device(kwargs["device"])
        except DeviceError as exc:
            raise refuse(node, str(exc)) from None
