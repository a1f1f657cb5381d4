"""Autograd graph: type a few lines of PyTorch and see the backward graph they build.

Values and gradients on the graph, backward() stepped node by node, gradients checked, and the
loss graphs of nn.Modules.
"""

import streamlit as st

from core.expressions import LIMITS, to_pytorch_code
from core.graph import fit_layout, trace
from ui.autograd import graph_view, program_editor, settings, tables
from ui.autograd.module_section import module_section

st.title("🕸️ Autograd graph")
st.markdown(
    "When a tensor has `requires_grad=True`, PyTorch records every operation on it in a graph "
    "of backward functions (`grad_fn`). `backward()` walks that graph from the output to the "
    "leaves and leaves each leaf's gradient in `.grad`. Pick a preset or type your own lines."
)

settings.load_settings()
mode = st.radio(
    "Trace", settings.MODES, horizontal=True, key="ag_mode", label_visibility="collapsed"
)
settings.share()

if mode == "An nn.Module":
    options = graph_view.graph_options()
    module_section(options)
    settings.keep(settings.EDITOR)
    st.stop()

program_editor.preset_buttons()
editor, help_column = st.columns([3, 2])
with editor:
    source = st.text_area(
        "Program",
        key="ag_source",
        height=230,
        help="Python syntax, PyTorch names. Ctrl+Enter runs it.",
    )
    seed_column, run_column = st.columns([1, 1])
    seed = seed_column.number_input("Seed for rand/randn", 0, 10_000, key="ag_seed")
    run_column.button("Run", key="ag_run", type="primary", width="stretch")
with help_column:
    st.markdown("**What you can write**")
    # markdown, not a caption: inline code in a caption is 2.7:1 on its background (axe)
    st.markdown(
        "`b = a * 2`, numbers and lists, `+ - * / ** @`, `torch.ones/zeros/rand/randn/tensor/"
        "arange/linspace/eye/full`, `sin cos exp log sqrt abs tanh sigmoid relu softmax "
        "log_softmax sum mean matmul`, `F.mse_loss l1_loss cross_entropy "
        "binary_cross_entropy binary_cross_entropy_with_logits`, the methods `.sum() .mean() "
        ".pow() .exp() .relu() .sigmoid() .tanh() .view() .reshape() .t() .detach() "
        ".requires_grad_(False) .retain_grad() .backward() .zero_()`, the attributes `.grad "
        ".grad_fn .grad_fn.next_functions .is_leaf .requires_grad .shape .dtype .T`, "
        "`print(...)` and `with torch.no_grad():`. A line that is just an expression, like "
        "`y.grad_fn`, shows its value under the editor."
    )
    st.caption(
        f"Limits: {LIMITS.max_source_chars:,} characters, {LIMITS.max_statements} statements, "
        f"{LIMITS.max_elements:,} elements per tensor. Named intermediates get retain_grad() "
        "so their gradients show."
    )

program_editor.preset_idea(source)
program, error = program_editor.run_cached(source, int(seed))
if program is not None:
    program_editor.show_output(program)
if error is not None:
    program_editor.show_error(error, source)
if program is None:
    settings.keep(settings.OPTIONS + settings.MODULE)
    st.stop()

options = graph_view.graph_options()
chosen = graph_view.choose_root(program)
if chosen is None:
    st.info("The program has not made any tensor yet: assign one, like `x = torch.ones(3)`.")
    settings.keep(settings.MODULE)
    st.stop()
label, root = chosen
moment = program.moment_for(root)  # every box from one moment: no w after its update by y_hat
graph, cut_for_browser = fit_layout(  # never more than the browser lays out in about 1 s
    lambda cap: trace(
        root,
        program.named_tensors(),
        program.backward_for(root),
        options["show_saved"],
        cap,
        values=options["show_values"],
        moment=moment,
    ),
    int(options["max_nodes"]),
)
changed = program.changed_since(moment) if moment is not None else []
graph_view.draw_graph(graph, options, cut_for_browser, changed_later=changed)

variables_tab, check_tab, code_tab = st.tabs(["Variables", "Gradient check", "Show code"])
with variables_tab:
    tables.variables_table(program)
with check_tab:
    tables.gradient_check(program)
with code_tab:
    st.code(to_pytorch_code(program, seed=int(seed)), language="python", wrap_lines=True)
settings.keep(settings.MODULE)
