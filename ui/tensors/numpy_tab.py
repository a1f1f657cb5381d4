"""The inspector's NumPy tab: the GPU error and its .cpu() fix, shared memory, dtypes,
.item() and .numpy() on the student's tensor, float16."""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch

from core.tensors import numpy_bridge


def numpy_bridge_tab(current: torch.Tensor | None) -> None:
    """GPU error and .cpu() fix, shared memory, dtypes, .item()/.numpy() on the current tensor,
    float16."""
    _gpu_error()  # the notes' first example
    _shared_memory()
    st.subheader("dtypes on both sides")
    st.table(numpy_bridge.dtype_table().set_index("torch"))
    _current_tensor(current)
    _float16()


def _shared_memory() -> None:
    st.subheader("CPU tensors and NumPy arrays share memory")
    values = [1.0, 2.0, 3.0, 4.0]
    left, right = st.columns(2)
    index = left.number_input(
        "index to write", -len(values), len(values) - 1, 1, key="tns_np_index"
    )
    new_value = right.number_input("value to write", -1e6, 1e6, 99.0, key="tns_np_value")
    demo = numpy_bridge.sharing_demo(values, int(index), float(new_value), float(new_value) + 1)
    st.code(
        f"t = torch.tensor({values})\na = t.numpy()          # no copy: a and t share memory\n"
        f"a[{index}] = {new_value}\nprint(t)               # {demo.tensor_after_write}\n"
        f"c = t.clone()          # clone() copies: new memory\na[{index}] = {new_value + 1}\n"
        f"print(t, c)            # {demo.tensor_after_second_write} {demo.clone_after_second_write}",
        language="python",
        wrap_lines=True,
    )
    st.table(
        pd.DataFrame(
            {
                "step": [
                    "t before",
                    "t after a[i] = v",
                    "t after the second write",
                    "c = t.clone() after it",
                ],
                "values": [
                    demo.tensor_before,
                    demo.tensor_after_write,
                    demo.tensor_after_second_write,
                    demo.clone_after_second_write,
                ],
            }
        )
        .astype(str)
        .set_index("step"),
    )
    st.caption(
        "torch.from_numpy(a) shares memory the same way "
        f"(checked just now: {'yes' if numpy_bridge.from_numpy_shares(values) else 'no'})."
    )


def _current_tensor(current: torch.Tensor | None) -> None:
    st.subheader("Your tensor from the first tab")
    if current is None:
        st.info("Build a tensor in the first tab to try .item() and .numpy() on it.")
        return
    value, error = numpy_bridge.item_report(current)
    st.markdown("`x.item()`")
    st.code(value, language="text", wrap_lines=True) if value else st.warning(error)
    array, error = numpy_bridge.numpy_report(current)
    st.markdown(f"`x.numpy()` — x is on `{current.device}`")
    if array is not None:
        st.caption(f"numpy array, dtype {array.dtype}, shape {array.shape} — shares memory with x")
        return
    st.warning(error)
    fixed = numpy_bridge.fixed_numpy(current)
    call = "x.detach().cpu()" + (".float()" if current.dtype == torch.bfloat16 else "") + ".numpy()"
    st.markdown(f"The fix, run just now: `{call}`")
    st.caption(f"numpy array, dtype {fixed.dtype}, shape {fixed.shape} — a copy in CPU memory")


def _gpu_error() -> None:
    st.subheader("GPU tensors cannot become NumPy arrays: .cpu() first")
    report = numpy_bridge.gpu_bridge()
    device = report.device
    st.code(
        f"x = torch.tensor([1.0, 2.0, 3.0], device='{device}')\n"
        f"y = torch.tensor([10.0, 20.0, 30.0]).to('{device}')\n"
        "z = x + y            # computed on the device x and y live on\n"
        "z.numpy()            # NumPy only reads CPU memory",
        language="python",
        wrap_lines=True,
    )
    if report.raised:
        st.error(f"Raised for real on this server's {device}:", icon="⚡")
    else:
        st.info(
            "This server has no GPU, so z is on the CPU and z.numpy() works here "
            f"(it gives {list(report.direct)}). On a GPU, PyTorch raises this error — shown because this "
            "server has none:",
            icon="ℹ️",
        )
    st.code(report.error, language="text", wrap_lines=True)  # wrapped: never cut off
    st.markdown(f"**The fix, run for real on `{device}`:** `z = z.cpu().numpy()`")
    st.code(
        f"z.cpu().numpy()   # array({list(report.fixed)}, dtype={report.fixed_dtype}), "
        f"shape {report.fixed_shape}",
        language="python",
        wrap_lines=True,
    )
    st.caption(
        (
            ".cpu() copied z from the GPU into host memory; the array is that copy. "
            if report.copied
            else "On the CPU, .cpu() returns z itself (no copy), so the array shares z's memory. "
        )
        + "A tensor that requires grad needs x.detach().cpu().numpy()."
    )


def _float16() -> None:
    st.subheader("float16 keeps only 11 significant bits")
    typed = st.number_input("a number", -1e9, 1e9, 2049.0, step=1.0, key="tns_f16_value")
    try:
        st.table(pd.DataFrame([numpy_bridge.float16_rounding(float(typed))]).astype(str))
    except ValueError as exc:
        st.warning(str(exc))
