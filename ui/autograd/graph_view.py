"""The autograd page's graph: picture options, which tensor to draw, the step-through slider."""

from __future__ import annotations

import re
from html import escape

import pandas as pd
import streamlit as st
import torch

from core.expressions import Program
from core.graph import KINDS, Graph, draw, rule_for
from ui.accessibility import chart_table
from ui.autograd.settings import DIRECTIONS
from ui.classroom import graph_font_size


def graph_options() -> dict:
    """Toggles for the picture."""
    left, middle, right, cap = st.columns([1, 1, 1.3, 1.2])
    options = {
        "show_values": left.toggle("Show values", key="ag_values"),
        "show_saved": middle.toggle("Show saved tensors", key="ag_saved"),
        "direction": right.radio("Layout", DIRECTIONS, horizontal=True, key="ag_direction"),
        "max_nodes": cap.number_input("Node cap", 10, 400, step=10, key="ag_cap"),
    }
    options["direction"] = "LR" if options["direction"] == "left to right" else "TB"
    return options


def choose_root(program: Program) -> tuple[str, torch.Tensor] | None:
    """Which tensor to draw the graph of (defaults to the last backward() root)."""
    tensors = program.named_tensors()
    default = program.default_root()
    labels = list(tensors)
    unnamed = default is not None and not any(t is default for t in tensors.values())
    if unnamed:
        labels.append("output of the last backward()")
    if not labels:
        return None
    default_label = next((k for k, t in tensors.items() if t is default), labels[-1])
    if (
        st.session_state.pop("ag_root_reset", False)
        or st.session_state.get("ag_root") not in labels
    ):
        st.session_state["ag_root"] = default_label  # a new program: its own default, sent on
    label = st.selectbox("Draw the graph of", labels, key="ag_root")
    return label, tensors.get(label, default)


def draw_graph(
    graph: Graph,
    options: dict,
    cut_for_browser: bool = False,
    collapsed_hint: str = "",
    changed_later: list[str] | None = None,
) -> None:
    """The graph (with the step-through slider when a backward() was recorded) and legend.
    `cut_for_browser`: fewer nodes than the cap are drawn, since the browser could not lay the
    graph out quickly (core.graph.fit_layout). `collapsed_hint`: what to do to see every
    backward function of a collapsed module graph. `changed_later`: the names that lines after
    the graph's moment (`graph.moment`) changed."""
    if cut_for_browser:
        st.warning(
            f"This graph has {graph.total_nodes} nodes, with many edges reaching far back: more "
            "than your browser can lay out in about a second. Only the "
            f"{graph.max_nodes} nodes nearest the output are drawn (the rest are summed up "
            "in the dashed box). Draw an earlier tensor, or reuse fewer old results per line.",
            icon="✂️",
        )
    elif graph.truncated:
        st.warning(
            f"This graph has {graph.total_nodes} nodes; only the {graph.max_nodes} nearest the "
            "output are drawn (the rest are summed up in the dashed box). Raise the node cap, or "
            "draw a smaller tensor.",
            icon="✂️",
        )
    step = None
    if graph.replayable:
        total = len(graph.steps)
        if st.session_state.get("ag_step", 0) > total:
            st.session_state.pop("ag_step")
        step = st.slider(
            "Backward step",
            0,
            total,
            total,
            key="ag_step",
            help="0: the output receives gradient 1. Each step runs one node of the backward "
            "graph, in the order PyTorch ran them.",
        )
    # a projector gets larger type in the graph itself, as large as the page's text at the
    # viewport's width (stretching the picture would blow a small graph up to the screen's width)
    drawing = draw(graph, options["show_values"], options["direction"], step, graph_font_size())
    if step is not None:
        explain_step(graph, step, drawing.rows)
        if step < len(graph.steps):
            st.caption(
                "In the graph, the node being processed has a thick vermillion outline; the "
                "nodes that already hold their gradient have a thinner blue one (the table "
                "under the graph lists them too)."
            )
    elif "module" in graph.kinds():
        st.caption(
            "The step-through needs every backward function drawn: "
            + (collapsed_hint or "raise the node cap")
            + " to use it."
        )
    elif graph.nodes[graph.root].kind == "output" and len(graph.nodes) == 1:
        name = graph.nodes[graph.root].title
        if graph.tracked_leaf:
            st.info(
                f"`{name}` is a leaf that requires grad: autograd tracks it, and backward() "
                f"will leave its gradient in `{name}.grad`. It has no grad_fn because no "
                "operation made it (you did): the graph starts here. Draw a tensor computed "
                f"from `{name}` to see the graph grow.",
                icon="ℹ️",
            )
        else:
            st.info(
                f"`{name}` has no grad_fn: nothing it was computed from requires grad (or it was "
                "made under no_grad() or by detach()), so autograd is not tracking it and its "
                "graph is just itself.",
                icon="ℹ️",
            )
    else:
        st.caption(
            "No backward() has run from this tensor yet, so there is nothing to step "
            "through. Add a line like loss.backward()."
        )
    if graph.moment and options["show_values"]:
        later = ""
        if changed_later:
            later = (
                f" Later lines changed {', '.join(changed_later)}: the Variables tab shows the "
                "values at the end of the program."
            )
        # plain text: it holds the student's code, and code in a caption is too faint (axe)
        st.caption(_plain(f"Every box shows its values {graph.moment}.{later}"))
    st.graphviz_chart(
        drawing.dot,
        width="content",
        alt=f"The backward graph of {graph.nodes[graph.root].title or 'the output'}: "
        f"{len(graph.nodes)} nodes and {len(graph.edges)} edges. The table below lists them.",
    )
    legend([kind for kind in KINDS if kind in graph.kinds() and kind != "more"])
    chart_table("The graph's nodes", nodes_frame(graph, step))


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def _plain(text: str) -> str:
    """`text` as markdown that shows it as it is (every markdown character escaped)."""
    return _MARKDOWN.sub(r"\\\1", text)


def legend(kinds: list[str]) -> None:
    """The node colours as a wrapping row of swatches with words: real text (a screen reader
    reads it, a phone wraps it at full size; the DOT legend shrank to 4 px text there). The
    texts and colours are the palette's constants, never user text."""
    items = "".join(
        '<span role="listitem" style="display:inline-flex;align-items:center;gap:0.35em;'
        'margin:0 1.1em 0.3em 0;font-size:0.85rem">'
        f'<span style="display:inline-block;width:1.6em;height:1em;background:{KINDS[kind][0]};'
        'border:1px solid #555;border-radius:3px"></span>'
        f"{escape(KINDS[kind][1])}</span>"
        for kind in kinds
    )
    st.html(f'<div role="list" aria-label="Legend of the node colours">{items}</div>')


def nodes_frame(graph: Graph, step: int | None) -> pd.DataFrame:
    """One row per drawn node: what it is (the legend's words), its title, shape and values,
    and, during the step-through, whether it holds its gradient yet."""
    finished = step is None or step == len(graph.steps)
    rows = []
    for node in graph.nodes.values():
        row = {
            "node": node.title,
            "kind": KINDS[node.kind][1],
            "shape": "" if node.shape is None else str(tuple(node.shape)),
            "data": node.data,
            "grad": node.grad,
        }
        if not finished:
            arrived = node.step is not None and node.step <= step
            current = arrived and (
                node.id == graph.root if step == 0 else graph.steps[step - 1].node_id == node.id
            )
            row["at this step"] = "processing" if current else ("done" if arrived else "")
            if node.kind != "constant":  # as the drawing shows it: "?" until it arrives
                row["grad"] = (node.step_grad or node.grad) if arrived else "?" * bool(node.grad)
        rows.append(row)
    return pd.DataFrame(rows)


def explain_step(graph: Graph, step: int, rows: list[tuple[str, str]]) -> None:
    """What happens at `step`: the local rule, the gradient in and the gradients out (`rows`,
    from core.graph.draw)."""
    if step == 0:
        root = graph.nodes[graph.root]
        st.markdown(
            f"**Step 0 of {len(graph.steps)}** · backward() starts at "
            f"`{root.title}`: its gradient with respect to itself is "
            f"`{root.step_grad or '1'}`."
        )
        return
    current = graph.steps[step - 1]
    node = graph.nodes[current.node_id]
    title = current.op if current.op != "AccumulateGrad" else f"AccumulateGrad ({node.title})"
    if step == len(graph.steps):
        st.caption(
            "backward() has finished: every box shows its final gradient. Move the "
            "slider back to replay it one node at a time (highlighted in the graph)."
        )
    st.markdown(f"**Step {step} of {len(graph.steps)}** · `{title}` — {rule_for(current.op)}")
    if rows:
        width = max(len(label) for label, _ in rows)
        st.code(
            "\n".join(f"{label:<{width}}  {value}" for label, value in rows),
            language="text",
            wrap_lines=True,
        )
