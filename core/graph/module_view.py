"""What the page draws of a module graph: every backward function, or one box per layer or block.

The autograd page draws a model's loss graph in full while it fits under the node cap and the
browser's layout budget (core.graph.layout); past either (or when asked to), each layer becomes one box, or each block of layers when that is still
too many. `view_module_graph` makes that decision; the page only says what it shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.graph.layout import LAYOUT_BUDGET, fit_layout, layout_weight
from core.graph.model import Graph
from core.graph.modules import ModuleGraph
from core.graph.walk import collapse, trace

WHOLE_GRAPH_NODES = 10_000  # the full trace a collapsed picture is merged from


@dataclass(frozen=True)
class ModuleView:
    """The graph to draw for a module's loss, and whether (and why) it was collapsed."""

    graph: Graph  # the trace, or its collapsed picture
    unit: str = ""  # what one box is when collapsed: "layer" or "block of layers" ("" if not)
    full_nodes: int = 0  # nodes in the full graph, when collapsed
    over_cap: bool = False  # collapsed because the full graph has more nodes than the cap
    over_layout: bool = False  # collapsed because the browser could not lay it out in ~1 s

    @property
    def collapsed(self) -> bool:
        """True when each layer (or block) is drawn as one box."""
        return bool(self.unit)


def collapse_module_graph(
    graph: ModuleGraph, whole: Graph, max_nodes: int
) -> tuple[Graph, str] | None:
    """`whole` (the full trace of `graph.loss`) with each layer drawn as one box, or each block
    of layers when that is still too many: the finest grouping that fits under `max_nodes`, and
    what one box is ("layer" or "block of layers"). None when even the coarsest does not fit."""
    for depth in graph.depths():
        collapsed = collapse(whole, graph.groups(depth), max_nodes)
        if not collapsed.truncated:
            return collapsed, "layer" if depth is None else "block of layers"
    return None


def view_module_graph(
    graph: ModuleGraph,
    max_nodes: int,
    show_saved: bool = False,
    values: bool = True,
    every_function: bool = True,
) -> ModuleView:
    """Trace the loss of `graph` with at most `max_nodes` nodes. When the full graph has more,
    or `every_function` is False, draw it collapsed per layer or block instead, if that fits;
    otherwise the (cut) trace is drawn."""
    traced = trace(graph.loss, graph.names, graph.backward, show_saved, max_nodes, values=values)
    too_heavy = not traced.truncated and layout_weight(traced) > LAYOUT_BUDGET
    if not traced.truncated and every_function and not too_heavy:
        return ModuleView(traced)
    whole = (
        traced
        if not traced.truncated
        else trace(
            graph.loss,
            graph.names,
            graph.backward,
            show_saved,
            max_nodes=WHOLE_GRAPH_NODES,
            values=values,
        )
    )
    collapsed = collapse_module_graph(graph, whole, max_nodes)
    if collapsed is None:  # no grouping fits: the trace, cut to what the browser lays out
        cut = traced if layout_weight(traced) <= LAYOUT_BUDGET else None
        if cut is None:
            cut = fit_layout(
                lambda cap: trace(
                    graph.loss, graph.names, graph.backward, show_saved, cap, values=values
                ),
                max_nodes,
            )[0]
        return ModuleView(cut)
    picture, unit = collapsed
    return ModuleView(picture, unit, whole.total_nodes, traced.truncated, too_heavy)
