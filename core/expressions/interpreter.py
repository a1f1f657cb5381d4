"""The interpreter: runs a checked program statement by statement on real tensors."""

from __future__ import annotations

import ast
import operator
import time
from typing import Any

import torch
import torch.nn.functional as F

from core.expressions.checker import parse_program
from core.expressions.errors import ExpressionError, describe_value, refuse, torch_refusal
from core.expressions.language import (
    AUGMENTED,
    BINARY,
    CREATION,
    DTYPES,
    FUNCTION_KWARGS,
    FUNCTIONAL,
    LIMITS,
    LOSSES,
    MAX_OUTPUT_CHARS,
    METHOD_KWARGS,
    NODE_PROPERTIES,
    Limits,
    function_name,
    is_backward_call,
    is_module_path,
    is_no_grad,
    is_print,
)
from core.expressions.moments import Snapshots
from core.expressions.program import Binding, Output, Program
from core.expressions.shapes import SizeBudget, count_list_elements
from core.expressions.values import (
    check_kwargs,
    need_argument,
    need_number,
    need_number_or_tensor,
    need_tensor,
    number_op,
)
from core.graph import record_backward


class _NoGradValue:
    """The value of `torch.no_grad()` outside a `with` (only reachable by mistake)."""


class Interpreter:
    """One run of a checked program: its environment, seeded generator and size budget."""

    def __init__(
        self,
        program: Program,
        limits: Limits,
        seed: int,
        float64: bool,
        leaf_values: dict[tuple[str, int], torch.Tensor] | None,
        stop_at_first_backward: bool,
        retain_grads: bool,
        moments: bool = True,
    ) -> None:
        self.program = program
        self.limits = limits
        self.generator = torch.Generator().manual_seed(seed)
        self.float64 = float64
        self.leaf_values = leaf_values or {}
        self.stop_at_first_backward = stop_at_first_backward
        self.retain_grads = retain_grads
        self.budget = SizeBudget(limits)
        self.deadline = time.monotonic() + limits.max_seconds
        self.node: ast.AST = program.tree
        self.snapshots = Snapshots() if moments else None
        self.lines: list[bytes] | None = None  # the source's lines, split when first needed

    # -- statements --------------------------------------------------------------------------

    def run(self, statements: list[ast.stmt]) -> bool:
        """Run statements in order; return False once execution should stop (grad-check mode)."""
        for statement in statements:
            if time.monotonic() > self.deadline:
                raise refuse(
                    statement,
                    f"The program ran longer than {self.limits.max_seconds:.0f}"
                    " seconds and was stopped. Use smaller tensors.",
                )
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
                raise refuse(node.target, f"`{name}` has not been assigned yet.")
            current = self.program.env[name]
            right = self.evaluate(node.value)
            if isinstance(current, torch.Tensor):
                need_number_or_tensor(node.value, right)
                value = self.guarded(node, AUGMENTED[type(node.op)], [current, right], {}, "binary")
                self.program.env[name] = value
            else:
                self.bind(
                    name, number_op(node, type(node.op), current, right, self.limits), node.lineno
                )
        elif isinstance(node, ast.With):
            with torch.no_grad():
                return self.run(node.body)
        elif isinstance(node, ast.Expr):
            if self.stop_at_first_backward and is_backward_call(node.value):
                self.stop_at_backward(node.value)
                return False
            value = self.evaluate(node.value)
            if _echoes(node.value, value):
                self.show(node, _cut(repr(value)))
        return True

    def source_of(self, node: ast.AST) -> str:
        """The first line of `node` as the student wrote it (ast's offsets count UTF-8 bytes)."""
        if self.lines is None:
            self.lines = [line.encode() for line in self.program.source.splitlines()]
        row = node.lineno - 1
        if not 0 <= row < len(self.lines):  # pragma: no cover - every statement has its line
            return _cut(ast.unparse(node))
        line = self.lines[row]
        end = node.end_col_offset if node.end_lineno == node.lineno else len(line)
        return _cut(line[node.col_offset : end].decode(errors="replace"))

    def show(self, node: ast.stmt | ast.expr, text: str) -> None:
        """Add a line's output, as Python's console would show it."""
        self.program.output.append(Output(node.lineno, self.source_of(node), text))

    def bind(self, name: str, value: Any, line: int) -> None:
        if isinstance(value, torch.Tensor):
            key = (name, line)
            if key in self.leaf_values and value.is_leaf and value.requires_grad:
                value = self.leaf_values[key]
            if self.retain_grads and value.requires_grad and not value.is_leaf:
                value.retain_grad()
            if self.snapshots is not None:
                self.snapshots.watch(value)
                if id(value) not in self.program.moments:
                    statement = self.source_of(self.node)
                    label = f"right after line {line} ({statement}) made {name}"
                    self.program.moments[id(value)] = self.snapshots.take(label)
        elif isinstance(value, _NoGradValue):
            raise refuse(self.node, "`torch.no_grad()` is only used as `with torch.no_grad():`.")
        self.program.env[name] = value
        self.program.bindings.append(Binding(name, value, line))

    def stop_at_backward(self, call: ast.Call) -> None:
        receiver = self.evaluate(call.func.value)
        root = need_tensor(call.func.value, receiver)
        if call.args:
            gradient = need_tensor(call.args[0], self.evaluate(call.args[0]))
            root = (root * gradient.to(root.dtype)).sum()
        self.program.first_backward_root = root

    # -- expressions -------------------------------------------------------------------------

    def evaluate(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in self.program.env:
                raise refuse(
                    node, f"`{node.id}` has not been assigned yet. Assign it on an earlier line."
                )
            return self.program.env[node.id]
        if isinstance(node, ast.List | ast.Tuple):
            return [self.evaluate(item) for item in node.elts]
        if isinstance(node, ast.UnaryOp):
            value = self.evaluate(node.operand)
            if isinstance(node.op, ast.UAdd):
                return need_number_or_tensor(node.operand, value)
            if isinstance(value, torch.Tensor):
                return self.guarded(node, operator.neg, [value], {}, "same")
            return -need_number(node.operand, value)
        if isinstance(node, ast.BinOp):
            left, right = self.evaluate(node.left), self.evaluate(node.right)
            if isinstance(left, torch.Tensor) or isinstance(right, torch.Tensor):
                need_number_or_tensor(node.left, left)
                need_number_or_tensor(node.right, right)
                kind = "matmul" if isinstance(node.op, ast.MatMult) else "binary"
                return self.guarded(node, BINARY[type(node.op)][1], [left, right], {}, kind)
            return number_op(node, type(node.op), left, right, self.limits)
        if isinstance(node, ast.Attribute):
            if is_module_path(node.value):
                return DTYPES[node.attr]
            value = self.evaluate(node.value)
            if node.attr in NODE_PROPERTIES:
                return need_backward_node(node.value, value).next_functions
            tensor = need_tensor(node.value, value)
            if node.attr == "T":
                return self.guarded(node, lambda t: t.T, [tensor], {}, "same")
            return getattr(tensor, node.attr)  # a read-only attribute of the allow-list
        if isinstance(node, ast.Call):
            return self.call(node)
        raise refuse(node, "This expression is not part of the language.")  # pragma: no cover

    def call(self, node: ast.Call) -> Any:
        if is_no_grad(node):
            return _NoGradValue()
        if is_print(node):
            return self.print(node)
        name = function_name(node.func)
        args = [self.evaluate(arg) for arg in node.args]
        kwargs = {kw.arg: self.evaluate(kw.value) for kw in node.keywords}
        if name is not None:
            allowed = FUNCTION_KWARGS[name]
            check_kwargs(node, name, kwargs, allowed)
            return self.call_function(node, name, args, kwargs)
        method = node.func.attr
        receiver = self.evaluate(node.func.value)
        tensor = need_tensor(node.func.value, receiver, method=method)
        check_kwargs(node, "." + method, kwargs, METHOD_KWARGS.get(method, set()))
        return self.call_method(node, tensor, method, args, kwargs)

    def print(self, node: ast.Call) -> None:
        """`print(a, b, ...)`: each value's text, separated by spaces, into the output."""
        if node.keywords:
            raise refuse(node, "print() takes only the values to print, no keywords.")
        values = [self.evaluate(arg) for arg in node.args]
        if any(isinstance(value, _NoGradValue) for value in values):
            raise refuse(node, "`torch.no_grad()` is only used as `with torch.no_grad():`.")
        self.show(node, _cut(" ".join(map(str, values))))
        return None

    def call_function(self, node: ast.Call, name: str, args: list, kwargs: dict) -> Any:
        for position, arg in enumerate(args):
            need_argument(node.args[position], arg, name in CREATION, self.limits)
        if name == "tensor":
            if len(args) != 1:
                raise refuse(node, "torch.tensor takes one number or one list of numbers.")
            count = count_list_elements(args[0], self.limits.max_elements)
            if count is None:
                raise refuse(
                    node,
                    f"torch.tensor got more than {self.limits.max_elements:,} "
                    "numbers or a list nested too deeply.",
                )
            return self.finish_creation(
                node, self.guarded(node, torch.tensor, args, kwargs, "tensor")
            )
        if name in CREATION:
            if name in {"rand", "randn"}:
                kwargs = {**kwargs, "generator": self.generator}
            function = getattr(torch, name)
            return self.finish_creation(node, self.guarded(node, function, args, kwargs, name))
        function = getattr(F, name) if name in FUNCTIONAL else getattr(torch, name)
        if name in {"softmax", "log_softmax"} and "dim" not in kwargs and len(args) < 2:
            raise refuse(
                node,
                f"{name} needs to know along which dimension to normalise: add "
                "`dim=0` (or another dimension).",
            )
        kind = {"matmul": "matmul", **{loss: "loss" for loss in LOSSES}}.get(name, "same")
        return self.guarded(node, function, args, kwargs, kind)

    def finish_creation(self, node: ast.AST, value: torch.Tensor) -> torch.Tensor:
        if self.float64 and value.is_floating_point() and value.dtype != torch.float64:
            value = value.detach().double().requires_grad_(value.requires_grad)
        if self.snapshots is not None:  # a leaf, maybe never named: its grad may still change
            self.snapshots.watch(value)
        return value

    def call_method(
        self, node: ast.Call, tensor: torch.Tensor, method: str, args: list, kwargs: dict
    ) -> Any:
        allow_lists = method in {"view", "reshape"}
        for position, arg in enumerate(args):
            if method == "requires_grad_" and isinstance(arg, bool):
                continue  # x.requires_grad_(False): checked below
            need_argument(node.args[position], arg, allow_lists, self.limits)
        if method == "backward":
            return self.backward(node, tensor, args, kwargs)
        if method == "retain_grad":
            self.guarded(node, torch.Tensor.retain_grad, [tensor], {}, None)
            return None
        if method == "requires_grad_" and args:
            if len(args) > 1 or not isinstance(args[0], bool) or kwargs:
                raise refuse(
                    node,
                    "requires_grad_ takes one True or False, like `x.requires_grad_(False)`.",
                )
            value = self.guarded(node, torch.Tensor.requires_grad_, [tensor, args[0]], {}, None)
            if self.snapshots is not None:
                self.snapshots.watch(value)
            return value
        if method in {"detach", "requires_grad_", "zero_"}:
            value = self.guarded(node, getattr(torch.Tensor, method), [tensor, *args], kwargs, None)
            if self.snapshots is not None and method != "zero_":  # a new leaf, maybe unnamed
                self.snapshots.watch(value)
            return value
        kind = "binary" if method == "pow" else "same"
        return self.guarded(node, getattr(torch.Tensor, method), [tensor, *args], kwargs, kind)

    def backward(self, node: ast.Call, tensor: torch.Tensor, args: list, kwargs: dict) -> None:
        if len(self.program.backward_passes) >= self.limits.max_backward_calls:
            raise refuse(
                node,
                f"At most {self.limits.max_backward_calls} backward() calls are "
                "allowed in one program.",
            )
        if len(args) > 1 or (args and not isinstance(args[0], torch.Tensor)):
            raise refuse(
                node,
                "backward() takes at most one argument: a gradient tensor with "
                "the same shape as the tensor.",
            )
        gradient = args[0] if args else None
        try:
            recorded = record_backward(tensor, gradient, retain_graph=kwargs.get("retain_graph"))
        except (RuntimeError, TypeError, ValueError) as exc:
            raise torch_refusal(node, exc) from None
        self.program.backward_passes.append(recorded)
        self.program.backward_lines.append(node.lineno)
        if self.snapshots is not None:
            label = f"right after {self.source_of(node)} on line {node.lineno}"
            self.program.backward_moments.append(self.snapshots.take(label))
        return None

    # -- guarded operations ------------------------------------------------------------------

    def guarded(self, node: ast.AST, function, args: list, kwargs: dict, kind: str | None) -> Any:
        """Predict the result's shape (`kind` says how), check the limits, then run for real.
        `kind` None means the operation makes no new tensor data."""
        if kind is not None:
            self.budget.check(node, kind, args)
        try:
            return function(*args, **kwargs)
        except (
            RuntimeError,
            TypeError,
            ValueError,
            IndexError,
            OverflowError,
            ZeroDivisionError,
            NotImplementedError,
        ) as exc:
            raise torch_refusal(node, exc) from None


def _echoes(expression: ast.expr, value: Any) -> bool:
    """Whether a line that is just `expression` shows its value, as Python's console does: any
    value but None, and None too when the line reads a name or attribute (`x.grad` before
    backward()). print() shows its own text; an in-place method (`x.zero_()`) shows nothing."""
    if isinstance(expression, ast.Call):
        method = expression.func.attr if isinstance(expression.func, ast.Attribute) else ""
        return value is not None and not method.endswith("_") and not is_print(expression)
    return not isinstance(value, _NoGradValue)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_OUTPUT_CHARS else text[: MAX_OUTPUT_CHARS - 1] + "…"


def need_backward_node(node: ast.AST, value: Any) -> Any:
    """`value` if it is a backward node (a tensor's grad_fn), else a sentence."""
    if isinstance(value, torch.autograd.graph.Node):
        return value
    if value is None:
        raise refuse(
            node,
            f"`{ast.unparse(node)}` is None: a leaf tensor (or one that does not require grad) "
            "was made by no operation, so it has no grad_fn and no next_functions.",
        )
    raise refuse(
        node,
        f"`.next_functions` belongs to a grad_fn, like `y.grad_fn.next_functions`; "
        f"`{ast.unparse(node)}` is {describe_value(value)}.",
    )


def run_program(
    source: str,
    *,
    seed: int = 0,
    limits: Limits = LIMITS,
    retain_grads: bool = True,
    float64: bool = False,
    leaf_values: dict[tuple[str, int], torch.Tensor] | None = None,
    stop_at_first_backward: bool = False,
    moments: bool = True,
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
    interpreter = Interpreter(
        program, limits, seed, float64, leaf_values, stop_at_first_backward, retain_grads, moments
    )
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
