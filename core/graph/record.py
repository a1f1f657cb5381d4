"""Recording backward(): hooks on every node keep what arrived, what it sent on, what it saved."""

from __future__ import annotations

import functools
from typing import Any

import torch

from core.graph.formatting import format_tensor
from core.graph.model import BackwardPass, BackwardStep
from core.graph.nodes import SAVED_PREFIX, reachable, saved_attributes

SMALL = 10_000  # tensors up to this many elements are copied into a backward recording


def copy_value(value: Any) -> Any:
    """A copy of a small tensor, a one-line summary of a big one; other values as they are."""
    if isinstance(value, torch.Tensor):
        if value.numel() <= SMALL:
            return value.detach().clone()
        return f"{tuple(value.shape)} tensor, {format_tensor(value)}"
    return value


def record_backward(
    tensor: torch.Tensor,
    gradient: torch.Tensor | None = None,
    retain_graph: bool | None = None,
    max_nodes: int = 20_000,
) -> BackwardPass:
    """Run `tensor.backward(gradient)` with hooks on every node and return the recording:
    the nodes in the order autograd ran them, the gradient that arrived at each, the
    gradients each sent to its inputs and (small) saved tensors. Hooks are removed afterwards.
    Raises whatever `backward()` raises.
    """
    steps: list[BackwardStep] = []
    by_node: dict[int, BackwardStep] = {}
    handles = []

    def on_arrival(node: Any, grad_outputs: tuple) -> None:
        saved, saved_ids = {}, {}
        for attr in saved_attributes(type(node)):
            try:
                value = getattr(node, attr)
            except RuntimeError:
                continue
            name = attr[len(SAVED_PREFIX) :]
            if isinstance(value, torch.Tensor):
                saved_ids[name] = id(value)
            saved[name] = (
                tuple(copy_value(v) for v in value)
                if isinstance(value, tuple)
                else copy_value(value)
            )
        step = BackwardStep(node, tuple(copy_value(g) for g in grad_outputs), (), saved, saved_ids)
        variable = getattr(node, "variable", None)  # an AccumulateGrad: the leaf it adds into
        if isinstance(variable, torch.Tensor):
            step.leaf_grad_before = copy_value(variable.grad)
        steps.append(step)
        by_node[id(node)] = step

    def on_done(node: Any, grad_inputs: tuple, grad_outputs: tuple) -> None:
        step = by_node.get(id(node))
        if step is not None:
            step.grad_inputs = tuple(copy_value(g) for g in grad_inputs)
            variable = getattr(node, "variable", None)
            if isinstance(variable, torch.Tensor):
                step.leaf_grad_after = copy_value(variable.grad)

    if tensor.grad_fn is not None:
        for node in reachable(tensor.grad_fn, max_nodes):
            handles.append(node.register_prehook(functools.partial(on_arrival, node)))
            handles.append(node.register_hook(functools.partial(on_done, node)))
    try:
        tensor.backward(gradient, retain_graph=retain_graph)
    finally:
        for handle in handles:
            handle.remove()
    return BackwardPass(root=tensor, steps=steps)
