"""A tiny, safe PyTorch-like language for the autograd page.

Students type a few lines such as

    a = torch.rand(3, requires_grad=True)
    b = a + 2
    c = b * b * 4
    d = c.mean()
    d.backward()

and `run_program(source)` runs them on real tensors. The source is parsed with `ast` and walked
against an allow-list (`checker`); nothing is ever passed to eval, exec or compile. Every limit
(source length, statement count, nesting, constant sizes) is checked before anything runs, and
the shape of every tensor an operation would make is predicted from the input shapes alone
(`shapes`, no memory) and checked against the limits before the real operation runs.
"""

from core.expressions.checker import parse_program
from core.expressions.errors import ExpressionError
from core.expressions.export import to_pytorch_code
from core.expressions.gradcheck import check_gradients
from core.expressions.interpreter import run_program
from core.expressions.language import (
    ALLOWED_FUNCTIONS,
    ALLOWED_METHODS,
    ALLOWED_SUMMARY,
    CREATION,
    DTYPES,
    ELEMENTWISE,
    FUNCTION_KWARGS,
    FUNCTIONAL,
    FUNCTIONS,
    KEYWORDS,
    LIMITS,
    LOSSES,
    METHOD_KWARGS,
    METHODS,
    MODULE_NAMES,
    PROPERTIES,
    REDUCTIONS,
    RESERVED,
    Limits,
)
from core.expressions.program import Binding, Program

__all__ = [
    "ALLOWED_FUNCTIONS",
    "ALLOWED_METHODS",
    "ALLOWED_SUMMARY",
    "CREATION",
    "DTYPES",
    "ELEMENTWISE",
    "FUNCTIONAL",
    "FUNCTIONS",
    "FUNCTION_KWARGS",
    "KEYWORDS",
    "LIMITS",
    "LOSSES",
    "METHODS",
    "METHOD_KWARGS",
    "MODULE_NAMES",
    "PROPERTIES",
    "REDUCTIONS",
    "RESERVED",
    "Binding",
    "ExpressionError",
    "Limits",
    "Program",
    "check_gradients",
    "parse_program",
    "run_program",
    "to_pytorch_code",
]
