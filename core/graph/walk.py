"""Walking autograd's backward graph from a tensor into a `Graph`, and merging groups of its nodes.

The walk rules are pytorchviz's: leaves through `AccumulateGrad.variable`, saved tensors through
`_saved_*` attributes. Walking is separate from drawing so it can be tested without a picture.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from core.graph.formatting import format_tensor
from core.graph.model import BackwardPass, BackwardStep, Graph, GraphNode, Moment
from core.graph.nodes import SAVED_PREFIX, saved_attributes
from core.graph.steps import attach_steps

MAX_NODES = 150  # graphs with more nodes are cut here (Graphviz in the browser slows down)

Edge = tuple[str, str, str]  # (source id, target id, style: "" or "saved")


def _index_names(
    names: dict[str, torch.Tensor] | None, tensor: torch.Tensor
) -> tuple[dict[int, torch.Tensor], dict[int, str], dict[tuple[int, int], torch.Tensor]]:
    """id -> named tensor, id -> its name, and (id(grad_fn), output_nr) -> the named tensor that
    backward node produced (the named intermediates, other than `tensor` itself)."""
    by_id: dict[int, torch.Tensor] = {}
    title_of: dict[int, str] = {}
    for name, obj in (names or {}).items():
        if isinstance(obj, torch.Tensor):
            by_id[id(obj)] = obj
            title_of[id(obj)] = name
    produced: dict[tuple[int, int], torch.Tensor] = {}
    for obj in by_id.values():
        grad_fn = obj.grad_fn
        if grad_fn is not None and obj is not tensor:
            produced.setdefault((id(grad_fn), obj.output_nr), obj)
    return by_id, title_of, produced


def trace(
    tensor: torch.Tensor,
    names: dict[str, torch.Tensor] | None = None,
    backward: BackwardPass | None = None,
    show_saved: bool = False,
    max_nodes: int = MAX_NODES,
    values: bool = True,
    moment: Moment | None = None,
) -> Graph:
    """Walk the backward graph that ends in `tensor` into a `Graph`.

    `names` maps variable names to tensors (a program's variables, a module's named
    parameters), so leaves and named intermediates are labelled and drawn with their values.
    `backward` (from `record_backward`) supplies the real order and gradients for the
    step-through. `show_saved` adds the tensors each node saved for backward. At most
    `max_nodes` nodes are drawn; `total_nodes` tells how many the graph has. `values=False`
    skips formatting tensor values (only names and shapes are drawn). `moment` gives the values
    of the tensors it knows as they were at one moment of a program (a tensor it does not know
    is drawn as it is now), so that no box shows a value from after an update beside one from
    before it.

    One loop over the queue, longer than most functions here on purpose: it is the page's work
    on every rerun (`python -m bench graph` times it), and the closures share the dicts it fills.
    """
    by_id, title_of, produced = _index_names(names, tensor)
    recorded = {id(step.node): step for step in backward.steps} if backward else {}
    then = moment.values if moment is not None else {}
    nodes: dict[str, GraphNode] = {}
    edges: list[Edge] = []

    def tensor_node(obj: torch.Tensor, kind: str) -> str:
        node_id = f"t{id(obj)}"
        if node_id not in nodes:
            data = grad = ""
            shown = then.get(id(obj)) if values else None
            if shown is not None:
                data, grad = shown
            elif values:
                data = format_tensor(obj)
                # formatting.holds_grad(obj), written out: this runs for every node
                if obj.requires_grad and (obj.is_leaf or obj.retains_grad):
                    grad = format_tensor(obj.grad)
            nodes[node_id] = GraphNode(
                node_id, kind, title_of.get(id(obj), ""), tuple(obj.shape), data, grad
            )
        return node_id

    root_id = tensor_node(tensor, "output")
    nodes[root_id].title = title_of.get(id(tensor), "output")
    root_fn = tensor.grad_fn
    label = moment.label if moment is not None else ""
    if root_fn is None:
        tracked_leaf = tensor.is_leaf and tensor.requires_grad
        return Graph(nodes, edges, root_id, 1, max_nodes, moment=label, tracked_leaf=tracked_leaf)

    def node_id_of(fn: Any) -> str:  # a leaf is drawn as its tensor, anything else as itself
        return f"t{id(fn.variable)}" if hasattr(fn, "variable") else f"f{id(fn)}"

    # Breadth first from the output, so a cut graph keeps the part nearest to the output.
    fn_ids = {id(root_fn): node_id_of(root_fn)}  # every node met so far -> its node id
    edges.append((fn_ids[id(root_fn)], root_id, ""))
    queue = [root_fn]
    walked: dict[int, tuple[Any, str]] = {}  # id(fn) -> (fn, node id), in walk order
    makes: dict[str, list[str]] = {}  # op node id -> the named tensors it produced
    linked: set[tuple[str, str]] = set()
    has_names = bool(by_id)
    hidden = 0
    for fn in queue:  # the queue grows while it is walked
        if len(nodes) >= max_nodes:
            hidden += 1
            for child, _ in fn.next_functions:
                if child is not None and id(child) not in fn_ids:
                    fn_ids[id(child)] = node_id_of(child)
                    queue.append(child)
            continue
        fn_id = fn_ids[id(fn)]
        walked[id(fn)] = (fn, fn_id)
        if fn_id[0] == "t":  # AccumulateGrad: draw the leaf tensor itself
            tensor_node(fn.variable, "leaf")
            continue
        nodes[fn_id] = GraphNode(fn_id, "op", fn.name())
        constant_input = False
        for child, output_nr in fn.next_functions:
            if child is None:
                constant_input = True
                continue
            key = id(child)
            child_id = fn_ids.get(key)
            if child_id is None:
                child_id = fn_ids[key] = node_id_of(child)
                queue.append(child)
            named_tensor = produced.get((key, output_nr)) if produced else None
            if named_tensor is not None:
                named_id = tensor_node(named_tensor, "tensor")
                if (child_id, named_id) not in linked:
                    linked.add((child_id, named_id))
                    edges.append((child_id, named_id, ""))
                    makes.setdefault(child_id, []).append(named_id)
                edges.append((named_id, fn_id, ""))
            else:
                edges.append((child_id, fn_id, ""))
        if show_saved or (constant_input and has_names):
            _add_saved(
                fn, fn_id, recorded.get(id(fn)), by_id, nodes, edges, show_saved, tensor_node
            )
    total = len(nodes) + hidden
    graph = Graph(
        nodes, _drawn_edges(nodes, edges, hidden), root_id, total, max_nodes, moment=label
    )
    attach_steps(graph, tensor, walked, makes, backward, recorded)
    return graph


def _drawn_edges(nodes: dict[str, GraphNode], edges: list[Edge], hidden: int) -> list[Edge]:
    """The edges between drawn nodes. When `hidden` nodes were cut, one dashed box stands for
    them, linked to every drawn node that lost an input."""
    if not hidden:  # every node was walked, but an edge may still name an undrawn node
        return [edge for edge in edges if edge[0] in nodes and edge[1] in nodes]
    kept, cut = [], set()
    for edge in edges:
        if edge[0] in nodes and edge[1] in nodes:
            kept.append(edge)
        elif edge[1] in nodes:
            cut.add(edge[1])
    nodes["more"] = GraphNode(id="more", kind="more", title=f"… {hidden} more nodes")
    kept.extend(("more", target, "saved") for target in sorted(cut))
    return kept


def _saved_values(node: Any, recorded: BackwardStep | None) -> dict[str, tuple[Any, int | None]]:
    """attr -> (value, id of the live tensor or None). A recorded backward() kept copies of
    them (the live ones are usually freed by then), so the recording is read first."""
    if recorded is not None:
        return {
            name: (value, recorded.saved_ids.get(name)) for name, value in recorded.saved.items()
        }
    values: dict[str, tuple[Any, int | None]] = {}
    for attr in saved_attributes(type(node)):
        name = attr[len(SAVED_PREFIX) :]
        try:
            value = getattr(node, attr)
        except RuntimeError:  # freed by backward()
            values[name] = ("freed", None)
            continue
        values[name] = (value, id(value) if isinstance(value, torch.Tensor) else None)
    return values


def _add_saved(
    fn: Any,
    fn_id: str,
    recorded: BackwardStep | None,
    by_id: dict[int, torch.Tensor],
    nodes: dict[str, GraphNode],
    edges: list[Edge],
    show_saved: bool,
    tensor_node: Callable[[torch.Tensor, str], str],
) -> None:
    """Saved tensors of `fn`: named constants become input nodes; others show when asked."""
    for attr, (value, ident) in _saved_values(fn, recorded).items():
        items = enumerate(value) if isinstance(value, tuple) else ((None, value),)
        for position, item in items:
            if (
                isinstance(item, str) and position is None and ident is not None and ident in by_id
            ):  # too big to record, but a named tensor: draw that one
                item = by_id[ident]
            if isinstance(item, str):  # freed by backward() and not recorded (or too big)
                if show_saved:
                    label = attr if position is None else f"{attr}[{position}]"
                    saved_id = f"s{id(fn)}_{label}"
                    nodes[saved_id] = GraphNode(
                        id=saved_id, kind="saved", title=label, data="freed by backward()"
                    )
                    edges.append((saved_id, fn_id, "saved"))
                continue
            if not isinstance(item, torch.Tensor):
                continue
            item_id = ident if position is None and ident is not None else id(item)
            match = by_id.get(item_id)
            if match is not None and f"t{item_id}" in nodes:
                if show_saved:
                    edges.append((f"t{item_id}", fn_id, "saved"))
                continue
            if match is not None and not match.requires_grad:
                edges.append((tensor_node(match, "constant"), fn_id, ""))
                continue
            if show_saved:
                label = attr if position is None else f"{attr}[{position}]"
                saved_id = f"s{id(fn)}_{label}"
                nodes[saved_id] = GraphNode(
                    id=saved_id,
                    kind="saved",
                    title=label,
                    shape=tuple(item.shape),
                    data=format_tensor(item),
                )
                edges.append((saved_id, fn_id, "saved"))


def collapse(graph: Graph, groups: dict[str, str], max_nodes: int = MAX_NODES) -> Graph:
    """Merge the nodes of each group (node id -> group title, e.g. the ops and parameters of one
    layer) into one box; edges between groups are kept once. The step-through is dropped, since
    its steps name the nodes that were merged."""
    groups = dict(groups)
    for source, target, style in graph.edges:  # saved tensors go with the node that saved them
        if style == "saved" and target in groups and graph.nodes[source].kind == "saved":
            groups[source] = groups[target]
    nodes: dict[str, GraphNode] = {}
    for node in graph.nodes.values():
        title = groups.get(node.id)
        if title is None:
            nodes[node.id] = GraphNode(
                node.id, node.kind, node.title, node.shape, node.data, node.grad
            )
        elif f"g:{title}" not in nodes:
            nodes[f"g:{title}"] = GraphNode(f"g:{title}", "module", title)
    edges: list[Edge] = []
    seen = set()
    for source, target, style in graph.edges:
        source = f"g:{groups[source]}" if source in groups else source
        target = f"g:{groups[target]}" if target in groups else target
        if source != target and (source, target) not in seen:
            seen.add((source, target))
            edges.append((source, target, style))
    return Graph(nodes, edges, graph.root, len(nodes), max_nodes)
