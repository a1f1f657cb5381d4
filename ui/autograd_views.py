"""Streamlit pieces of the autograd page: presets, the graph with its options and the backward
step-through, the variables table, the gradient check and the nn.Module section."""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch

from core.autograd_presets import PRESETS, PRESETS_BY_KEY
from core.expressions import LIMITS, ExpressionError, Program, check_gradients, run_program
from core.graph import (
    MAX_NODES,
    GradientCheck,
    Graph,
    draw,
    format_tensor,
    rule_for,
    trace,
)
from core.module_graphs import (
    LOSSES,
    MODELS,
    SIZED_MODELS,
    ModuleGraph,
    ModuleGraphConfig,
    check_module_gradients,
    collapse_module_graph,
    module_code,
    run_module_graph,
)
from ui.classroom import load_settings_from_url, share_box

DEFAULT_PRESET = "mean"
MODES = ["Your own lines", "An nn.Module"]
DIRECTIONS = ["top to bottom", "left to right"]
# Widget key -> default. These travel in the page's link (🔗 Share this experiment).
SHARED = {
    "ag_mode": MODES[0], "ag_source": PRESETS_BY_KEY[DEFAULT_PRESET].source, "ag_seed": 0,
    "ag_values": True, "ag_saved": False, "ag_direction": DIRECTIONS[0], "ag_cap": MAX_NODES,
    "ag_module": "mlp", "ag_module_loss": "mse", "ag_module_seed": 0, "ag_module_in": 3,
    "ag_module_hidden": 4, "ag_module_layers": 2, "ag_module_out": 2, "ag_module_batch": 4,
    "ag_module_full": False,
}
SHARED_OPTIONS = {
    "ag_mode": MODES, "ag_direction": DIRECTIONS, "ag_module": list(MODELS),
    "ag_module_loss": list(LOSSES), "ag_seed": list(range(10_001)),
    "ag_module_seed": list(range(10_001)), "ag_cap": list(range(10, 401)),
    "ag_module_in": list(range(1, 17)), "ag_module_hidden": list(range(1, 33)),
    "ag_module_layers": list(range(2, 9)), "ag_module_out": list(range(1, 9)),
    "ag_module_batch": list(range(1, 33)),
}


def load_settings() -> None:
    """Settings from the page's link on the first run, then the defaults for anything unset."""
    linked = st.query_params.get("ag_source", "")
    if "ag_source" not in st.session_state and len(linked) > LIMITS.max_source_chars:
        del st.query_params["ag_source"]  # only a link's program is replaced; typed text never is
        st.warning("The program in the link was too long and was replaced by the default one.")
    load_settings_from_url(SHARED, SHARED_OPTIONS)
    for key, default in SHARED.items():
        st.session_state.setdefault(key, default)


def share() -> None:
    """The sidebar link that reopens this page with the same program and settings."""
    share_box(list(SHARED))


# ---------------------------------------------------------------------------------------------
# Program editor and presets
# ---------------------------------------------------------------------------------------------


def _load_preset(key: str) -> None:
    st.session_state["ag_source"] = PRESETS_BY_KEY[key].source
    st.session_state["ag_preset_shown"] = key


def preset_buttons() -> None:
    """One button per preset; a click loads it into the editor and runs it."""
    st.session_state.setdefault("ag_preset_shown", DEFAULT_PRESET)
    columns = st.columns(4)
    for index, preset in enumerate(PRESETS):
        columns[index % 4].button(
            ("⚠️ " if preset.fails else "") + preset.title, key=f"ag_preset_{preset.key}",
            on_click=_load_preset, args=(preset.key,), width="stretch",
            help=preset.idea,
        )


def preset_idea(source: str) -> None:
    """The one-line idea of the preset in the editor (if it was not edited since)."""
    key = st.session_state.get("ag_preset_shown")
    if key in PRESETS_BY_KEY and PRESETS_BY_KEY[key].source == source:
        st.info(PRESETS_BY_KEY[key].idea, icon="💡")


def run_cached(source: str, seed: int) -> tuple[Program | None, ExpressionError | None]:
    """Run the program once per (source, seed) for this user; reruns reuse the result."""
    cached = st.session_state.get("ag_result")
    if cached is not None and cached[0] == (source, seed):
        return cached[1], cached[2]
    try:
        program, error = run_program(source, seed=seed), None
    except ExpressionError as exc:
        program, error = exc.program, exc
    for key in ("ag_step", "ag_root", "ag_check_result"):  # they belonged to the old program
        st.session_state.pop(key, None)
    st.session_state["ag_result"] = ((source, seed), program, error)
    return program, error


def show_error(error: ExpressionError, source: str) -> None:
    """The sentence, the line at fault with a caret, and PyTorch's own message if it raised."""
    st.error(str(error), icon="🚫")
    lines = source.splitlines()
    if error.line is not None and 0 < error.line <= len(lines):
        text = lines[error.line - 1][:200]
        caret = " " * (min(error.column or 1, len(text) + 1) - 1) + "^"
        st.code(f"{error.line:>3} | {text}\n    | {caret}", language="text")
    if error.torch_message:
        st.caption("PyTorch's own message:")
        st.code(error.torch_message, language="text", wrap_lines=True)


# ---------------------------------------------------------------------------------------------
# The graph
# ---------------------------------------------------------------------------------------------


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
    label = st.selectbox("Draw the graph of", labels, index=labels.index(default_label),
                         key="ag_root")
    return label, tensors.get(label, default)


def draw_graph(graph: Graph, options: dict) -> None:
    """The graph (with the step-through slider when a backward() was recorded) and legend."""
    if graph.truncated:
        st.warning(
            f"This graph has {graph.total_nodes} nodes; only the {graph.max_nodes} nearest the "
            "output are drawn (the rest are summed up in the dashed box). Raise the node cap, or "
            "draw a smaller tensor.", icon="✂️")
    step = None
    if graph.recorded and graph.steps:
        total = len(graph.steps)
        if st.session_state.get("ag_step", 0) > total:
            st.session_state.pop("ag_step")
        step = st.slider(
            "Backward step", 0, total, total, key="ag_step",
            help="0: the output receives gradient 1. Each step runs one node of the backward "
                 "graph, in the order PyTorch ran them.")
    drawing = draw(graph, options["show_values"], options["direction"], step)
    if step is not None:
        explain_step(graph, step, drawing.rows)
    elif "module" in graph.kinds():
        st.caption("The step-through needs every node drawn: raise the node cap to use it.")
    elif graph.nodes[graph.root].kind == "output" and len(graph.nodes) == 1:
        st.info("This tensor has no grad_fn: autograd is not tracking it, so its graph is just "
                "itself.", icon="ℹ️")
    else:
        st.caption("No backward() has run from this tensor yet, so there is nothing to step "
                   "through. Add a line like `loss.backward()`.")
    st.graphviz_chart(drawing.dot)
    st.graphviz_chart(drawing.legend)


def explain_step(graph: Graph, step: int, rows: list[tuple[str, str]]) -> None:
    """What happens at `step`: the local rule, the gradient in and the gradients out (`rows`,
    from core.graph.draw)."""
    if step == 0:
        root = graph.nodes[graph.root]
        st.markdown(f"**Step 0 of {len(graph.steps)}** · backward() starts at "
                    f"`{root.title}`: its gradient with respect to itself is "
                    f"`{root.step_grad or '1'}`.")
        return
    current = graph.steps[step - 1]
    node = graph.nodes[current.node_id]
    title = current.op if current.op != "AccumulateGrad" else f"AccumulateGrad ({node.title})"
    if step == len(graph.steps):
        st.caption("backward() has finished: every box shows its final gradient. Move the "
                   "slider back to replay it one node at a time (highlighted in the graph).")
    st.markdown(f"**Step {step} of {len(graph.steps)}** · `{title}` — {rule_for(current.op)}")
    if rows:
        width = max(len(label) for label, _ in rows)
        st.code("\n".join(f"{label:<{width}}  {value}" for label, value in rows),
                language="text", wrap_lines=True)


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------


def variables_table(program: Program) -> None:
    """Every variable: value, grad, requires_grad, is_leaf, grad_fn."""
    rows = []
    for name, value in program.env.items():
        if isinstance(value, torch.Tensor):
            rows.append({
                "name": name, "shape": str(tuple(value.shape)),
                "dtype": str(value.dtype).replace("torch.", ""),
                "value": format_tensor(value),
                "grad": format_tensor(value.grad) if value.requires_grad
                and (value.is_leaf or value.retains_grad) else "—",
                "requires_grad": value.requires_grad, "is_leaf": value.is_leaf,
                "grad_fn": type(value.grad_fn).__name__ if value.grad_fn is not None else "None",
            })
        else:
            rows.append({"name": name, "shape": "", "dtype": type(value).__name__,
                         "value": str(value), "grad": "—", "requires_grad": False,
                         "is_leaf": True, "grad_fn": "None"})
    if not rows:
        st.caption("The program assigned no variables yet.")
        return
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def checks_table(checks: list[GradientCheck]) -> None:
    """One row per leaf: ✓ or the largest difference."""
    rows = [{
        "leaf": c.name, "shape": str(c.shape),
        "elements checked": f"{c.checked} of {max(1, _numel(c.shape))}",
        "autograd": ", ".join(f"{v:.6g}" for v in c.autograd[:4]) + (" …" if c.checked > 4 else ""),
        "finite difference": ", ".join(f"{v:.6g}" for v in c.numeric[:4])
        + (" …" if c.checked > 4 else ""),
        "result": "✓" if c.ok else f"differs by {c.max_abs_diff:.3g}",
    } for c in checks]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _numel(shape: tuple[int, ...]) -> int:
    count = 1
    for size in shape:
        count *= size
    return count


def gradient_check(program: Program) -> None:
    """Button, then the comparison of autograd with finite differences in float64."""
    st.caption("Each leaf's gradient from autograd next to a central finite difference "
               "(f(x + ε) − f(x − ε)) / 2ε computed in float64, for the first backward(). "
               "A difference is expected where the program uses detach() or no_grad(): "
               "autograd ignores those paths on purpose, the finite difference does not.")
    if st.button("Run the gradient check", key="ag_check"):
        try:
            st.session_state["ag_check_result"] = check_gradients(program)
        except (ExpressionError, ValueError) as exc:
            st.session_state["ag_check_result"] = str(exc)
    result = st.session_state.get("ag_check_result")
    if isinstance(result, str):
        st.warning(result)
    elif result:
        checks_table(result)


# ---------------------------------------------------------------------------------------------
# nn.Module graphs
# ---------------------------------------------------------------------------------------------


def module_section(options: dict) -> None:
    """Pick a model and see the graph of its loss."""
    left, middle, right = st.columns(3)
    model = left.selectbox("Model", list(MODELS), format_func=MODELS.get, key="ag_module")
    loss = middle.selectbox("Loss", list(LOSSES), format_func=LOSSES.get, key="ag_module_loss")
    seed = right.number_input("Seed", 0, 10_000, key="ag_module_seed")
    sized = model in SIZED_MODELS
    a, b, c, d, e = st.columns(5)
    config_args = {
        "in_features": a.slider("Inputs", 1, 16, key="ag_module_in", disabled=not sized),
        "hidden": b.slider("Hidden units", 1, 32, key="ag_module_hidden",
                           disabled=model != "mlp"),
        "layers": c.slider("Linear layers", 2, 8, key="ag_module_layers",
                           disabled=model != "mlp"),
        "out_features": d.slider("Outputs", 1, 8, key="ag_module_out", disabled=not sized),
        "batch": e.slider("Batch", 1, 32, key="ag_module_batch"),
    }
    full = True
    if not sized:
        st.caption("The SIGNS page's CNN, `core.models.SignsCNN`, in training mode (batch norm "
                   "on batch statistics, dropout on), on built-in SIGNS pictures: 3×64×64 "
                   "pixels in, 6 classes out.")
        full = st.toggle("Every backward function", key="ag_module_full",
                         help="About 60 boxes in small print. Off: one box per layer.")
    try:
        config = ModuleGraphConfig(model=model, loss=loss, seed=int(seed), **config_args)
        result = _run_module_cached(config)
    except ValueError as exc:
        st.error(str(exc))
        return
    st.markdown(f"`loss = {LOSSES[loss]}(model(x), target)` = **{result.loss.item():.4f}**, "
                "after `loss.backward()`:")
    cap = int(options["max_nodes"])
    values = options["show_values"]
    graph = trace(result.loss, result.names, result.backward, options["show_saved"], cap,
                  values=values)
    if graph.truncated or not full:
        whole = graph if not graph.truncated else trace(
            result.loss, result.names, result.backward, options["show_saved"],
            max_nodes=10_000, values=values)
        collapsed = collapse_module_graph(result, whole, cap)
        if collapsed is not None:
            collapsed, unit = collapsed
            why = f"more than the cap of {cap}" if graph.truncated else "too many to read at once"
            more = "Raise the node cap" if graph.truncated \
                else "Switch on “Every backward function”"
            st.info(f"The full graph has {whole.total_nodes} nodes, {why}, so each {unit} is "
                    f"drawn as one purple box. {more} to see every backward function and step "
                    "through them.", icon="🗜️")
            graph = collapsed
    draw_graph(graph, options)
    with st.expander("Gradient check (finite differences, float64)"):
        if sized:
            checks_table(check_module_gradients(result))
        else:
            module_gradient_check(result)
    with st.expander("Show code"):
        st.code(module_code(config), language="python")
        st.caption("The page draws the weights from its own seeded generator, so the numbers "
                   "in a notebook differ; the graph is the same.")


def _run_module_cached(config: ModuleGraphConfig) -> ModuleGraph:
    """One forward and backward pass per config for this user; reruns (a toggle, the step
    slider) reuse it. The CNN's pass takes a few tenths of a second."""
    cached = st.session_state.get("ag_module_result")
    if cached is not None and cached[0] == config:
        return cached[1]
    result = run_module_graph(config)
    st.session_state["ag_module_result"] = (config, result)
    return result


def module_gradient_check(result: ModuleGraph) -> None:
    """The CNN's gradient check, on a click: a few elements of each parameter (it takes seconds)."""
    st.caption("Two elements of each parameter, each nudged by ±ε through the whole CNN in "
               "float64: a few seconds.")
    if st.button("Run the gradient check", key="ag_module_check"):
        st.session_state["ag_module_check_result"] = (
            result.config, check_module_gradients(result, max_elements=2))
    stored = st.session_state.get("ag_module_check_result")
    if stored is not None and stored[0] == result.config:
        checks_table(stored[1])
