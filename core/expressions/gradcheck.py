"""The gradient check: autograd against finite differences, re-running the program in float64."""

from __future__ import annotations

import torch

from core.expressions.errors import ExpressionError
from core.expressions.interpreter import run_program
from core.expressions.program import Program
from core.graph import GradientCheck, finite_difference_check


def check_gradients(program: Program, max_elements: int = 48) -> list[GradientCheck]:
    """Compare autograd with finite differences (float64) for the program's first backward().

    Each leaf that requires grad and was assigned before that backward() is perturbed element
    by element (up to `max_elements` per leaf); the program is re-run in float64 each time.
    Raises ExpressionError when the program has no backward() to check.
    """
    if not program.backward_lines:
        raise ExpressionError(
            "There is no backward() call to check. Add one, like `loss.backward()`."
        )
    first_line = program.backward_lines[0]
    leaves = {
        (b.name, b.line): b.value
        for b in program.leaf_bindings()
        if b.line < first_line and b.value.is_floating_point()
    }
    if not leaves:
        raise ExpressionError(
            "No leaf with requires_grad=True is assigned before the first "
            "backward(), so there is no gradient to check."
        )
    labels = _leaf_labels(list(leaves))

    def loss(values: dict[str, torch.Tensor]) -> torch.Tensor:
        overrides = {key: values[labels[key]] for key in leaves}
        rerun = run_program(
            program.source,
            float64=True,
            leaf_values=overrides,
            stop_at_first_backward=True,
            retain_grads=False,
            moments=False,
        )
        return rerun.first_backward_root

    start = {labels[key]: value.detach().double() for key, value in leaves.items()}
    return finite_difference_check(loss, start, max_elements=max_elements)


def _leaf_labels(keys: list[tuple[str, int]]) -> dict[tuple[str, int], str]:
    counts: dict[str, int] = {}
    for name, _ in keys:
        counts[name] = counts.get(name, 0) + 1
    return {(n, line): n if counts[n] == 1 else f"{n} (line {line})" for n, line in keys}
