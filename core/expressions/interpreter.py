"""The interpreter: runs a checked program statement by statement on real tensors."""

from __future__ import annotations

import ast
import operator
import time
from typing import Any

import torch
import torch.nn.functional as F

from core.expressions.checker import parse_program
from core.expressions.errors import ExpressionError, refuse, torch_refusal
from core.expressions.language import (
    AUGMENTED,
    BINARY,
    CREATION,
    DTYPES,
    FUNCTION_KWARGS,
    FUNCTIONAL,
    LIMITS,
    LOSSES,
    METHOD_KWARGS,
    Limits,
    function_name,
    is_backward_call,
    is_module_path,
    is_no_grad,
)
from core.expressions.program import Binding, Program
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
            tensor = need_tensor(node.value, value)
            if node.attr == "T":
                return self.guarded(node, lambda t: t.T, [tensor], {}, "same")
            return tensor.grad
        if isinstance(node, ast.Call):
            return self.call(node)
        raise refuse(node, "This expression is not part of the language.")  # pragma: no cover

    def call(self, node: ast.Call) -> Any:
        if is_no_grad(node):
            return _NoGradValue()
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
        return value

    def call_method(
        self, node: ast.Call, tensor: torch.Tensor, method: str, args: list, kwargs: dict
    ) -> Any:
        allow_lists = method in {"view", "reshape"}
        for position, arg in enumerate(args):
            need_argument(node.args[position], arg, allow_lists, self.limits)
        if method == "backward":
            return self.backward(node, tensor, args, kwargs)
        if method == "retain_grad":
            self.guarded(node, torch.Tensor.retain_grad, [tensor], {}, None)
            return None
        if method in {"detach", "requires_grad_", "zero_"}:
            return self.guarded(node, getattr(torch.Tensor, method), [tensor, *args], kwargs, None)
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
    interpreter = Interpreter(
        program, limits, seed, float64, leaf_values, stop_at_first_backward, retain_grads
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
