"""The inspector's first tab: build a tensor, add steps, see every stage (app_pages/tensors.py)."""

from __future__ import annotations

import streamlit as st
import torch

from core.devices import available_devices
from core.messages import non_finite_note
from core.tensors import (
    ARITHMETIC,
    CONSTRUCTORS,
    DTYPES,
    PRESETS,
    REDUCTIONS,
    STEP_OPS,
    InspectorError,
    PipelineResult,
    Step,
    TensorSpec,
    parse_ints,
    pipeline_code,
    run_pipeline,
    step_code,
)
from ui.tensors.values import broadcast_table, metadata_table, show_values

STEP_HELP = {
    "view": ("new shape", "3, -1"),
    "reshape": ("new shape", "3, -1"),
    "transpose": ("two dims", "0, 1"),
    "permute": ("all dims in a new order", "1, 0"),
    "slice": ("index", "[:, 1:3]"),
    "to": ("dtype", "float64"),
    "arithmetic": ("a number or a list (broadcast)", "[10, 20, 30]"),
}


def load_preset(name: str | None = None) -> None:
    """Put a preset's tensor and steps into the widgets (the picked preset when name is None)."""
    name = name or st.session_state["tns_preset"]
    spec, steps = PRESETS[name]
    st.session_state.update(
        {
            "tns_preset": name,
            "tns_constructor": spec.constructor,
            "tns_values": spec.values,
            "tns_shape": ", ".join(map(str, spec.shape)),
            "tns_start": spec.start,
            "tns_end": spec.end,
            "tns_step": spec.step,
            "tns_dtype": spec.dtype,
            "tns_requires_grad": spec.requires_grad,
            "tns_pipeline": list(steps),
            "tns_stage": len(steps),
        }
    )


def build_tab() -> torch.Tensor | None:
    """The Build & transform tab; returns the last tensor it built (None when it built none)."""
    controls, body = st.columns([1, 2.4], gap="large")
    with controls:
        spec_fields, shape_text = _build_controls()
        step_fields = _step_controls()
        add = st.button("Add step", type="primary", key="tns_add")
        clear = st.button("Clear steps", key="tns_clear")
    with body:
        steps = st.session_state["tns_pipeline"]
        try:
            if spec_fields["constructor"] in CONSTRUCTORS[1:6] + ("empty", "eye"):
                spec_fields["shape"] = parse_ints(shape_text, "shape")
            spec = TensorSpec(**spec_fields)
            if clear:
                steps.clear()
            shown = _stage_number(st.session_state.get("tns_stage"), len(steps))
            result = None  # only the stages on screen keep their tensors (and the last two)
            if add:
                trial = run_pipeline(spec, [*steps, Step(**step_fields)], keep={shown})
                if trial.failed_step == len(steps) + 1:
                    st.error(f"That step was not added. {trial.error}")
                else:
                    steps.append(Step(**step_fields))
                    st.session_state["tns_stage"] = len(steps)
                    result = trial
                del trial
            if result is None:
                result = run_pipeline(spec, steps, keep={shown - 1, shown})
        except InspectorError as exc:
            st.error(str(exc))
            return None
        return _pipeline_view(spec, steps, result)


def _build_controls() -> tuple[dict, str]:
    st.subheader("1 · Build")
    st.selectbox("preset", list(PRESETS), key="tns_preset")
    st.button("Load preset", key="tns_load_preset", on_click=load_preset)
    constructor = st.selectbox("constructor", CONSTRUCTORS, key="tns_constructor")
    fields, shape_text = {"constructor": constructor}, ""
    if constructor == "tensor":
        fields["values"] = st.text_area("values (nested lists of numbers)", key="tns_values")
    elif constructor in ("arange", "linspace"):
        a, b, c = st.columns(3)
        fields["start"] = a.number_input("start", key="tns_start")
        fields["end"] = b.number_input("end", key="tns_end")
        if constructor == "arange":
            fields["step"] = c.number_input("step", key="tns_step")
        else:
            fields["steps"] = int(c.number_input("steps", 0, 2**24, key="tns_steps"))
    else:
        shape_text = st.text_input("shape (1 to 4 sizes)", key="tns_shape")
        if constructor == "full":
            fields["fill_value"] = st.number_input("fill value", key="tns_fill")
        if constructor == "empty":
            st.caption(
                "empty only reserves memory: the values are whatever bytes were there before "
                "(uninitialised), so they change from run to run. Fill it before use."
            )
    fields["dtype"] = st.selectbox("dtype", list(DTYPES), key="tns_dtype")
    fields["device"] = st.selectbox("device", available_devices(), key="tns_device")
    fields["requires_grad"] = st.checkbox("requires_grad", key="tns_requires_grad")
    if constructor in ("rand", "randn"):
        fields["seed"] = int(st.number_input("random seed", 0, 2**31 - 1, key="tns_seed"))
    return fields, shape_text


def _step_controls() -> dict:
    st.subheader("2 · Add a step")
    op = st.selectbox("operation", STEP_OPS, key="tns_op")
    fields = {"op": op}
    if op in STEP_HELP:
        label, example = STEP_HELP[op]
        fields["text"] = st.text_input(f"{label}, e.g. {example}", example, key=f"tns_text_{op}")
    if op == "arithmetic":
        fields["name"] = st.selectbox("operator", list(ARITHMETIC), key="tns_operator")
        fields["inplace"] = st.checkbox("in place (add_, mul_, …)", key="tns_inplace")
    if op == "reduce":
        fields["name"] = st.selectbox("reduction", REDUCTIONS, key="tns_reduction")
        fields["keepdim"] = st.checkbox("keepdim", key="tns_keepdim")
    if op in ("unsqueeze", "squeeze", "reduce"):
        every = op != "unsqueeze" and st.checkbox(
            "all dims", value=op == "squeeze", key=f"tns_all_{op}"
        )
        if not every:
            fields["dim"] = int(st.number_input("dim", -5, 4, 0, key=f"tns_dim_{op}"))
    return fields


def _stage_number(picked: object, count: int) -> int:
    """The stage the picker names, as a number in 0..count. The browser sends the picker's
    label back ("2: x = x.view(3, 4)"); once the stages changed (another constructor, a removed
    step) that label is no longer an option and Streamlit hands the text over instead of a
    number: read its number, and fall back to the last stage."""
    if isinstance(picked, str):
        head = picked.split(":", 1)[0].strip()
        picked = int(head) if head.isdigit() else count
    if not isinstance(picked, int) or isinstance(picked, bool) or not 0 <= picked <= count:
        return count
    return picked


def _remove(number: int) -> None:
    del st.session_state["tns_pipeline"][number - 1]
    st.session_state["tns_stage"] = len(st.session_state["tns_pipeline"])  # the new last stage


def _insert_fix(number: int, fix: str) -> None:
    """The two fixes of a view that needs contiguous memory: copy first, or reshape."""
    steps = st.session_state["tns_pipeline"]
    if fix == "contiguous":
        steps.insert(number - 1, Step("contiguous"))
        st.session_state["tns_stage"] = number + 1
    else:
        steps[number - 1] = Step("reshape", steps[number - 1].text)
        st.session_state["tns_stage"] = number


def _pipeline_view(spec: TensorSpec, steps: list[Step], result: PipelineResult):
    failed = result.failed_step
    if result.error:
        st.error(
            f"Step {failed} cannot run on the tensor above it. {result.error} "
            f"Remove step {failed} (✕ beside it in the pipeline below) or change the tensor."
        )
        _offer_view_fix(steps, result)
    st.subheader("3 · Pipeline")
    for number in range(len(steps) + 1):
        line, remove = st.columns([12, 1], vertical_alignment="center")
        if number < len(result.stages):
            line.code(result.stages[number].code, language="python", wrap_lines=True)
        else:
            why = (
                "❌ this step failed (see the error above)"
                if number == failed
                else "not run: a step above it failed"
            )
            line.code(
                f"{step_code(steps[number - 1])}   # {why}", language="python", wrap_lines=True
            )
        if number:
            remove.button(
                "✕",
                key=f"tns_remove_{number}",
                help=f"remove step {number}",
                on_click=_remove,
                args=(number,),
            )
    labels = [f"{n}: {s.code.splitlines()[-1]}" for n, s in enumerate(result.stages)]
    st.session_state["tns_stage"] = min(
        _stage_number(st.session_state.get("tns_stage"), len(labels) - 1), len(labels) - 1
    )
    chosen = st.selectbox(
        "inspect the tensor after",
        range(len(labels)),
        format_func=labels.__getitem__,
        key="tns_stage",
    )
    stage = result.stages[chosen]
    if stage.note:
        st.info(stage.note)
    if stage.tensor.numel() == 1:
        value = stage.tensor.detach().cpu().item()
        st.info(
            f"One element: x.item() gives the plain Python number {value!r} "
            f"({type(value).__name__}), no longer a tensor — what you print or log.",
            icon="🔢",
        )
    if overflow := non_finite_note("x", stage.tensor):
        st.warning(overflow, icon="♾️")
    if stage.broadcast:
        broadcast_table(stage.broadcast)
    facts, values = st.columns([1, 2.2])
    with facts:
        metadata_table(stage, result.stages[chosen - 1] if chosen else None)
    with values:
        show_values(stage.tensor, key=f"tns_view_{chosen}")
    with st.expander("Show code", expanded=False):
        st.code(
            pipeline_code(spec, result.stages[: chosen + 1]), language="python", wrap_lines=True
        )
    return result.stages[-1].tensor


def _offer_view_fix(steps: list[Step], result: PipelineResult) -> None:
    """After a view that failed on a non-contiguous tensor: the two fixes, one click each."""
    number = result.failed_step
    before = result.stages[-1].tensor
    if steps[number - 1].op != "view" or before is None or before.is_contiguous():
        return
    st.markdown(
        f"**Why:** the tensor above step {number} is not contiguous (its stride is "
        f"`{before.stride()}`): its rows are not laid out one after another in memory, and "
        "`view` never copies. Two fixes:"
    )
    left, right = st.columns(2)
    left.button(
        f"Fix: insert x.contiguous() before step {number}",
        key="tns_fix_contiguous",
        on_click=_insert_fix,
        args=(number, "contiguous"),
        help="contiguous() copies the values into fresh row-major memory; then view works",
    )
    right.button(
        f"Fix: use reshape in step {number}",
        key="tns_fix_reshape",
        on_click=_insert_fix,
        args=(number, "reshape"),
        help="reshape returns a view when it can and copies when it must",
    )
