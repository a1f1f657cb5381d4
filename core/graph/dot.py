"""Drawing a `Graph` as Graphviz DOT text: the graph at a backward step, and its legend."""

from __future__ import annotations

from dataclasses import dataclass

from core.graph.model import Graph, GraphNode
from core.graph.palette import ACTIVE, DONE, KINDS

_RECORD_ESCAPES = str.maketrans({char: "\\" + char for char in '{}|<>"\\'} | {"\n": "\\n"})
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n"})

_DOT_HEAD = (
    "digraph autograd {{\n"
    'graph [rankdir={}, bgcolor="transparent", nodesep=0.3, ranksep=0.4];\n'
    'node [fontname="Helvetica", fontsize={}, style="filled,rounded", shape=box, '
    'color="#555555"];\n'
    'edge [color="#666666", arrowsize=0.7];'
)
FONT_SIZE = 11  # points; a projector asks for more (lecturer mode)
_FILLS = {kind: f', fillcolor="{fill}"' for kind, (fill, _) in KINDS.items()}
_PLAIN_SHAPES = {"op": "", "module": "", "more": ', shape=box, style="filled,dashed"'}


def to_dot(
    graph: Graph,
    show_values: bool = True,
    direction: str = "TB",
    step: int | None = None,
    font_size: int = FONT_SIZE,
) -> str:
    """Graphviz DOT text for the graph. `direction` is "LR" or "TB"; `font_size` in points. With `step`, nodes that hold
    their gradient by that backward step are outlined, the current one thicker and in another
    colour (palette.py), and gradients that have not arrived yet read "?"."""
    if direction not in {"LR", "TB"}:
        raise ValueError("direction must be 'LR' (left to right) or 'TB' (top to bottom).")
    lines = [_DOT_HEAD.format(direction, int(font_size))]
    append = lines.append
    record = _RECORD_ESCAPES
    for node in graph.nodes.values():  # one loop, no calls per node: the page's hot path
        kind = node.kind
        plain = _PLAIN_SHAPES.get(kind)
        if plain is not None:  # a box with a title only
            label = f'"{node.title.translate(_ESCAPES)}"{plain}'
        else:  # a record: title and shape | data | grad
            head = node.title
            if node.shape is not None:
                head = f"{head} {node.shape}" if head else str(node.shape)
            label = '"{' + head.translate(record)
            if show_values:
                if node.data:
                    label += " | data " + node.data.translate(record)
                grad = node.grad
                if step is not None and kind != "constant":
                    grad = (
                        node.step_grad or node.grad
                        if node.step is not None and node.step <= step
                        else ("?" if node.grad else "")
                    )
                if grad:
                    label += " | grad " + grad.translate(record)
            label += '}", shape=record'
        if step is not None and node.step is not None and node.step <= step:
            current = _is_current(graph, node, step)
            outline = (
                f', color="{ACTIVE}", penwidth=3' if current else f', color="{DONE}", penwidth=2'
            )
            append(f'"{node.id}" [label={label}{_FILLS[kind]}{outline}];')
        else:
            append(f'"{node.id}" [label={label}{_FILLS[kind]}];')
    for source, target, style in graph.edges:
        if style == "saved":
            append(f'"{source}" -> "{target}" [style=dashed, arrowhead=none];')
        else:
            append(f'"{source}" -> "{target}";')
    append("}")
    return "\n".join(lines)


def _is_current(graph: Graph, node: GraphNode, step: int) -> bool:
    if step == 0:
        return node.id == graph.root
    return 0 < step <= len(graph.steps) and graph.steps[step - 1].node_id == node.id


@dataclass(frozen=True)
class Drawing:
    """Everything the page shows for a graph at one backward step."""

    dot: str  # the graph (to_dot)
    legend: str  # the colours of the kinds of node it holds (legend_dot)
    rows: list[tuple[str, str]]  # the step's explanation (Step.lines), [] at step 0 or None


def draw(
    graph: Graph,
    show_values: bool = True,
    direction: str = "TB",
    step: int | None = None,
    font_size: int = FONT_SIZE,
) -> Drawing:
    """The graph at backward step `step` (None: no step-through), its legend and the step's
    rows, as the page draws them. At the last step every gradient has arrived, so the graph is
    drawn without step outlines."""
    finished = step is not None and step == len(graph.steps)
    kinds = graph.kinds()
    return Drawing(
        to_dot(graph, show_values, direction, None if finished else step, font_size),
        legend_dot([kind for kind in KINDS if kind in kinds]),
        graph.steps[step - 1].lines() if step else [],
    )


_LEGEND_HEAD = (
    "digraph legend {\n"
    'graph [rankdir=LR, bgcolor="transparent", nodesep=0.15];\n'
    'node [fontname="Helvetica", fontsize=10, style="filled,rounded", shape=box, '
    'color="#555555"];'
)
_LEGEND_NODES = {
    kind: f'"{kind}" [label="{text.translate(_ESCAPES)}", fillcolor="{fill}"];'
    for kind, (fill, text) in KINDS.items()
}


def legend_dot(kinds: list[str] | None = None) -> str:
    """A one-row DOT legend of the node colours."""
    kinds = [k for k in (kinds or list(KINDS)) if k != "more"]
    lines = [_LEGEND_HEAD]
    lines.extend(_LEGEND_NODES[kind] for kind in kinds)
    lines.extend(
        f'"{first}" -> "{second}" [style=invis];'
        for first, second in zip(kinds, kinds[1:], strict=False)
    )
    lines.append("}")
    return "\n".join(lines)
