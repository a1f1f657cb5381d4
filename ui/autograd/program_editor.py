"""The autograd page's program: preset buttons, the preset's idea, one run per edit, its error."""

from __future__ import annotations

import streamlit as st

from core.expressions import ExpressionError, Program, run_program
from core.graph.presets import PRESETS, PRESETS_BY_KEY
from ui.autograd.settings import DEFAULT_PRESET


def _load_preset(key: str) -> None:
    st.session_state["ag_source"] = PRESETS_BY_KEY[key].source
    st.session_state["ag_preset_shown"] = key


def preset_buttons() -> None:
    """One button per preset; a click loads it into the editor and runs it."""
    st.session_state.setdefault("ag_preset_shown", DEFAULT_PRESET)
    columns = st.columns(4)
    for index, preset in enumerate(PRESETS):
        columns[index % 4].button(
            ("⚠️ " if preset.fails else "") + preset.title,
            key=f"ag_preset_{preset.key}",
            on_click=_load_preset,
            args=(preset.key,),
            width="stretch",
            help=preset.idea,
        )


def preset_idea(source: str) -> None:
    """The one-line idea of the preset in the editor (if it was not edited since), whether a
    button or a link (a lesson's) put it there."""
    key = st.session_state.get("ag_preset_shown")
    preset = PRESETS_BY_KEY.get(key)
    if preset is None or preset.source != source:
        preset = next((p for p in PRESETS if p.source == source), None)
    if preset is not None:
        st.info(preset.idea, icon="💡")


def run_cached(source: str, seed: int) -> tuple[Program | None, ExpressionError | None]:
    """Run the program once per (source, seed) for this user; reruns reuse the result."""
    cached = st.session_state.get("ag_result")
    if cached is not None and cached[0] == (source, seed):
        return cached[1], cached[2]
    try:
        program, error = run_program(source, seed=seed), None
    except ExpressionError as exc:
        program, error = exc.program, exc
    for key in ("ag_step", "ag_check_result"):  # they belonged to the old program
        st.session_state.pop(key, None)
    # The picker is set to the new program's default tensor where it is drawn: popping its key
    # is not enough, the browser would send back the old program's choice (`d` for y = x + 2).
    st.session_state["ag_root_reset"] = True
    st.session_state["ag_result"] = ((source, seed), program, error)
    return program, error


def show_output(program: Program) -> None:
    """What print() and lines that are just an expression showed, as Python's console would."""
    if not program.output:
        return
    st.markdown("**Output** (`print(...)` and lines that are just an expression, like `y.grad_fn`)")
    st.code(
        "\n".join(f">>> {item.statement}\n{item.text}" for item in program.output),
        language="text",
        wrap_lines=True,
    )


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
