"""The autograd page's nn.Module graphs: pick a model and a loss, see the graph of the loss."""

from __future__ import annotations

import streamlit as st

from core.graph.module_code import module_code
from core.graph.module_view import ModuleView, view_module_graph
from core.graph.modules import (
    SIZED_MODELS,
    ModuleGraph,
    ModuleGraphConfig,
    check_module_gradients,
    run_module_graph,
)
from ui.autograd.graph_view import draw_graph
from ui.autograd.tables import checks_table

MODEL_LABELS = {  # core.graph.modules.MODELS, as the model picker names them
    "linear": "nn.Linear",
    "mlp": "MLP (Linear → ReLU → … → Linear)",
    "signs_cnn": "SIGNS CNN (the SIGNS page's course CNN)",
}
LOSS_LABELS = {"mse": "MSELoss", "cross_entropy": "CrossEntropyLoss"}  # core's LOSSES


def _module_widgets() -> tuple[dict, bool]:
    """The ModuleGraphConfig fields the widgets set, and whether to draw every backward
    function."""
    left, middle, right = st.columns(3)
    model = left.selectbox(
        "Model", list(MODEL_LABELS), format_func=MODEL_LABELS.get, key="ag_module"
    )
    loss = middle.selectbox(
        "Loss", list(LOSS_LABELS), format_func=LOSS_LABELS.get, key="ag_module_loss"
    )
    seed = right.number_input("Seed", 0, 10_000, key="ag_module_seed")
    sized = model in SIZED_MODELS
    a, b, c, d, e = st.columns(5)
    config_args = {
        "in_features": a.slider("Inputs", 1, 16, key="ag_module_in", disabled=not sized),
        "hidden": b.slider("Hidden units", 1, 32, key="ag_module_hidden", disabled=model != "mlp"),
        "layers": c.slider("Linear layers", 2, 8, key="ag_module_layers", disabled=model != "mlp"),
        "out_features": d.slider("Outputs", 1, 8, key="ag_module_out", disabled=not sized),
        "batch": e.slider("Batch", 1, 32, key="ag_module_batch"),
    }
    full = True
    if not sized:
        st.caption(
            "The SIGNS page's CNN, core.signs.models.SignsCNN, in training mode (batch norm "
            "on batch statistics, dropout on), on built-in SIGNS pictures: 3×64×64 "
            "pixels in, 6 classes out."
        )
        full = st.toggle(
            "Every backward function",
            key="ag_module_full",
            help="About 60 boxes in small print. Off: one box per layer.",
        )
    return {"model": model, "loss": loss, "seed": int(seed), **config_args}, full


def module_section(options: dict) -> None:
    """Pick a model and see the graph of its loss."""
    fields, full = _module_widgets()
    try:
        config = ModuleGraphConfig(**fields)
        result = _run_module_cached(config)
    except ValueError as exc:
        st.error(str(exc))
        return
    st.markdown(
        f"`loss = {LOSS_LABELS[config.loss]}(model(x), target)` = "
        f"**{result.loss.item():.4f}**, after `loss.backward()`:"
    )
    cap = int(options["max_nodes"])
    view = view_module_graph(result, cap, options["show_saved"], options["show_values"], full)
    if view.collapsed:
        _say_collapsed(view, cap)
    draw_graph(view.graph, options, collapsed_hint=_how_to_expand(view))
    with st.expander("Gradient check (finite differences, float64)"):
        if config.model in SIZED_MODELS:
            checks_table(check_module_gradients(result))
        else:
            module_gradient_check(result)
    with st.expander("Show code"):
        st.code(module_code(config), language="python", wrap_lines=True)
        st.caption(
            "The page draws the weights from its own seeded generator, so the numbers "
            "in a notebook differ; the graph is the same."
        )


def _say_collapsed(view: ModuleView, cap: int) -> None:
    why = f"more than the cap of {cap}" if view.over_cap else "too many to read at once"
    more = "Raise the node cap" if view.over_cap else "Switch on “Every backward function”"
    if view.over_layout:
        why = "more than your browser can lay out in about a second"
        more = "Use fewer layers"
    st.info(
        f"The full graph has {view.full_nodes} nodes, {why}, so each {view.unit} is "
        f"drawn as one purple box. {more} to see every backward function and step "
        "through them.",
        icon="🗜️",
    )


def _how_to_expand(view: ModuleView) -> str:
    """The true reason a module graph is drawn one box per layer, as what to do about it."""
    if view.over_layout:
        return "use fewer layers"
    if view.over_cap:
        return "raise the node cap"
    return "switch on “Every backward function”"


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
    st.caption(
        "Two elements of each parameter, each nudged by ±ε through the whole CNN in "
        "float64: a few seconds."
    )
    if st.button("Run the gradient check", key="ag_module_check"):
        st.session_state["ag_module_check_result"] = (
            result.config,
            check_module_gradients(result, max_elements=2),
        )
    stored = st.session_state.get("ag_module_check_result")
    if stored is not None and stored[0] == result.config:
        checks_table(stored[1])
