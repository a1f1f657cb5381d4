"""Safe parsing of what a student types: nested lists of values, shapes, slices (never eval)."""

from __future__ import annotations

import ast

from core.parsing import parse
from core.tensors.spec import MAX_DIMS, MAX_ELEMENTS, MAX_TEXT, InspectorError


def _parse(text: str, what: str) -> ast.expr:
    if len(text) > MAX_TEXT:
        raise InspectorError(
            f"The {what} is too long ({len(text):,} characters); keep it under {MAX_TEXT:,}."
        )
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
            raise InspectorError(
                f"The number {node.value} in the {what} is too large for any dtype here."
            )
        return node.value
    if isinstance(node, ast.Name) and node.id in ("True", "False"):
        return node.id == "True"
    raise InspectorError(
        f"The {what} may only hold numbers, commas and brackets; '{ast.unparse(node)}' is not a number."
    )


def parse_values(text: str) -> list | float:
    """Parse nested lists of numbers like "[[1, 2], [3, 4]]" (never eval) into Python lists.

    Raises InspectorError for anything else, ragged rows, more than 4 levels or too many numbers.
    """
    count = 0

    def walk(node: ast.expr, depth: int):
        nonlocal count
        if isinstance(node, (ast.List, ast.Tuple)):
            if depth >= MAX_DIMS:
                raise InspectorError(
                    f"The values nest deeper than {MAX_DIMS} levels; the inspector shows up to 4-D tensors."
                )
            return [walk(item, depth + 1) for item in node.elts]
        count += 1
        if count > MAX_ELEMENTS:
            raise InspectorError(
                "Too many values typed; use a constructor like rand or arange for big tensors."
            )
        return _number(node, "values")

    values = walk(_parse(text, "list of values"), 0)
    _check_rectangular(values)
    return values


def _check_rectangular(values, path: str = "") -> None:
    if not isinstance(values, list) or not values:
        return
    kinds = {isinstance(v, list) for v in values}
    if len(kinds) > 1:
        raise InspectorError(
            f"The values mix numbers and lists at the same level{path}; every row must look alike."
        )
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
            raise InspectorError(
                f"The {what} must be whole numbers like 2, -1; '{ast.unparse(item)}' is not."
            )
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
            raise InspectorError(
                f"Slice bounds must be whole numbers; '{ast.unparse(item)}' is not."
            )
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
