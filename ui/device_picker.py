"""A device selectbox any page can use: cpu, each GPU with its name and memory, mps.

Optionally "all GPUs (DataParallel)" when the server has several.
"""

from __future__ import annotations

import streamlit as st

from core.devices import available_devices, describe_device


def device_choices(data_parallel_value: str | None = None) -> dict[str, str]:
    """Device value -> label, in the order core.devices lists them (cpu first)."""
    devices = available_devices()
    choices = {name: describe_device(name) for name in devices}
    gpus = [name for name in devices if name.startswith("cuda:")]
    if data_parallel_value is not None and len(gpus) > 1:
        choices[data_parallel_value] = f"all {len(gpus)} GPUs (nn.DataParallel)"
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
        or "Where the model and the data live while training. The CPU's threads are the "
        "server's: every run gets the same share of them whoever else trains, so one seed "
        "gives one run. The speed you get on each device is listed after a run.",
    )
