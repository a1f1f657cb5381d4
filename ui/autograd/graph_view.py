"""The autograd page's graph: picture options, which tensor to draw, the step-through slider."""

from __future__ import annotations

import streamlit as st
import torch

from core.expressions import Program
from core.graph import Graph, draw, rule_for
from ui.autograd.settings import DIRECTIONS


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
    label = st.selectbox(
        "Draw the graph of", labels, index=labels.index(default_label), key="ag_root"
    )
    return label, tensors.get(label, default)


def draw_graph(graph: Graph, options: dict, cut_for_browser: bool = False) -> None:
    """The graph (with the step-through slider when a backward() was recorded) and legend.
    `cut_for_browser`: fewer nodes than the cap are drawn, since the browser could not lay the
    graph out quickly (core.graph.fit_layout)."""
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
    drawing = draw(graph, options["show_values"], options["direction"], step)
    if step is not None:
        explain_step(graph, step, drawing.rows)
    elif "module" in graph.kinds():
        st.caption("The step-through needs every node drawn: raise the node cap to use it.")
    elif graph.nodes[graph.root].kind == "output" and len(graph.nodes) == 1:
        st.info(
            "This tensor has no grad_fn: autograd is not tracking it, so its graph is just itself.",
            icon="ℹ️",
        )
    else:
        st.caption(
            "No backward() has run from this tensor yet, so there is nothing to step "
            "through. Add a line like `loss.backward()`."
        )
    st.graphviz_chart(drawing.dot)
    st.graphviz_chart(drawing.legend)


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
