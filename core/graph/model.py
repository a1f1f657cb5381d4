"""The plain data of a traced graph and of a recorded backward(): nodes, edges, steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from core.graph.formatting import format_tensor, format_value

NOT_A_LEAF = "not a leaf"  # BackwardStep.leaf_grad_* of a node that is not an AccumulateGrad


@dataclass(frozen=True)
class Moment:
    """The values a graph's boxes show, all taken at one moment of the program: id(tensor) ->
    (its data, its grad) as box text ("" for a grad it does not keep), and which moment."""

    label: (
        str  # plain text (the student's code in it), e.g. "right after loss.backward() on line 6"
    )
    values: dict[int, tuple[str, str]]


@dataclass
class GraphNode:
    """One box in the picture: a tensor (with its values) or a backward function."""

    id: str
    kind: str  # one of core.graph.palette.KINDS
    title: str  # variable name, or the grad_fn class name like "MulBackward0"
    shape: tuple[int, ...] | None = None
    data: str = ""  # formatted values (or summary statistics for big tensors)
    grad: str = ""  # formatted .grad ("None" when empty)
    step: int | None = None  # backward step at which this node holds its gradient (0 = start)
    step_value: Any = None  # the gradient that arrived here during the recorded backward()

    @property
    def step_grad(self) -> str:
        """The recorded arriving gradient, formatted ("" when none was recorded)."""
        if self.step_value is None:
            return ""
        return (
            self.step_value if isinstance(self.step_value, str) else format_tensor(self.step_value)
        )


@dataclass
class Step:
    """One node run by backward(): what arrived, what it sent to each input, what it saved.
    Values are kept raw and formatted on demand by `lines()` (most steps are never shown)."""

    node_id: str
    op: str
    record: BackwardStep | None = None  # None when the order was predicted, not recorded
    titles: Any = field(default_factory=dict, repr=False)  # .get(id(node), default) -> its name

    def lines(self) -> list[tuple[str, str]]:
        """(label, formatted value) rows: gradient arriving, saved values, gradients sent."""
        if self.record is None:
            return []
        rows = [("gradient arriving", format_value(g)) for g in self.record.grad_outputs]
        rows += [
            (f"saved {name}", format_value(value)) for name, value in self.record.saved.items()
        ]
        if self.record.leaf_grad_before is not NOT_A_LEAF:  # a leaf's AccumulateGrad
            before, after = self.record.leaf_grad_before, self.record.leaf_grad_after
            rows.append(
                ("grad before", "None (nothing yet)" if before is None else format_value(before))
            )
            rows.append(("grad after (before + arriving)", format_value(after)))
        inputs = self.record.node.next_functions
        for (child, _), grad in zip(inputs, self.record.grad_inputs, strict=False):
            if child is not None:
                title = self.titles.get(id(child), type(child).__name__)
                rows.append((f"sent to {title}", format_value(grad)))
        return rows


@dataclass
class Graph:
    """Plain nodes and edges of an autograd graph; edges point forward (input -> op -> output)."""

    nodes: dict[str, GraphNode]
    edges: list[tuple[str, str, str]]  # (source id, target id, style: "" or "saved")
    root: str
    total_nodes: int  # nodes in the whole graph, drawn or not
    max_nodes: int
    steps: list[Step] = field(default_factory=list)  # backward order (recorded or predicted)
    recorded: bool = False  # True when `steps` carry the numbers of a real backward()
    moment: str = ""  # which moment of the program the boxes' values are from ("" if now)
    tracked_leaf: bool = False  # the root is a leaf that requires grad (so it has no grad_fn)

    @property
    def truncated(self) -> bool:
        """True when the graph had more nodes than `max_nodes` and was cut."""
        return self.total_nodes > self.max_nodes

    @property
    def replayable(self) -> bool:
        """True when a recorded backward() can be stepped through node by node."""
        return self.recorded and bool(self.steps)

    def kinds(self) -> dict[str, int]:
        """How many nodes of each kind were drawn."""
        counts: dict[str, int] = {}
        for node in self.nodes.values():
            counts[node.kind] = counts.get(node.kind, 0) + 1
        return counts


@dataclass
class BackwardStep:
    """What one autograd node saw during a recorded backward()."""

    node: Any  # the torch.autograd graph node (kept alive so ids stay valid)
    grad_outputs: tuple  # gradients arriving at the node (copies, or None when large)
    grad_inputs: tuple = ()  # gradients the node sent to its inputs (copies)
    saved: dict[str, Any] = field(default_factory=dict)  # small saved tensors / numbers
    saved_ids: dict[str, int] = field(default_factory=dict)  # id() of each saved tensor
    # For a leaf's AccumulateGrad: its .grad before and after this node added the arriving
    # gradient into it (copies; None where it had none). NOT_A_LEAF for every other node.
    leaf_grad_before: Any = NOT_A_LEAF
    leaf_grad_after: Any = NOT_A_LEAF


@dataclass
class BackwardPass:
    """A recorded `root.backward()`: the root and the nodes in the order autograd ran them."""

    root: torch.Tensor
    steps: list[BackwardStep]
