"""What the autograd page's language allows: limits, allow-lists, the torch names it knows."""

from __future__ import annotations

import ast
import operator
import re
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class Limits:
    """Hard limits on what one program may ask for; all checked before the work is done."""

    max_source_chars: int = 5_000  # a screenful of code is plenty for a lesson
    max_statements: int = 200  # counting statements inside `with` blocks
    max_depth: int = 60  # nesting of the syntax tree (brackets, operators, calls)
    max_elements: int = 1_000_000  # elements in any one tensor (4 MB of float32)
    max_total_elements: int = 20_000_000  # elements made by the whole program
    max_matmul_work: int = 200_000_000  # multiply-adds in all matrix products together
    max_dims: int = 8  # dimensions of any one tensor
    max_int: int = 10**12  # magnitude of a whole number (sizes, exponents, literals)
    max_backward_calls: int = 20  # backward() calls in one program
    max_seconds: float = 5.0  # wall-clock budget, checked between statements


LIMITS = Limits()

# fmt: off
CREATION = {
    "tensor", "ones", "zeros", "full", "rand", "randn", "arange", "linspace", "eye",
    "ones_like", "zeros_like",
}
ELEMENTWISE = {"sin", "cos", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu"}
LOSSES = {
    "mse_loss", "l1_loss", "cross_entropy", "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
}
FUNCTIONS = CREATION | ELEMENTWISE | LOSSES | {"softmax", "log_softmax", "sum", "mean", "matmul"}
METHODS = {
    "sum", "mean", "pow", "exp", "relu", "sigmoid", "tanh", "view", "reshape", "t", "detach",
    "requires_grad_", "retain_grad", "backward", "zero_",
}
# Read-only attributes. Those of a tensor; `next_functions` is the one of a grad_fn (a backward
# node); nothing else of a backward node (its `_saved_*`, hooks, `metadata`) is reachable.
TENSOR_PROPERTIES = {"T", "grad", "grad_fn", "is_leaf", "requires_grad", "shape", "dtype"}
NODE_PROPERTIES = {"next_functions"}
PROPERTIES = TENSOR_PROPERTIES | NODE_PROPERTIES
PRINT = "print"  # print(...) of values and short texts; what it prints is the program's output
MAX_OUTPUT_CHARS = 2_000  # of one print() or one echoed line; longer output is cut with "…"
MAX_TEXT_CHARS = 200  # a text string given to print()
DTYPES = {
    "float32": torch.float32, "float": torch.float32, "float64": torch.float64,
    "double": torch.float64, "float16": torch.float16, "half": torch.float16,
    "bfloat16": torch.bfloat16, "int64": torch.int64, "long": torch.int64,
    "int32": torch.int32, "int": torch.int32, "bool": torch.bool,
}
MODULE_NAMES = {"torch", "F", "nn"}
RESERVED = MODULE_NAMES | FUNCTIONS | {"no_grad", "functional", PRINT}

_CREATION_KWARGS = {"dtype", "requires_grad", "device"}
FUNCTION_KWARGS: dict[str, set[str]] = {
    **{name: _CREATION_KWARGS for name in CREATION},
    **{name: set() for name in ELEMENTWISE | {"matmul"}},
    **{name: {"reduction"} for name in LOSSES},
    "softmax": {"dim"}, "log_softmax": {"dim"}, "sum": {"dim", "keepdim"}, "mean": {"dim", "keepdim"},
}
METHOD_KWARGS: dict[str, set[str]] = {
    "sum": {"dim", "keepdim"}, "mean": {"dim", "keepdim"}, "requires_grad_": {"requires_grad"},
    "backward": {"retain_graph"},
}
KEYWORDS = {"requires_grad", "dtype", "dim", "keepdim", "reduction", "device", "retain_graph"}
REDUCTIONS = {"mean", "sum", "none"}
_DEVICE_NAME = re.compile(r"[a-z]{2,10}(:[0-9]{1,2})?")
# Functions that live in torch.nn.functional rather than torch (for the exported code).
FUNCTIONAL = LOSSES

BINARY = {
    ast.Add: ("+", operator.add), ast.Sub: ("-", operator.sub), ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv), ast.Pow: ("**", operator.pow),
    ast.MatMult: ("@", operator.matmul),
}
AUGMENTED = {
    ast.Add: operator.iadd, ast.Sub: operator.isub, ast.Mult: operator.imul,
    ast.Div: operator.itruediv,
}

REFUSED = {
    ast.Import: "imports", ast.ImportFrom: "imports", ast.Lambda: "lambdas",
    ast.FunctionDef: "function definitions", ast.AsyncFunctionDef: "function definitions",
    ast.ClassDef: "class definitions", ast.For: "loops", ast.AsyncFor: "loops",
    ast.While: "loops", ast.If: "if statements", ast.IfExp: "conditional expressions",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions", ast.Subscript: "indexing with [ ]",
    ast.Compare: "comparisons", ast.BoolOp: "and/or", ast.Dict: "dictionaries",
    ast.Set: "sets", ast.JoinedStr: "text strings", ast.Try: "try blocks",
    ast.Raise: "raise", ast.Delete: "del", ast.Global: "global", ast.Nonlocal: "nonlocal",
    ast.Return: "return", ast.Yield: "yield", ast.YieldFrom: "yield", ast.Await: "await",
    ast.NamedExpr: "the := operator", ast.Starred: "* unpacking", ast.Assert: "assert",
    ast.AnnAssign: "annotated assignments", ast.Slice: "slices", ast.Pass: "pass",
    ast.Break: "break", ast.Continue: "continue", ast.AsyncWith: "async with",
}
# fmt: on


def is_int(value: Any) -> bool:
    """A whole number that is not True/False."""
    return isinstance(value, int) and not isinstance(value, bool)


# Each keyword's test of its value, and what the sentence says it must be when the test fails.
KEYWORD_VALUES: dict[str, tuple[Any, str]] = {
    "requires_grad": (lambda v: isinstance(v, bool), "True or False"),
    "keepdim": (lambda v: isinstance(v, bool), "True or False"),
    "retain_graph": (lambda v: isinstance(v, bool), "True or False"),
    "dtype": (lambda v: isinstance(v, torch.dtype), "a dtype like torch.float32"),
    "dim": (lambda v: is_int(v) or (isinstance(v, list) and all(map(is_int, v))), "a whole number"),
    "reduction": (lambda v: isinstance(v, str) and v in REDUCTIONS, "'mean', 'sum' or 'none'"),
    "device": (
        lambda v: isinstance(v, str) and _DEVICE_NAME.fullmatch(v) is not None,
        "a device name like 'cpu'",
    ),
}

ALLOWED_SUMMARY = (
    "This language allows assignments like `b = a * 2`, numbers and lists of numbers, "
    "+ - * / ** @, listed torch functions and tensor methods, the attributes "
    + ", ".join(f"`.{name}`" for name in sorted(PROPERTIES, key=str.lower))
    + ", `print(...)` and `with torch.no_grad():`."
)
ALLOWED_FUNCTIONS = "Allowed functions: " + ", ".join(sorted(FUNCTIONS)) + "."
ALLOWED_METHODS = "Allowed methods: " + ", ".join(f".{m}()" for m in sorted(METHODS)) + "."


def function_name(func: ast.AST) -> str | None:
    """'relu' for relu, torch.relu, F.relu, torch.nn.functional.relu, nn.functional.relu."""
    if isinstance(func, ast.Name):
        return func.id if func.id in FUNCTIONS else None
    if isinstance(func, ast.Attribute) and is_module_path(func.value):
        return func.attr
    return None


def is_module_path(node: ast.AST) -> bool:
    """torch, F, nn, torch.nn, torch.nn.functional, nn.functional."""
    if isinstance(node, ast.Name):
        return node.id in MODULE_NAMES
    if isinstance(node, ast.Attribute) and node.attr in {"nn", "functional"}:
        return is_module_path(node.value)
    return False


def is_no_grad(node: ast.AST) -> bool:
    """`torch.no_grad()` or `no_grad()`, called with no arguments."""
    if not isinstance(node, ast.Call) or node.args or node.keywords:
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id == "no_grad"
    return isinstance(func, ast.Attribute) and func.attr == "no_grad" and is_module_path(func.value)


def is_print(node: ast.AST | None) -> bool:
    """`print(...)`: the one built-in a program may call."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == PRINT


def is_backward_call(node: ast.expr) -> bool:
    """`something.backward(...)` (a tensor method, not a torch function)."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "backward"
        and not is_module_path(node.func.value)
    )
