"""A device selectbox any page can use: cpu, each GPU with its name and memory, mps.

Optionally "all GPUs (DataParallel)" when the server has several; `several_gpus` explains
device ids, nn.DataParallel and CUDA_VISIBLE_DEVICES, with what the picker offers on a server
with GPUs when this one has none.
"""

from __future__ import annotations

import streamlit as st

from core.devices import (
    EXAMPLE_GPUS,
    GpuInfo,
    available_devices,
    describe_device,
    list_gpus,
    several_gpus_code,
)


def device_choices(
    data_parallel_value: str | None = None, gpus: list[GpuInfo] | None = None
) -> dict[str, str]:
    """Device value -> label, in the order core.devices lists them (cpu first). With `gpus`,
    the choices a server with those GPUs would offer (cpu, each GPU, mps when present here)."""
    if gpus is None:
        devices = available_devices()
        choices = {name: describe_device(name) for name in devices}
    else:
        choices = {"cpu": describe_device("cpu")} | {g.device: g.label for g in gpus}
        choices |= {d: describe_device(d) for d in available_devices() if d == "mps"}
    count = sum(name.startswith("cuda:") for name in choices)
    if data_parallel_value is not None and count > 1:
        choices[data_parallel_value] = f"all {count} GPUs (nn.DataParallel)"
    return choices


def device_picker(
    key: str,
    label: str = "Device",
    data_parallel_value: str | None = None,
    help: str | None = None,
) -> str:
    """Draw the selectbox and return the chosen device value ("cpu", "cuda:0", ...).

    Pass `data_parallel_value` to offer an "all GPUs" entry when there are two or more GPUs; it
    is returned as is when picked. A remembered choice that vanished falls back to "cpu".
    """
    choices = device_choices(data_parallel_value)
    if st.session_state.get(key) not in choices:
        st.session_state.pop(key, None)
    return st.selectbox(
        label,
        list(choices),
        format_func=choices.__getitem__,
        key=key,
        help=help
        or "Where the model and the data live while training. The CPU's cores are the "
        "server's: a run alone gets all it can use, runs side by side share them, and one seed "
        "gives one run either way. The speed you get on each device is listed after a run.",
    )


def several_gpus_expander(key: str, data_parallel_value: str) -> None:
    """`several_gpus` in an expander whose open state is st.session_state[key] (set it before
    the call to open it, e.g. for a lesson link)."""
    with st.expander(
        "Several GPUs: device ids, nn.DataParallel, CUDA_VISIBLE_DEVICES",
        key=key,
        on_change="rerun",
    ):
        several_gpus(data_parallel_value)


def several_gpus(data_parallel_value: str) -> None:
    """What this server's picker offers (each GPU: name and memory, plus "all GPUs"), or, on a
    server without GPUs, what it would offer with two; then the code of the three ways."""
    gpus = list_gpus()
    if gpus:
        st.markdown(f"**This server has {len(gpus)} GPU{'s' * (len(gpus) > 1)}:**")
        shown = device_choices(data_parallel_value)
    else:
        st.markdown(
            "**This server has no GPU**, so the picker offers the CPU alone. On a server with "
            f"two GPUs (say two {EXAMPLE_GPUS[0].name}) it would offer:"
        )
        shown = device_choices(data_parallel_value, list(EXAMPLE_GPUS))
    st.table({"picker entry": list(shown.values()), "device value": list(shown)})
    if len(gpus) == 1:
        st.caption("With one GPU there is nothing to split: nn.DataParallel needs two or more.")
    st.markdown(
        "Three ways to use the GPUs of one machine (the exported scripts in tab 5 use all three; "
        "DistributedDataParallel, also there, is what PyTorch recommends for real runs):"
    )
    for title, code in several_gpus_code(gpus).items():
        st.markdown(f"**{title}**")
        st.code(
            code, language="python" if not title.startswith("CUDA") else "bash", wrap_lines=True
        )
