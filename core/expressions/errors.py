"""ExpressionError and the helpers that word it: where in the source, short values, kinds."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

import torch

from core.messages import explain, first_line

if TYPE_CHECKING:
    from core.expressions.program import Program


class ExpressionError(ValueError):
    """A program that is not allowed, or that PyTorch refused, explained in a sentence.

    `line` and `column` are 1-based (None when the whole program is at fault); `torch_message`
    holds PyTorch's own message when PyTorch raised; `program` holds what ran before the error
    (a `Program`, or None when nothing ran), so a page can still draw the graph so far.
    """

    def __init__(
        self,
        sentence: str,
        line: int | None = None,
        column: int | None = None,
        torch_message: str | None = None,
    ) -> None:
        self.sentence = sentence
        self.line = line
        self.column = column
        self.torch_message = torch_message
        self.program: Program | None = None
        where = f"Line {line}, column {column}: " if line is not None else ""
        super().__init__(where + sentence)


def where(node: ast.AST) -> tuple[int | None, int | None]:
    """The 1-based line and column of `node` (None where the node has none)."""
    line = getattr(node, "lineno", None)
    col = getattr(node, "col_offset", None)
    return line, (col + 1 if col is not None else None)


def refuse(node: ast.AST, sentence: str) -> ExpressionError:
    """The error for `node`, at its line and column."""
    line, column = where(node)
    return ExpressionError(sentence, line, column)


def torch_refusal(node: ast.AST, exc: BaseException) -> ExpressionError:
    """The error for a line PyTorch refused: our sentence, PyTorch's own message beside it."""
    message = first_line(exc)
    line, column = where(node)
    sentence = explain(message, "program", default="PyTorch refused this line.")
    return ExpressionError(sentence, line, column, torch_message=message)


def short(value: Any) -> str:
    """A number written short enough for a sentence."""
    text = str(value)
    return text if len(text) <= 20 else text[:8] + "…" + text[-4:]


def describe_value(value: Any) -> str:
    """What kind of value this is, for "Expected a tensor, got …"."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True/False"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, torch.dtype):
        return "a dtype"
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    return f"a {type(value).__name__}"
