"""The step-through of a traced graph: backward's order (recorded or predicted) on its nodes."""

from __future__ import annotations

from typing import Any

import torch

from core.graph.model import BackwardPass, BackwardStep, Graph, GraphNode, Step
from core.graph.nodes import backward_order


class StepTitles:
    """What a step's explanation calls each drawn backward node ("sent to b"): the named tensor
    it makes, else the node's own title, else its class name. Looked up one node at a time, when
    a step's rows are shown, so tracing a graph costs nothing for it."""

    def __init__(
        self,
        walked: dict[int, tuple[Any, str]],
        makes: dict[str, list[str]],
        nodes: dict[str, GraphNode],
    ) -> None:
        self._walked, self._makes, self._nodes = walked, makes, nodes

    def get(self, key: int, default: str | None = None) -> str | None:
        """The title of the backward node with id() `key`, or `default` when it was not drawn."""
        entry = self._walked.get(key)
        if entry is None:
            return default
        fn, node_id = entry
        named = self._makes.get(node_id)
        node = self._nodes.get(named[0] if named else node_id)
        return node.title if node is not None and node.title else fn.name()


def attach_steps(
    graph: Graph,
    tensor: torch.Tensor,
    walked: dict[int, tuple[Any, str]],
    makes: dict[str, list[str]],
    backward: BackwardPass | None,
    recorded: dict[int, BackwardStep],
) -> None:
    """Fill graph.steps (and each node's step number) from the recording, or predict them.
    `walked` holds the drawn backward nodes (id -> (node, its node id)), `makes` the named
    tensors each op produced."""
    nodes = graph.nodes
    root = nodes[graph.root]
    root.step = 0
    if backward is not None and backward.steps:
        if backward.steps[0].grad_outputs:
            root.step_value = backward.steps[0].grad_outputs[0]
        root.grad = root.grad or root.step_grad  # the gradient backward() started from
        sequence = [step.node for step in backward.steps]
        graph.recorded = True
    else:
        sequence = backward_order(tensor.grad_fn, limit=len(walked) + 1)
    titles = StepTitles(walked, makes, nodes)
    steps = graph.steps
    for fn in sequence:
        entry = walked.get(id(fn))
        if entry is None:
            continue
        node_id = entry[1]
        number = len(steps) + 1
        step_record = recorded.get(id(fn))
        node = nodes[node_id]
        node.step = number
        arriving = step_record.grad_outputs[0] if step_record and step_record.grad_outputs else None
        node.step_value = arriving
        for named_id in makes.get(node_id, ()):
            named = nodes[named_id]
            named.step = number
            named.step_value = arriving
        steps.append(
            Step(
                node_id, node.title if node.kind == "op" else "AccumulateGrad", step_record, titles
            )
        )
