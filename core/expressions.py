"""A tiny, safe PyTorch-like language for the autograd page.

Students type a few lines such as

    a = torch.rand(3, requires_grad=True)
    b = a + 2
    c = b * b * 4
    d = c.mean()
    d.backward()

and `run_program(source)` runs them on real tensors. The source is parsed with `ast` and walked
against an allow-list; nothing is ever passed to eval, exec or compile. Every limit (source
length, statement count, nesting, constant sizes) is checked before anything runs, and the
shape of every tensor an operation would make is predicted from the input shapes alone (no
memory) and checked against the limits before the real operation runs.
"""

from __future__ import annotations

import ast
import math
import operator
import re
import time
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from core.graph import BackwardPass, GradientCheck, finite_difference_check, record_backward
from core.parsing import parse


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


# ---------------------------------------------------------------------------------------------
# What the language allows
# ---------------------------------------------------------------------------------------------

CREATION = {
    "tensor", "ones", "zeros", "full", "rand", "randn", "arange", "linspace", "eye",
    "ones_like", "zeros_like",
}
ELEMENTWISE = {"sin", "cos", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu"}
LOSSES = {"mse_loss", "l1_loss", "cross_entropy", "binary_cross_entropy"}
FUNCTIONS = CREATION | ELEMENTWISE | LOSSES | {"softmax", "log_softmax", "sum", "mean", "matmul"}
METHODS = {
    "sum", "mean", "pow", "exp", "relu", "sigmoid", "tanh", "view", "reshape", "t", "detach",
    "requires_grad_", "retain_grad", "backward", "zero_",
}
PROPERTIES = {"T", "grad"}
DTYPES = {
    "float32": torch.float32, "float": torch.float32, "float64": torch.float64,
    "double": torch.float64, "float16": torch.float16, "half": torch.float16,
    "bfloat16": torch.bfloat16, "int64": torch.int64, "long": torch.int64,
    "int32": torch.int32, "int": torch.int32, "bool": torch.bool,
}
MODULE_NAMES = {"torch", "F", "nn"}
RESERVED = MODULE_NAMES | FUNCTIONS | {"no_grad", "functional"}

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

_BINARY = {
    ast.Add: ("+", operator.add), ast.Sub: ("-", operator.sub), ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv), ast.Pow: ("**", operator.pow),
    ast.MatMult: ("@", operator.matmul),
}
_AUGMENTED = {
    ast.Add: operator.iadd, ast.Sub: operator.isub, ast.Mult: operator.imul,
    ast.Div: operator.itruediv,
}

_REFUSED = {
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

ALLOWED_SUMMARY = (
    "This language allows assignments like `b = a * 2`, numbers and lists of numbers, "
    "+ - * / ** @, listed torch functions and tensor methods, `.T`, `.grad` and "
    "`with torch.no_grad():`."
)
ALLOWED_FUNCTIONS = "Allowed functions: " + ", ".join(sorted(FUNCTIONS)) + "."
ALLOWED_METHODS = "Allowed methods: " + ", ".join(f".{m}()" for m in sorted(METHODS)) + "."


# ---------------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------------


@dataclass
class Binding:
    """One assignment that ran: `name = value` on `line`."""

    name: str
    value: Any
    line: int


@dataclass
class Program:
    """What a program left behind: its variables, every binding, and each backward() it ran."""

    source: str
    tree: ast.Module
    bindings: list[Binding] = field(default_factory=list)
    env: dict[str, Any] = field(default_factory=dict)
    backward_passes: list[BackwardPass] = field(default_factory=list)
    backward_lines: list[int] = field(default_factory=list)
    # Set by the gradient-check mode: the tensor that the first backward() started from.
    first_backward_root: torch.Tensor | None = None

    @property
    def variables(self) -> dict[str, torch.Tensor]:
        """Each name whose current value is a tensor, in the order it was first assigned."""
        return {k: v for k, v in self.env.items() if isinstance(v, torch.Tensor)}

    def named_tensors(self) -> dict[str, torch.Tensor]:
        """Every tensor the program named, for labelling the graph. A name bound to several
        tensors keeps its plain name for the current one; older ones read "name (line N)"."""
        current = self.variables
        labelled: dict[str, torch.Tensor] = {}
        for binding in self.bindings:
            value = binding.value
            if not isinstance(value, torch.Tensor):
                continue
            if current.get(binding.name) is value:
                labelled[binding.name] = value
            else:
                labelled[f"{binding.name} (line {binding.line})"] = value
        return labelled

    def default_root(self) -> torch.Tensor | None:
        """The tensor worth drawing: the last backward() root, else the last tensor assigned."""
        if self.backward_passes:
            return self.backward_passes[-1].root
        for binding in reversed(self.bindings):
            if isinstance(binding.value, torch.Tensor):
                return binding.value
        return None

    def backward_for(self, root: torch.Tensor) -> BackwardPass | None:
        """The latest recorded backward() that started from `root`, if any."""
        for recorded in reversed(self.backward_passes):
            if recorded.root is root:
                return recorded
        return None

    def leaf_bindings(self) -> list[Binding]:
        """Assignments whose value is a leaf tensor that requires grad (the things we train)."""
        return [
            b for b in self.bindings
            if isinstance(b.value, torch.Tensor) and b.value.is_leaf and b.value.requires_grad
        ]


# ---------------------------------------------------------------------------------------------
# Static checks: everything here runs before a single tensor is made
# ---------------------------------------------------------------------------------------------


def _where(node: ast.AST) -> tuple[int | None, int | None]:
    line = getattr(node, "lineno", None)
    col = getattr(node, "col_offset", None)
    return line, (col + 1 if col is not None else None)


def _refuse(node: ast.AST, sentence: str) -> ExpressionError:
    line, column = _where(node)
    return ExpressionError(sentence, line, column)


def _function_name(func: ast.AST) -> str | None:
    """'relu' for relu, torch.relu, F.relu, torch.nn.functional.relu, nn.functional.relu."""
    if isinstance(func, ast.Name):
        return func.id if func.id in FUNCTIONS else None
    if isinstance(func, ast.Attribute) and _is_module_path(func.value):
        return func.attr
    return None


def _is_module_path(node: ast.AST) -> bool:
    """torch, F, nn, torch.nn, torch.nn.functional, nn.functional."""
    if isinstance(node, ast.Name):
        return node.id in MODULE_NAMES
    if isinstance(node, ast.Attribute) and node.attr in {"nn", "functional"}:
        return _is_module_path(node.value)
    return False


def _is_no_grad(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call) or node.args or node.keywords:
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id == "no_grad"
    return isinstance(func, ast.Attribute) and func.attr == "no_grad" and _is_module_path(func.value)


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
            exc.lineno, column,
        ) from None
    except (ValueError, RecursionError, MemoryError, OverflowError):
        raise ExpressionError(
            "The program is too deeply nested or too long to read. Split it into shorter lines."
        ) from None

    # Depth and node types, walked with an explicit stack (never recursion on user input).
    statements = 0
    stack: list[tuple[ast.AST, int, ast.AST | None]] = [(tree, 0, None)]
    while stack:
        node, depth, parent = stack.pop()
        if depth > limits.max_depth:
            raise _refuse(node, f"The program nests more than {limits.max_depth} levels deep. "
                                "Split long expressions over several lines.")
        if isinstance(node, ast.stmt):
            statements += 1
            if statements > limits.max_statements:
                raise _refuse(node, f"The program has more than {limits.max_statements} "
                                    "statements. Shorten it.")
        _check_node(node, parent, limits)
        children = list(ast.iter_child_nodes(node))
        stack.extend((child, depth + 1, node) for child in reversed(children))  # source order
    return tree


def _check_node(node: ast.AST, parent: ast.AST | None, limits: Limits) -> None:  # noqa: C901
    kind = type(node)
    if kind in _REFUSED:
        raise _refuse(node, f"{_REFUSED[kind].capitalize()} are not part of this language. "
                            + ALLOWED_SUMMARY)
    if isinstance(node, ast.Module | ast.Load | ast.Store | ast.withitem | ast.keyword
                  | ast.List | ast.Tuple | ast.Expr):
        if isinstance(node, ast.keyword):
            if node.arg is None:
                raise _refuse(parent or node, "`**` unpacking is not part of this language.")
            if node.arg not in KEYWORDS:
                raise _refuse(node, f"The keyword argument `{node.arg}=` is not allowed. Allowed "
                                    f"keywords: {', '.join(sorted(KEYWORDS))}.")
        return
    if isinstance(node, ast.operator | ast.unaryop):
        if kind not in _BINARY and kind not in (ast.USub, ast.UAdd):
            raise _refuse(parent or node, "Only the operators + - * / ** @ and unary minus are "
                                          "allowed.")
        return
    if isinstance(node, ast.Assign):
        if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            raise _refuse(node, "Assign to one plain name at a time, like `b = a + 2`.")
        _check_target(node.targets[0])
        return
    if isinstance(node, ast.AugAssign):
        if not isinstance(node.target, ast.Name) or type(node.op) not in _AUGMENTED:
            raise _refuse(node, "Only `name += …`, `-=`, `*=` and `/=` are allowed.")
        _check_target(node.target)
        return
    if isinstance(node, ast.With):
        if len(node.items) != 1 or node.items[0].optional_vars is not None \
                or not _is_no_grad(node.items[0].context_expr):
            raise _refuse(node, "The only `with` block allowed is `with torch.no_grad():`.")
        return
    if isinstance(node, ast.BinOp | ast.UnaryOp):
        return
    if isinstance(node, ast.Constant):
        _check_constant(node, parent, limits)
        return
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise _refuse(node, f"Names starting with an underscore (`{node.id}`) are not allowed.")
        if isinstance(parent, ast.Attribute) and parent.value is node and node.id in MODULE_NAMES:
            return
        if isinstance(parent, ast.Call) and parent.func is node:
            if node.id in FUNCTIONS or (node.id == "no_grad" and _is_no_grad(parent)):
                return
            raise _refuse(node, f"`{node.id}(…)` is not a function this language knows. "
                                + ALLOWED_FUNCTIONS)
        if node.id in RESERVED:
            raise _refuse(node, f"`{node.id}` is a reserved name, not a value: call a function "
                                f"like `torch.ones(3)` instead.")
        return
    if isinstance(node, ast.Attribute):
        _check_attribute(node, parent)
        return
    if isinstance(node, ast.Call):
        _check_call(node)
        return
    raise _refuse(node, f"`{type(node).__name__}` is not part of this language. " + ALLOWED_SUMMARY)


def _check_target(target: ast.Name) -> None:
    if target.id.startswith("_"):
        raise _refuse(target, "Names starting with an underscore are not allowed.")
    if target.id in RESERVED:
        raise _refuse(target, f"`{target.id}` is a reserved name; pick another variable name.")
    if len(target.id) > 40:
        raise _refuse(target, "Variable names can be at most 40 characters long.")


def _check_constant(node: ast.Constant, parent: ast.AST | None, limits: Limits) -> None:
    value = node.value
    if isinstance(value, str):
        if isinstance(parent, ast.keyword) and parent.arg in {"reduction", "device"}:
            return
        raise _refuse(node, "Text strings are only allowed as `reduction='mean'` (or 'sum', "
                            "'none') and `device='cpu'`.")
    if value is None or isinstance(value, bool | float):
        return
    if isinstance(value, int):
        if abs(value) > limits.max_int:
            raise _refuse(node, f"The number {_short(value)} is too large; whole numbers must "
                                f"stay within ±{limits.max_int:.0e}.")
        return
    raise _refuse(node, f"Constants of type {type(value).__name__} are not allowed; use numbers.")


def _check_attribute(node: ast.Attribute, parent: ast.AST | None) -> None:
    attr = node.attr
    if attr.startswith("_"):
        raise _refuse(node, f"`.{attr}` is not allowed: names starting with an underscore are "
                            "off limits.")
    is_called = isinstance(parent, ast.Call) and parent.func is node
    if _is_module_path(node.value):
        if is_called and (attr in FUNCTIONS or attr == "no_grad"):
            return
        if not is_called and attr in DTYPES:
            return
        if not is_called and attr in {"nn", "functional"} and isinstance(parent, ast.Attribute):
            return
        if is_called:
            raise _refuse(node, f"`{ast.unparse(node.value)}.{attr}(…)` is not a function this "
                                "language allows. " + ALLOWED_FUNCTIONS)
        raise _refuse(node, f"`{ast.unparse(node)}` is not allowed; from torch you can use "
                            "functions, and dtypes like `torch.float32`.")
    if is_called:
        if attr not in METHODS:
            raise _refuse(node, f"The method `.{attr}()` is not allowed. " + ALLOWED_METHODS)
    elif attr not in PROPERTIES:
        raise _refuse(node, f"The attribute `.{attr}` is not allowed; only `.T` and `.grad` are.")


def _check_call(node: ast.Call) -> None:
    func = node.func
    if isinstance(func, ast.Name | ast.Attribute):
        seen = set()
        for keyword in node.keywords:
            if keyword.arg in seen:
                raise _refuse(keyword, f"The keyword `{keyword.arg}=` is given twice.")
            seen.add(keyword.arg)
        return
    raise _refuse(node, "Only listed functions and methods can be called. " + ALLOWED_SUMMARY)


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 20 else text[:8] + "…" + text[-4:]


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------


class _NoGradValue:
    """The value of `torch.no_grad()` outside a `with` (only reachable by mistake)."""


def _torch_sentence(message: str) -> str:
    """Turn PyTorch's message into a student-facing sentence (the original is shown beside it)."""
    text = message.lower()
    if "does not require grad and does not have a grad_fn" in text:
        return ("backward() was called on a tensor that autograd is not tracking: nothing it "
                "was computed from has requires_grad=True (or it was made under no_grad() or by "
                "detach()). Create the input with requires_grad=True.")
    if "grad can be implicitly created only for scalar outputs" in text:
        return ("backward() needs a single number to start from, but this tensor has several "
                "elements. Reduce it first (`.sum()` or `.mean()`), or pass a gradient of the "
                "same shape: `y.backward(torch.ones_like(y))`.")
    if "modified by an inplace operation" in text:
        return ("A tensor that backward() needs was changed in place (by a method ending in `_` "
                "or by `+=`) after it was used. Compute a new tensor instead (`b = b * 0` rather "
                "than `b.zero_()`), or make the change before using it.")
    if "leaf variable that requires grad is being used in an in-place operation" in text:
        return ("A leaf tensor that requires grad cannot be changed in place while autograd is "
                "watching. Put the update inside `with torch.no_grad():`, as an optimizer step "
                "does.")
    if "backward through the graph a second time" in text:
        return ("This graph was already used by a backward() call, which freed its saved values. "
                "Recompute the forward lines before calling backward() again, or pass "
                "`retain_graph=True` to the first backward().")
    if "only tensors of floating point" in text:
        return ("Only floating-point tensors can require gradients. Write numbers with a decimal "
                "point (1.0 instead of 1) or pass `dtype=torch.float32`.")
    if "must match the size" in text or "broadcast" in text:
        return ("The shapes of the two tensors do not fit together (they cannot be broadcast). "
                "Check the shapes in the variables table.")
    if "cannot be multiplied" in text or "size mismatch" in text or "same reduction dim" in text:
        return ("A matrix product needs the inner sizes to match: (n, k) @ (k, m). Check the "
                "shapes, or transpose one side with `.T`.")
    if "is invalid for input of size" in text:
        return ("The new shape must hold exactly as many elements as the tensor has. Check the "
                "numbers in view()/reshape() (one of them may be -1).")
    if "can't retain_grad on tensor that has requires_grad=false" in text:
        return "retain_grad() only works on tensors that require grad."
    if "expected floating point type for target" in text or "expected scalar type long" in text:
        return ("This loss wants a different type of target: cross_entropy takes whole-number "
                "class indices (`torch.tensor([1, 0])`), other losses take floats.")
    if "all elements of input should be between 0 and 1" in text:
        return ("binary_cross_entropy needs probabilities between 0 and 1: pass the input "
                "through sigmoid() first.")
    if "out of bounds" in text:
        return "A class index is out of range for the number of classes."
    if "should be the same" in text or "expected all tensors to be on the same device" in text:
        return "The tensors must have the same type and device; check the dtype= arguments."
    if "dimension out of range" in text:
        return "That dim= does not exist for this tensor; check its number of dimensions."
    return "PyTorch refused this line."


class _Interpreter:
    def __init__(self, program: Program, limits: Limits, seed: int, float64: bool,
                 leaf_values: dict[tuple[str, int], torch.Tensor] | None,
                 stop_at_first_backward: bool, retain_grads: bool) -> None:
        self.program = program
        self.limits = limits
        self.generator = torch.Generator().manual_seed(seed)
        self.float64 = float64
        self.leaf_values = leaf_values or {}
        self.stop_at_first_backward = stop_at_first_backward
        self.retain_grads = retain_grads
        self.total_elements = 0
        self.matmul_work = 0
        self.deadline = time.monotonic() + limits.max_seconds
        self.node: ast.AST = program.tree

    # -- statements --------------------------------------------------------------------------

    def run(self, statements: list[ast.stmt]) -> bool:
        """Run statements in order; return False once execution should stop (grad-check mode)."""
        for statement in statements:
            if time.monotonic() > self.deadline:
                raise _refuse(statement, f"The program ran longer than {self.limits.max_seconds:.0f}"
                                         " seconds and was stopped. Use smaller tensors.")
            if not self.statement(statement):
                return False
        return True

    def statement(self, node: ast.stmt) -> bool:
        self.node = node
        if isinstance(node, ast.Assign):
            target = node.targets[0]
            self.bind(target.id, self.evaluate(node.value), node.lineno)
        elif isinstance(node, ast.AugAssign):
            name = node.target.id
            if name not in self.program.env:
                raise _refuse(node.target, f"`{name}` has not been assigned yet.")
            current = self.program.env[name]
            right = self.evaluate(node.value)
            if isinstance(current, torch.Tensor):
                self.need_number_or_tensor(node.value, right)
                value = self.guarded(node, _AUGMENTED[type(node.op)], [current, right], {},
                                     "binary")
                self.program.env[name] = value
            else:
                self.bind(name, self.number_op(node, type(node.op), current, right), node.lineno)
        elif isinstance(node, ast.With):
            with torch.no_grad():
                return self.run(node.body)
        elif isinstance(node, ast.Expr):
            if self.stop_at_first_backward and _is_backward_call(node.value):
                self.stop_at_backward(node.value)
                return False
            self.evaluate(node.value)
        return True

    def bind(self, name: str, value: Any, line: int) -> None:
        if isinstance(value, torch.Tensor):
            key = (name, line)
            if key in self.leaf_values and value.is_leaf and value.requires_grad:
                value = self.leaf_values[key]
            if self.retain_grads and value.requires_grad and not value.is_leaf:
                value.retain_grad()
        elif isinstance(value, _NoGradValue):
            raise _refuse(self.node, "`torch.no_grad()` is only used as `with torch.no_grad():`.")
        self.program.env[name] = value
        self.program.bindings.append(Binding(name, value, line))

    def stop_at_backward(self, call: ast.Call) -> None:
        receiver = self.evaluate(call.func.value)
        root = self.need_tensor(call.func.value, receiver)
        if call.args:
            gradient = self.need_tensor(call.args[0], self.evaluate(call.args[0]))
            root = (root * gradient.to(root.dtype)).sum()
        self.program.first_backward_root = root

    # -- expressions -------------------------------------------------------------------------

    def evaluate(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in self.program.env:
                raise _refuse(node, f"`{node.id}` has not been assigned yet. Assign it on an "
                                    "earlier line.")
            return self.program.env[node.id]
        if isinstance(node, ast.List | ast.Tuple):
            return [self.evaluate(item) for item in node.elts]
        if isinstance(node, ast.UnaryOp):
            value = self.evaluate(node.operand)
            if isinstance(node.op, ast.UAdd):
                return self.need_number_or_tensor(node.operand, value)
            if isinstance(value, torch.Tensor):
                return self.guarded(node, operator.neg, [value], {}, "same")
            return -self.need_number(node.operand, value)
        if isinstance(node, ast.BinOp):
            left, right = self.evaluate(node.left), self.evaluate(node.right)
            if isinstance(left, torch.Tensor) or isinstance(right, torch.Tensor):
                self.need_number_or_tensor(node.left, left)
                self.need_number_or_tensor(node.right, right)
                kind = "matmul" if isinstance(node.op, ast.MatMult) else "binary"
                return self.guarded(node, _BINARY[type(node.op)][1], [left, right], {}, kind)
            return self.number_op(node, type(node.op), left, right)
        if isinstance(node, ast.Attribute):
            if _is_module_path(node.value):
                return DTYPES[node.attr]
            value = self.evaluate(node.value)
            tensor = self.need_tensor(node.value, value)
            if node.attr == "T":
                return self.guarded(node, lambda t: t.T, [tensor], {}, "same")
            return tensor.grad
        if isinstance(node, ast.Call):
            return self.call(node)
        raise _refuse(node, "This expression is not part of the language.")  # pragma: no cover

    def call(self, node: ast.Call) -> Any:
        if _is_no_grad(node):
            return _NoGradValue()
        name = _function_name(node.func)
        args = [self.evaluate(arg) for arg in node.args]
        kwargs = {kw.arg: self.evaluate(kw.value) for kw in node.keywords}
        if name is not None:
            allowed = FUNCTION_KWARGS[name]
            self.check_kwargs(node, name, kwargs, allowed)
            return self.call_function(node, name, args, kwargs)
        method = node.func.attr
        receiver = self.evaluate(node.func.value)
        tensor = self.need_tensor(node.func.value, receiver, method=method)
        self.check_kwargs(node, "." + method, kwargs, METHOD_KWARGS.get(method, set()))
        return self.call_method(node, tensor, method, args, kwargs)

    def check_kwargs(self, node: ast.Call, name: str, kwargs: dict, allowed: set[str]) -> None:
        for key, value in kwargs.items():
            if key not in allowed:
                hint = f"it takes {', '.join(sorted(allowed))}" if allowed else "it takes none"
                raise _refuse(node, f"`{name}` does not take the keyword `{key}=` ({hint}).")
            ok = {
                "requires_grad": isinstance(value, bool),
                "keepdim": isinstance(value, bool),
                "retain_graph": isinstance(value, bool),
                "dtype": isinstance(value, torch.dtype),
                "dim": _is_int(value) or (isinstance(value, list) and all(map(_is_int, value))),
                "reduction": value in REDUCTIONS,
                "device": isinstance(value, str) and _DEVICE_NAME.fullmatch(value) is not None,
            }[key]
            if not ok:
                expected = {
                    "requires_grad": "True or False", "keepdim": "True or False",
                    "retain_graph": "True or False", "dtype": "a dtype like torch.float32",
                    "dim": "a whole number", "reduction": "'mean', 'sum' or 'none'",
                    "device": "a device name like 'cpu'",
                }[key]
                raise _refuse(node, f"`{key}=` must be {expected}.")
        if "device" in kwargs:
            from core.devices import DeviceError, resolve_device

            try:
                kwargs["device"] = resolve_device(kwargs["device"])
            except DeviceError as exc:
                raise _refuse(node, str(exc)) from None

    def call_function(self, node: ast.Call, name: str, args: list, kwargs: dict) -> Any:
        for position, arg in enumerate(args):
            self.need_argument(node.args[position], arg, allow_lists=name in CREATION)
        if name == "tensor":
            if len(args) != 1:
                raise _refuse(node, "torch.tensor takes one number or one list of numbers.")
            count = _count_list_elements(args[0], self.limits.max_elements)
            if count is None:
                raise _refuse(node, f"torch.tensor got more than {self.limits.max_elements:,} "
                                    "numbers or a list nested too deeply.")
            return self.finish_creation(node, self.guarded(node, torch.tensor, args, kwargs,
                                                           "tensor"))
        if name in CREATION:
            if name in {"rand", "randn"}:
                kwargs = {**kwargs, "generator": self.generator}
            function = getattr(torch, name)
            return self.finish_creation(node, self.guarded(node, function, args, kwargs, name))
        function = getattr(F, name) if name in FUNCTIONAL else getattr(torch, name)
        if name in {"softmax", "log_softmax"} and "dim" not in kwargs and len(args) < 2:
            raise _refuse(node, f"{name} needs to know along which dimension to normalise: add "
                                "`dim=0` (or another dimension).")
        kind = {"matmul": "matmul", **{loss: "loss" for loss in LOSSES}}.get(name, "same")
        return self.guarded(node, function, args, kwargs, kind)

    def finish_creation(self, node: ast.AST, value: torch.Tensor) -> torch.Tensor:
        if self.float64 and value.is_floating_point() and value.dtype != torch.float64:
            value = value.detach().double().requires_grad_(value.requires_grad)
        return value

    def call_method(self, node: ast.Call, tensor: torch.Tensor, method: str, args: list,
                    kwargs: dict) -> Any:
        for position, arg in enumerate(args):
            self.need_argument(node.args[position], arg, allow_lists=method in {"view", "reshape"})
        if method == "backward":
            return self.backward(node, tensor, args, kwargs)
        if method == "retain_grad":
            self.guarded(node, torch.Tensor.retain_grad, [tensor], {}, None)
            return None
        if method in {"detach", "requires_grad_", "zero_"}:
            return self.guarded(node, getattr(torch.Tensor, method), [tensor, *args], kwargs,
                                None)
        kind = "binary" if method == "pow" else "same"
        return self.guarded(node, getattr(torch.Tensor, method), [tensor, *args], kwargs, kind)

    def backward(self, node: ast.Call, tensor: torch.Tensor, args: list, kwargs: dict) -> None:
        if len(self.program.backward_passes) >= self.limits.max_backward_calls:
            raise _refuse(node, f"At most {self.limits.max_backward_calls} backward() calls are "
                                "allowed in one program.")
        if len(args) > 1 or (args and not isinstance(args[0], torch.Tensor)):
            raise _refuse(node, "backward() takes at most one argument: a gradient tensor with "
                                "the same shape as the tensor.")
        gradient = args[0] if args else None
        try:
            recorded = record_backward(tensor, gradient, retain_graph=kwargs.get("retain_graph"))
        except (RuntimeError, TypeError, ValueError) as exc:
            raise self.torch_error(node, exc) from None
        self.program.backward_passes.append(recorded)
        self.program.backward_lines.append(node.lineno)
        return None

    # -- guarded operations ------------------------------------------------------------------

    def guarded(self, node: ast.AST, function, args: list, kwargs: dict,
                kind: str | None) -> Any:
        """Predict the result's shape (`kind` says how), check the limits, then run for real.
        `kind` None means the operation makes no new tensor data."""
        if kind is not None:
            self.check_size(node, kind, args)
        try:
            return function(*args, **kwargs)
        except (RuntimeError, TypeError, ValueError, IndexError, OverflowError,
                ZeroDivisionError, NotImplementedError) as exc:
            raise self.torch_error(node, exc) from None

    def check_size(self, node: ast.AST, kind: str, args: list) -> None:
        try:
            predicted = _predict_shape(kind, args, self.limits)
        except _SizeError as exc:
            raise _refuse(node, str(exc)) from None
        if predicted is None:  # the real operation fails its own shape check before allocating
            return
        shape, work = predicted
        numel = math.prod(shape)
        if len(shape) > self.limits.max_dims:
            raise _refuse(node, f"This would make a tensor with {len(shape)} dimensions; at most "
                                f"{self.limits.max_dims} are allowed.")
        if numel > self.limits.max_elements:
            raise _refuse(node, f"This would make a tensor of shape {tuple(shape)} with "
                                f"{numel:,} elements; the limit is {self.limits.max_elements:,}. "
                                "Use smaller sizes.")
        self.total_elements += numel
        if self.total_elements > self.limits.max_total_elements:
            raise _refuse(node, f"The program made more than {self.limits.max_total_elements:,} "
                                "tensor elements in total. Use smaller tensors.")
        self.matmul_work += work
        if self.matmul_work > self.limits.max_matmul_work:
            raise _refuse(node, "The matrix products in this program are too large to compute "
                                "here. Use smaller matrices.")

    def torch_error(self, node: ast.AST, exc: BaseException) -> ExpressionError:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        line, column = _where(node)
        return ExpressionError(_torch_sentence(message), line, column, torch_message=message)

    # -- value checks ------------------------------------------------------------------------

    def number_op(self, node: ast.AST, op_type: type, left: Any, right: Any) -> Any:
        left = self.need_number(node, left)
        right = self.need_number(node, right)
        symbol, function = _BINARY.get(op_type, ("?", None))
        if op_type is ast.MatMult:
            raise _refuse(node, "`@` multiplies matrices: both sides must be tensors.")
        if op_type is ast.Pow:
            base = abs(float(left))
            if base > 1 and abs(float(right)) * math.log2(base) > 64 and float(right) > 0:
                raise _refuse(node, f"{_short(left)} ** {_short(right)} is far too large a "
                                    "number. Use smaller exponents.")
            if base < 1 and base != 0 and float(right) < 0 \
                    and abs(float(right)) * -math.log2(base) > 64:
                raise _refuse(node, "This power is far too large a number.")
        try:
            result = function(left, right)
        except (ZeroDivisionError, OverflowError, ValueError) as exc:
            raise _refuse(node, f"The arithmetic {_short(left)} {symbol} {_short(right)} failed "
                                f"({exc}).") from None
        if isinstance(result, complex):
            raise _refuse(node, "This power of a negative number is not a real number.")
        if isinstance(result, int) and abs(result) > self.limits.max_int:
            raise _refuse(node, f"The whole number {_short(result)} is too large; keep numbers "
                                f"within ±{self.limits.max_int:.0e}.")
        return result

    def need_number(self, node: ast.AST, value: Any) -> int | float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _refuse(node, f"Expected a number here, got {_describe(value)}.")
        return value

    def need_number_or_tensor(self, node: ast.AST, value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            return value
        return self.need_number(node, value)

    def need_tensor(self, node: ast.AST, value: Any, method: str | None = None) -> torch.Tensor:
        if isinstance(value, torch.Tensor):
            return value
        if value is None:
            raise _refuse(node, f"`{ast.unparse(node)}` is None: a .grad stays None until a "
                                "backward() call reaches that tensor.")
        what = f" to call .{method}() on" if method else ""
        raise _refuse(node, f"Expected a tensor{what}, got {_describe(value)}. Make one with "
                            "torch.tensor(...).")

    def need_argument(self, node: ast.AST, value: Any, allow_lists: bool) -> None:
        if isinstance(value, torch.Tensor) or (isinstance(value, int | float)
                                               and not isinstance(value, bool)):
            return
        if isinstance(value, list) and allow_lists:
            if _count_list_elements(value, self.limits.max_elements) is None:
                raise _refuse(node, "Lists may only hold numbers (or lists of numbers).")
            return
        if value is None:
            raise _refuse(node, f"`{ast.unparse(node)}` is None (a .grad before backward()).")
        raise _refuse(node, f"This argument must be a tensor or a number, got {_describe(value)}.")


def _is_backward_call(node: ast.expr) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "backward" and not _is_module_path(node.func.value))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _describe(value: Any) -> str:
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


def _count_list_elements(value: Any, limit: int) -> int | None:
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


class _SizeError(ValueError):
    """A size argument that is not a plain whole number, or a count that cannot be computed."""


def _size_list(args: list) -> list[int]:
    sizes = args[0] if len(args) == 1 and isinstance(args[0], list) else args
    if not isinstance(sizes, list) or not all(_is_int(s) for s in sizes):
        raise _SizeError("Sizes must be whole numbers, like `torch.ones(2, 3)` or "
                         "`torch.ones([2, 3])`.")
    if any(s < 0 for s in sizes):
        raise _SizeError("Sizes cannot be negative.")
    return sizes


def _shape_of(value: Any) -> tuple[int, ...]:
    return tuple(value.shape) if isinstance(value, torch.Tensor) else ()


def _predict_shape(kind: str, args: list, limits: Limits) -> tuple[tuple[int, ...], int] | None:
    """The shape an operation would produce and its multiply-add count, from shapes alone.

    Returns None when the shapes do not fit (the real operation then raises before it
    allocates anything). Raises _SizeError for sizes that are not plain whole numbers.
    """
    tensors = [a for a in args if isinstance(a, torch.Tensor)]
    if kind == "tensor":
        count = _count_list_elements(args[0], limits.max_elements) if args else 0
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
            raise _SizeError("arange takes one to three numbers: end, or start, end, step.")
        start, end, step = (0, args[0], 1) if len(args) == 1 else (*args[:2], args[2] if
                                                                    len(args) == 3 else 1)
        if step == 0 or not all(math.isfinite(v) for v in (start, end, step)):
            raise _SizeError("arange needs finite numbers and a step that is not zero.")
        return ((max(0, math.ceil((end - start) / step)),), 0)
    if kind == "linspace":
        if len(args) < 3 or not _is_int(args[2]) or args[2] < 0:
            raise _SizeError("linspace takes start, end and a whole number of steps.")
        return ((args[2],), 0)
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
        if len(tensors) != 2:
            return None
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
    raise _SizeError(f"Unknown operation kind {kind}.")  # pragma: no cover


def run_program(
    source: str,
    *,
    seed: int = 0,
    limits: Limits = LIMITS,
    retain_grads: bool = True,
    float64: bool = False,
    leaf_values: dict[tuple[str, int], torch.Tensor] | None = None,
    stop_at_first_backward: bool = False,
) -> Program:
    """Check and run `source`; return the Program (its variables, bindings and backward passes).

    `seed` seeds rand/randn. `retain_grads` calls retain_grad() on every named intermediate so
    its gradient can be shown. The last three arguments serve the gradient check: run in
    float64, replace the leaf assigned on (name, line) by a given tensor, and stop at the first
    backward() (its root is left in `first_backward_root`).
    Raises ExpressionError (with `.program` set to what ran so far) for anything not allowed or
    refused by PyTorch.
    """
    tree = parse_program(source, limits)
    program = Program(source=source, tree=tree)
    interpreter = _Interpreter(program, limits, seed, float64, leaf_values,
                               stop_at_first_backward, retain_grads)
    try:
        interpreter.run(tree.body)
    except ExpressionError as exc:
        exc.program = program
        raise
    except RecursionError:
        error = ExpressionError("The program is too deeply nested to run.")
        error.program = program
        raise error from None
    return program


def check_gradients(program: Program, max_elements: int = 48) -> list[GradientCheck]:
    """Compare autograd with finite differences (float64) for the program's first backward().

    Each leaf that requires grad and was assigned before that backward() is perturbed element
    by element (up to `max_elements` per leaf); the program is re-run in float64 each time.
    Raises ExpressionError when the program has no backward() to check.
    """
    if not program.backward_lines:
        raise ExpressionError("There is no backward() call to check. Add one, like "
                              "`loss.backward()`.")
    first_line = program.backward_lines[0]
    leaves = {
        (b.name, b.line): b.value for b in program.leaf_bindings()
        if b.line < first_line and b.value.is_floating_point()
    }
    if not leaves:
        raise ExpressionError("No leaf with requires_grad=True is assigned before the first "
                              "backward(), so there is no gradient to check.")
    labels = _leaf_labels(list(leaves))

    def loss(values: dict[str, torch.Tensor]) -> torch.Tensor:
        overrides = {key: values[labels[key]] for key in leaves}
        rerun = run_program(program.source, float64=True, leaf_values=overrides,
                            stop_at_first_backward=True, retain_grads=False)
        return rerun.first_backward_root

    start = {labels[key]: value.detach().double() for key, value in leaves.items()}
    return finite_difference_check(loss, start, max_elements=max_elements)


def _leaf_labels(keys: list[tuple[str, int]]) -> dict[tuple[str, int], str]:
    counts: dict[str, int] = {}
    for name, _ in keys:
        counts[name] = counts.get(name, 0) + 1
    return {(n, line): n if counts[n] == 1 else f"{n} (line {line})" for n, line in keys}


def to_pytorch_code(program_or_source: Program | str, seed: int = 0) -> str:
    """The program as plain PyTorch that runs in a notebook (imports, seed, bare names prefixed)."""
    source = program_or_source.source if isinstance(program_or_source, Program) \
        else program_or_source
    tree = parse_program(source)

    class _Prefix(ast.NodeTransformer):
        def visit_Call(self, node: ast.Call) -> ast.AST:
            self.generic_visit(node)
            name = _function_name(node.func)
            if name is not None or _is_no_grad(node):
                name = name or "no_grad"
                module = "F" if name in FUNCTIONAL else "torch"
                node.func = ast.Attribute(value=ast.Name(id=module, ctx=ast.Load()), attr=name,
                                          ctx=ast.Load())
            return node

    body = ast.unparse(ast.fix_missing_locations(_Prefix().visit(tree)))
    needs_seed = any(word in source for word in ("rand(", "randn("))
    lines = ["import torch", "import torch.nn.functional as F", ""]
    if needs_seed:
        lines += [f"torch.manual_seed({seed})", ""]
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and node.targets[0].id not in names:
            names.append(node.targets[0].id)
    lines.append(body)
    if names:
        lines += ["", "# Look at the results (in a notebook, just type the name):"]
        lines += [f"print('{name} =', {name})" for name in names]
    return "\n".join(lines) + "\n"
