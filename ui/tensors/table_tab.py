"""The inspector's table tab: a DataFrame (built in or an uploaded CSV) turned into a tensor,
with the dtype and shape of each step (core/tensors/tabular.py)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.tensors import values_frame
from core.tensors.tabular import (
    MAX_CSV_BYTES,
    TableError,
    builtin_table,
    read_csv,
    table_to_tensor,
)

ENCODING_LABELS = {"one-hot": "one-hot (pd.get_dummies)", "codes": "integer codes (.cat.codes)"}
NO_TARGET = "(none: the whole table)"


def _table() -> tuple[pd.DataFrame, str]:
    source = st.radio(
        "table",
        ["built-in: eight flats", "upload a CSV"],
        horizontal=True,
        key="tns_table_source",
    )
    if source == "upload a CSV":
        # Any file is accepted and read by core.tensors.tabular, which says what is wrong.
        upload = st.file_uploader(
            f"A CSV file with a header row (at most {MAX_CSV_BYTES // 2**20} MB)",
            key="tns_table_upload",
        )
        if upload is None:
            st.info("Choose a CSV to upload; the built-in table is shown meanwhile.")
        else:
            try:
                return read_csv(upload.getvalue()), "df = pd.read_csv('your.csv')"
            except TableError as exc:
                st.error(f"{exc} The built-in table is shown instead.")
    return builtin_table(), "df = pd.DataFrame({...})  # the eight flats"


def table_tab() -> None:
    st.subheader("A table as a tensor: DataFrame → NumPy → torch")
    st.caption(
        "Models take numbers, so a table's text columns become numbers first (one column per "
        "category, or one code per category); then .to_numpy() gives an array, "
        "torch.from_numpy wraps it without copying, and .float() makes the float32 a layer expects."
    )
    source, encoding_column, target_column = st.columns([1.3, 1, 1])
    with source:
        frame, source_code = _table()
    encoding = encoding_column.radio(
        "text columns become",
        list(ENCODING_LABELS),
        format_func=ENCODING_LABELS.__getitem__,
        key="tns_table_encoding",
    )
    numeric = [
        str(name)
        for name in frame.columns
        if pd.api.types.is_numeric_dtype(frame[name]) or pd.api.types.is_bool_dtype(frame[name])
    ]
    if st.session_state.get("tns_table_target") not in [NO_TARGET, *numeric]:
        st.session_state["tns_table_target"] = NO_TARGET  # a column of another table
    target = target_column.selectbox(
        "target column (y)", [NO_TARGET, *numeric], key="tns_table_target"
    )
    try:
        result = table_to_tensor(frame, encoding, None if target == NO_TARGET else target)
    except TableError as exc:
        st.error(str(exc))
        return
    for note in result.notes:
        st.warning(note)
    data, kinds = st.columns([2, 1])
    data.dataframe(frame, width="stretch", height=min(40 + 35 * (len(frame) + 1), 360))
    kinds.table(
        pd.DataFrame(
            {
                "column": [str(name) for name in frame.columns],
                "pandas dtype": [str(frame[name].dtype) for name in frame.columns],
                "becomes": [result.kinds[name] for name in frame.columns],
            }
        ).set_index("column")
    )
    st.markdown("**Step by step, with each step's dtype and shape**")
    st.table(
        pd.DataFrame(
            {
                "code": [source_code] + [step.code for step in result.steps[1:]],
                "dtype": [step.dtype for step in result.steps],
                "shape": [str(step.shape) for step in result.steps],
                "what it is": [step.what for step in result.steps],
            }
        ).set_index("code")
    )
    if result.raw_error:
        st.markdown(
            "**Without encoding the text columns first**, `df.to_numpy()` is an array of "
            "Python objects (dtype object), and `torch.from_numpy` refuses it — run just now:"
        )
        st.code(result.raw_error, language="text", wrap_lines=True)
    st.markdown(
        f"**The tensor** `t`: shape `{tuple(result.tensor.shape)}`, dtype `{result.tensor.dtype}`"
        " — its columns:"
    )
    values = values_frame(result.tensor)
    values.columns = result.columns[: len(values.columns)]
    st.dataframe(values, width="stretch", height=min(40 + 35 * len(values), 300))
