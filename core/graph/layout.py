"""What the browser can lay out: a graph's layout weight, and the largest cut of it that fits.

`st.graphviz_chart` lays the DOT out in the student's browser (Graphviz compiled to
WebAssembly, on the page's main thread). Its cost grows with the nodes and, much faster, with
edges that jump over many ranks: Graphviz adds a hidden node on every rank such an edge crosses
and then untangles them all. `layout_weight` counts both; measured in Chromium
(`python -m bench graph_layout`), a weight of LAYOUT_BUDGET lays out in about a second on a
2-core box, while a 150-node tangle (weight ~3,400) took 3 s and bigger ones over a minute.
"""

from __future__ import annotations

from collections.abc import Callable

from core.graph.model import Graph

LAYOUT_BUDGET = 1500  # nodes + hidden rank-crossing nodes: about 1 s of layout in Chromium


def layout_weight(graph: Graph) -> int:
    """Nodes plus the hidden nodes Graphviz adds for edges spanning several ranks (ranks from
    the longest path, as dot ranks a DAG before it balances; an estimate, never run here)."""
    children: dict[str, list[str]] = {name: [] for name in graph.nodes}
    waiting = dict.fromkeys(graph.nodes, 0)
    edges = [(a, b) for a, b, _ in graph.edges if a in children and b in children and a != b]
    for source, target in edges:
        children[source].append(target)
        waiting[target] += 1
    rank = dict.fromkeys(graph.nodes, 0)
    ready = [name for name, count in waiting.items() if count == 0]
    while ready:  # Kahn's order; a node in a cycle (never in autograd) keeps rank 0
        name = ready.pop()
        for child in children[name]:
            rank[child] = max(rank[child], rank[name] + 1)
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    hidden = sum(max(0, abs(rank[b] - rank[a]) - 1) for a, b in edges)
    return len(graph.nodes) + hidden


def fit_layout(
    make: Callable[[int], Graph], max_nodes: int, budget: int = LAYOUT_BUDGET
) -> tuple[Graph, bool]:
    """`make(cap)` traces the graph with at most `cap` nodes. Returns the graph for `max_nodes`
    if its layout weight is within `budget`, else the one with the largest cap that is (found
    by bisection), and whether it had to be cut further for the browser's sake."""
    graph = make(max_nodes)
    if layout_weight(graph) <= budget:
        return graph, False
    low, high, best = 1, max_nodes - 1, make(1)
    while low <= high:
        middle = (low + high) // 2
        candidate = make(middle)
        if layout_weight(candidate) <= budget:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best, True
