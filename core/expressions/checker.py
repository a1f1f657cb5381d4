"""The static checker: parse a program, walk it against the allow-list before anything runs."""

from __future__ import annotations

import ast
import unicodedata

from core.expressions.errors import ExpressionError, refuse, short
from core.expressions.language import (
    ALLOWED_FUNCTIONS,
    ALLOWED_METHODS,
    ALLOWED_SUMMARY,
    AUGMENTED,
    BINARY,
    DTYPES,
    FUNCTIONS,
    KEYWORDS,
    LIMITS,
    MAX_TEXT_CHARS,
    METHODS,
    MODULE_NAMES,
    PRINT,
    PROPERTIES,
    REFUSED,
    RESERVED,
    Limits,
    is_module_path,
    is_no_grad,
    is_print,
)
from core.parsing import parse


def _check_source_text(source: str, limits: Limits) -> None:
    if not isinstance(source, str):
        raise ExpressionError("The program must be text.")
    if len(source) > limits.max_source_chars:
        raise ExpressionError(
            f"The program is {len(source):,} characters long; the limit is "
            f"{limits.max_source_chars:,}. Shorten it."
        )
    depth = deepest = 0
    for char in source:  # the parser itself must never see absurd nesting
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    if deepest > limits.max_depth // 2:
        raise ExpressionError(
            f"Brackets are nested {deepest} deep; at most {limits.max_depth // 2} levels are "
            "allowed. Split the expression over several lines with intermediate names."
        )


def parse_program(source: str, limits: Limits = LIMITS) -> ast.Module:
    """Parse and check `source` against the allow-list and the static limits.

    Returns the syntax tree; raises ExpressionError naming the line and column otherwise.
    """
    _check_source_text(source, limits)
    try:
        tree = parse(source, mode="exec")
    except SyntaxError as exc:
        column = exc.offset if exc.offset else None
        raise ExpressionError(
            f"This is not valid Python syntax ({exc.msg}). Check brackets, commas and indentation.",
            exc.lineno,
            column,
        ) from None
    except (ValueError, RecursionError, MemoryError, OverflowError):
        raise ExpressionError(
            "The program is too deeply nested or too long to read. Split it into shorter lines."
        ) from None

    _check_identifiers(tree, source)
    # Depth and node types, walked with an explicit stack (never recursion on user input).
    statements = 0
    stack: list[tuple[ast.AST, int, ast.AST | None]] = [(tree, 0, None)]
    while stack:
        node, depth, parent = stack.pop()
        if depth > limits.max_depth:
            raise refuse(
                node,
                f"The program nests more than {limits.max_depth} levels deep. "
                "Split long expressions over several lines.",
            )
        if isinstance(node, ast.stmt):
            statements += 1
            if statements > limits.max_statements:
                raise refuse(
                    node,
                    f"The program has more than {limits.max_statements} statements. Shorten it.",
                )
        _check_node(node, parent, limits)
        children = list(ast.iter_child_nodes(node))
        stack.extend((child, depth + 1, node) for child in reversed(children))  # source order
    return tree


def _identifiers(node: ast.AST) -> list[tuple[str, int]]:
    """The names written at `node`, each with the UTF-8 byte offset where it starts."""
    if isinstance(node, ast.Name):
        return [(node.id, node.col_offset)]
    if isinstance(node, ast.Attribute) and node.end_col_offset is not None:
        return [(node.attr, node.end_col_offset - len(node.attr.encode()))]
    if isinstance(node, ast.keyword) and node.arg is not None:
        return [(node.arg, node.col_offset)]
    return []


def _check_identifiers(tree: ast.Module, source: str) -> None:
    """Refuse a name with a character outside ASCII before anything else: `tоrch` with a
    Cyrillic о looks like `torch` but is an unknown name, and saying so beats any later
    complaint about what follows it. (ast.walk is iterative: no recursion on user input.)"""
    lines = source.splitlines()
    for node in ast.walk(tree):
        for name, start in _identifiers(node):
            if name.isascii():
                continue
            index = next(i for i, char in enumerate(name) if not char.isascii())
            char, line = name[index], getattr(node, "end_lineno", None)
            text = lines[line - 1] if line and line <= len(lines) else ""
            column = len(text.encode()[:start].decode(errors="ignore")) + index + 1
            what = unicodedata.name(char, "an unnamed character")
            raise ExpressionError(
                f"`{name}` is not a name this language knows: its character {index + 1}, "
                f"`{char}` ({what}, U+{ord(char):04X}), is not a plain Latin letter, though it "
                "may look like one. Retype the name with the letters a-z, digits and `_`.",
                line,
                column if text else None,
            )


def _check_node(node: ast.AST, parent: ast.AST | None, limits: Limits) -> None:
    """Refuse `node` with a sentence unless the language allows it where it stands."""
    kind = type(node)
    if kind in REFUSED:
        raise refuse(
            node, f"{REFUSED[kind].capitalize()} are not part of this language. " + ALLOWED_SUMMARY
        )
    if isinstance(node, ast.keyword):
        _check_keyword(node, parent)
    elif isinstance(
        node,
        ast.Module
        | ast.Load
        | ast.Store
        | ast.withitem
        | ast.List
        | ast.Tuple
        | ast.Expr
        | ast.BinOp
        | ast.UnaryOp,
    ):
        return
    elif isinstance(node, ast.operator | ast.unaryop):
        if kind not in BINARY and kind not in (ast.USub, ast.UAdd):
            raise refuse(
                parent or node, "Only the operators + - * / ** @ and unary minus are allowed."
            )
    elif isinstance(node, ast.Assign | ast.AugAssign | ast.With):
        _check_statement(node)
    elif isinstance(node, ast.Constant):
        _check_constant(node, parent, limits)
    elif isinstance(node, ast.Name):
        _check_name(node, parent)
    elif isinstance(node, ast.Attribute):
        _check_attribute(node, parent)
    elif isinstance(node, ast.Call):
        _check_call(node)
    else:
        raise refuse(
            node, f"`{type(node).__name__}` is not part of this language. " + ALLOWED_SUMMARY
        )


def _check_keyword(node: ast.keyword, parent: ast.AST | None) -> None:
    if node.arg is None:
        raise refuse(parent or node, "`**` unpacking is not part of this language.")
    if node.arg not in KEYWORDS:
        raise refuse(
            node,
            f"The keyword argument `{node.arg}=` is not allowed. Allowed "
            f"keywords: {', '.join(sorted(KEYWORDS))}.",
        )


def _check_statement(node: ast.Assign | ast.AugAssign | ast.With) -> None:
    if isinstance(node, ast.Assign):
        if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            raise refuse(node, "Assign to one plain name at a time, like `b = a + 2`.")
        _check_target(node.targets[0])
    elif isinstance(node, ast.AugAssign):
        if not isinstance(node.target, ast.Name) or type(node.op) not in AUGMENTED:
            raise refuse(node, "Only `name += …`, `-=`, `*=` and `/=` are allowed.")
        _check_target(node.target)
    elif (
        len(node.items) != 1
        or node.items[0].optional_vars is not None
        or not is_no_grad(node.items[0].context_expr)
    ):
        raise refuse(node, "The only `with` block allowed is `with torch.no_grad():`.")


def _check_name(node: ast.Name, parent: ast.AST | None) -> None:
    if node.id.startswith("_"):
        raise refuse(node, f"Names starting with an underscore (`{node.id}`) are not allowed.")
    if isinstance(parent, ast.Attribute) and parent.value is node and node.id in MODULE_NAMES:
        return
    if isinstance(parent, ast.Call) and parent.func is node:
        if (
            node.id in FUNCTIONS
            or node.id == PRINT
            or (node.id == "no_grad" and is_no_grad(parent))
        ):
            return
        raise refuse(
            node, f"`{node.id}(…)` is not a function this language knows. " + ALLOWED_FUNCTIONS
        )
    if node.id in RESERVED:
        raise refuse(
            node,
            f"`{node.id}` is a reserved name, not a value: call a function "
            f"like `torch.ones(3)` instead.",
        )


def _check_target(target: ast.Name) -> None:
    if target.id.startswith("_"):
        raise refuse(target, "Names starting with an underscore are not allowed.")
    if target.id in RESERVED:
        raise refuse(target, f"`{target.id}` is a reserved name; pick another variable name.")
    if len(target.id) > 40:
        raise refuse(target, "Variable names can be at most 40 characters long.")


def _check_constant(node: ast.Constant, parent: ast.AST | None, limits: Limits) -> None:
    value = node.value
    if isinstance(value, str):
        if isinstance(parent, ast.keyword) and parent.arg in {"reduction", "device"}:
            return
        if is_print(parent) and any(arg is node for arg in parent.args):
            if len(value) > MAX_TEXT_CHARS:
                raise refuse(
                    node, f"A text for print() can be at most {MAX_TEXT_CHARS} characters."
                )
            return
        raise refuse(
            node,
            "Text strings are only allowed in `print('…', x)`, as `reduction='mean'` (or "
            "'sum', 'none') and `device='cpu'`.",
        )
    if value is None or isinstance(value, bool | float):
        return
    if isinstance(value, int):
        if abs(value) > limits.max_int:
            raise refuse(
                node,
                f"The number {short(value)} is too large; whole numbers must "
                f"stay within ±{limits.max_int:.0e}.",
            )
        return
    raise refuse(node, f"Constants of type {type(value).__name__} are not allowed; use numbers.")


def _check_attribute(node: ast.Attribute, parent: ast.AST | None) -> None:
    attr = node.attr
    if attr.startswith("_"):
        raise refuse(
            node, f"`.{attr}` is not allowed: names starting with an underscore are off limits."
        )
    is_called = isinstance(parent, ast.Call) and parent.func is node
    if is_module_path(node.value):
        if is_called and (attr in FUNCTIONS or attr == "no_grad"):
            return
        if not is_called and attr in DTYPES:
            return
        if not is_called and attr in {"nn", "functional"} and isinstance(parent, ast.Attribute):
            return
        if is_called:
            raise refuse(
                node,
                f"`{ast.unparse(node.value)}.{attr}(…)` is not a function this "
                "language allows. " + ALLOWED_FUNCTIONS,
            )
        raise refuse(
            node,
            f"`{ast.unparse(node)}` is not allowed; from torch you can use "
            "functions, and dtypes like `torch.float32`.",
        )
    if is_called:
        if attr not in METHODS:
            raise refuse(node, f"The method `.{attr}()` is not allowed. " + ALLOWED_METHODS)
    elif attr not in PROPERTIES:
        allowed = ", ".join(f"`.{name}`" for name in sorted(PROPERTIES, key=str.lower))
        raise refuse(
            node, f"The attribute `.{attr}` is not allowed; the ones you can read are {allowed}."
        )


def _check_call(node: ast.Call) -> None:
    func = node.func
    if isinstance(func, ast.Name | ast.Attribute):
        seen = set()
        for keyword in node.keywords:
            if keyword.arg in seen:
                raise refuse(keyword, f"The keyword `{keyword.arg}=` is given twice.")
            seen.add(keyword.arg)
        return
    raise refuse(node, "Only listed functions and methods can be called. " + ALLOWED_SUMMARY)
