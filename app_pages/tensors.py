"""Tensor inspector: build a tensor, transform it step by step, and see exactly what PyTorch did."""

import streamlit as st

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
    Step,
    TensorSpec,
    parse_ints,
    pipeline_code,
    run_pipeline,
    steps_from_text,
    steps_to_text,
)
from ui.classroom import load_settings_from_url, share_box
from ui.tensors.image_tab import image_tab
from ui.tensors.numpy_tab import numpy_bridge_tab
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
SHARED = {  # widget key -> default; these travel in the page's link
    "tns_constructor": "arange",
    "tns_values": "[[1, 2], [3, 4]]",
    "tns_shape": "2, 3",
    "tns_start": 0.0,
    "tns_end": 12.0,
    "tns_step": 1.0,
    "tns_steps": 5,
    "tns_fill": 7.0,
    "tns_dtype": "float32",
    "tns_device": "cpu",
    "tns_requires_grad": False,
    "tns_seed": 0,
}
first_visit = "tns_pipeline" not in st.session_state
load_settings_from_url(
    SHARED,
    {
        "tns_constructor": list(CONSTRUCTORS),
        "tns_dtype": list(DTYPES),
        "tns_device": available_devices(),
    },
)
for widget_key, default in {**SHARED, "tns_pipeline": []}.items():
    st.session_state.setdefault(widget_key, default)
if first_visit and "tns_pipe" in st.query_params:
    try:
        st.session_state["tns_pipeline"] = steps_from_text(st.query_params["tns_pipe"])
    except InspectorError as exc:
        st.warning(str(exc))


def load_preset() -> None:
    spec, steps = PRESETS[st.session_state["tns_preset"]]
    st.session_state.update(
        {
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


st.title("🧊 Tensor inspector")
st.caption(
    "Build a tensor, transform it step by step, and see exactly what PyTorch does with shapes and memory."
)
build_tab, numpy_tab, picture_tab = st.tabs(
    ["Build & transform", "NumPy bridge", "Image as tensor"]
)
current = None

with build_tab:
    controls, body = st.columns([1, 2.4], gap="large")
    with controls:
        st.subheader("1 · Build")
        st.selectbox("preset", list(PRESETS), key="tns_preset")
        st.button("Load preset", key="tns_load_preset", on_click=load_preset)
        constructor = st.selectbox("constructor", CONSTRUCTORS, key="tns_constructor")
        fields = {}
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
        dtype = st.selectbox("dtype", list(DTYPES), key="tns_dtype")
        device = st.selectbox("device", available_devices(), key="tns_device")
        requires_grad = st.checkbox("requires_grad", key="tns_requires_grad")
        if constructor in ("rand", "randn"):
            fields["seed"] = int(st.number_input("random seed", 0, 2**31 - 1, key="tns_seed"))

        st.subheader("2 · Add a step")
        op = st.selectbox("operation", STEP_OPS, key="tns_op")
        step_fields = {"op": op}
        if op in STEP_HELP:
            label, example = STEP_HELP[op]
            step_fields["text"] = st.text_input(
                f"{label}, e.g. {example}", example, key=f"tns_text_{op}"
            )
        if op == "arithmetic":
            step_fields["name"] = st.selectbox("operator", list(ARITHMETIC), key="tns_operator")
            step_fields["inplace"] = st.checkbox("in place (add_, mul_, …)", key="tns_inplace")
        if op == "reduce":
            step_fields["name"] = st.selectbox("reduction", REDUCTIONS, key="tns_reduction")
            step_fields["keepdim"] = st.checkbox("keepdim", key="tns_keepdim")
        if op in ("unsqueeze", "squeeze", "reduce"):
            every = op != "unsqueeze" and st.checkbox(
                "all dims", value=op == "squeeze", key=f"tns_all_{op}"
            )
            if not every:
                step_fields["dim"] = int(st.number_input("dim", -5, 4, 0, key=f"tns_dim_{op}"))
        add = st.button("Add step", type="primary", key="tns_add")
        clear = st.button("Clear steps", key="tns_clear")

    with body:
        try:
            if constructor in CONSTRUCTORS[1:6] + ("empty", "eye"):
                fields["shape"] = parse_ints(shape_text, "shape")
            spec = TensorSpec(
                constructor=constructor,
                dtype=dtype,
                device=device,
                requires_grad=requires_grad,
                **fields,
            )
            steps = st.session_state["tns_pipeline"]
            if clear:
                steps.clear()
            shown = st.session_state.get("tns_stage", len(steps))
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
            result = None
        if result is not None:
            if result.error:
                st.error(
                    f"Step {result.failed_step} cannot run on the tensor above it. {result.error} "
                    "Remove it or change the tensor."
                )
            st.subheader("3 · Pipeline")
            for number, stage in enumerate(result.stages):
                line, remove = st.columns([12, 1], vertical_alignment="center")
                line.code(stage.code, language="python", wrap_lines=True)
                if number and remove.button(
                    "✕", key=f"tns_remove_{number}", help="remove this step"
                ):
                    del steps[number - 1]
                    st.session_state["tns_stage"] = 0
                    st.rerun()
            labels = [f"{n}: {s.code.splitlines()[-1]}" for n, s in enumerate(result.stages)]
            if st.session_state.get("tns_stage", len(labels)) >= len(labels):
                st.session_state["tns_stage"] = len(labels) - 1
            chosen = st.selectbox(
                "inspect the tensor after",
                range(len(labels)),
                format_func=labels.__getitem__,
                key="tns_stage",
            )
            stage = result.stages[chosen]
            current = result.stages[-1].tensor
            if stage.note:
                st.info(stage.note)
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
                    pipeline_code(spec, result.stages[: chosen + 1]),
                    language="python",
                    wrap_lines=True,
                )

with numpy_tab:
    numpy_bridge_tab(current)
with picture_tab:
    image_tab()
share_box(list(SHARED), {"tns_pipe": steps_to_text(st.session_state["tns_pipeline"])})
