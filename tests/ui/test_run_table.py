"""ui.run_table: the comparison table's CSV download holds every run's whole history."""

import io

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from ui.run_table import RunRecord, histories_csv


def test_the_histories_csv_reads_back_as_every_runs_history():
    records = [
        RunRecord(1, "adam", {}, {}, np.array([3.0, 2.5, 2.25], dtype=np.float32)),
        RunRecord(4, "sgd", {}, {}, np.array([1.5], dtype=np.float32)),
    ]
    table = pd.read_csv(io.BytesIO(histories_csv(records)))
    assert list(table.columns) == ["run", "label", "step", "loss"]
    for record in records:
        rows = table[table.run == record.run_id]
        assert list(rows.label.unique()) == [record.label]
        assert list(rows.step) == list(range(len(record.history)))
        np.testing.assert_allclose(rows.loss.to_numpy(), record.history)
    empty = histories_csv([], value_name="accuracy").decode()
    assert empty == "run,label,step,accuracy\n"


def _page() -> None:
    import numpy as np
    import streamlit as st

    from ui.run_table import RunRecord, show_runs

    records = st.session_state.setdefault(
        "runs", [RunRecord(1, "adam", {"lr": 0.1}, {"loss": 2.0}, np.array([3.0, 2.0]))]
    )
    show_runs(records, prefix="t_")


def test_the_download_is_built_when_clicked_and_clearing_empties_the_table():
    """The CSV is handed to the button as a callable (built on the click, not on every rerun);
    the table, the overlay and Clear work as before."""
    app = AppTest.from_function(_page).run()
    assert not app.exception
    assert app.dataframe[0].value["label"].tolist() == ["adam"]
    assert app.multiselect(key="t_compare").value == ["#1 adam"]
    button = app.get("download_button")[0].proto
    assert button.deferred_file_id and not button.url  # nothing built until the click
    app.button(key="t_clear_runs").click().run()
    assert not app.exception
    assert "Finished and stopped runs appear here" in app.info[0].value
