"""A table of finished runs any trainer page can keep, with overlaid histories and a CSV.

Settings and final metrics per run, the histories overlaid, and a CSV download of every
history. Records live in st.session_state (per user).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import streamlit as st

from ui.accessibility import chart_table, milestones
from ui.live_chart import Curve, history_figure, run_style, show_figure

MAX_RUNS = 30  # oldest runs are dropped beyond this, so a long class session stays light


@dataclass
class RunRecord:
    """One run as the table shows it. `history` is the full per-step metric (e.g. the loss)."""

    run_id: int
    label: str
    settings: dict[str, object]
    metrics: dict[str, object]
    history: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))


def upsert_run(records: list[RunRecord], record: RunRecord) -> None:
    """Add the record, or replace the one with the same run_id (a resumed run updates its row)."""
    for index, old in enumerate(records):
        if old.run_id == record.run_id:
            records[index] = record
            return
    records.append(record)
    del records[:-MAX_RUNS]


def runs_frame(records: list[RunRecord]) -> pd.DataFrame:
    """One row per run: id, label, metrics, then settings."""
    rows = [{"run": r.run_id, "label": r.label, **r.metrics, **r.settings} for r in records]
    return pd.DataFrame(rows)


def histories_csv(records: list[RunRecord], value_name: str = "loss") -> bytes:
    """Every run's full history in long form: run, label, step, value."""
    frames = [
        pd.DataFrame(
            {
                "run": r.run_id,
                "label": r.label,
                "step": np.arange(len(r.history)),
                value_name: r.history,
            }
        )
        for r in records
    ]
    buffer = io.StringIO()
    if frames:
        pd.concat(frames, ignore_index=True).to_csv(buffer, index=False)
    else:
        buffer.write(f"run,label,step,{value_name}\n")
    return buffer.getvalue().encode()


def overlay_frame(curves: list[Curve]) -> pd.DataFrame:
    """The overlaid histories at the milestones of the longest one: a row per step, a column per
    run (empty where a run had stopped before that step)."""
    longest = max((len(c.values) for c in curves), default=0)
    steps = milestones(longest)
    columns = {
        c.name: [float(c.values[i]) if i < len(c.values) else None for i in steps] for c in curves
    }
    return pd.DataFrame({"step": steps, **columns})


def _style(run_id: int) -> tuple[int, str, str]:
    """Curve's (start, color, dash) for run `run_id`."""
    return (0, *run_style(run_id))


def show_runs(
    records: list[RunRecord],
    prefix: str,
    value_name: str = "loss",
    log_y: bool = True,
    hlines: list[tuple[float, str]] | None = None,
) -> None:
    """The table, a multiselect of runs to overlay, their curves, a CSV download and a clear button."""
    if not records:
        st.info("Finished and stopped runs appear here, so you can compare them side by side.")
        return
    # float metrics to four significant digits, as the live metrics print them (the table's
    # default fixed decimals showed a gap of 7e-07 as 0 beside a metric reading 7.036e-07)
    floats = {k for r in records for k, v in r.metrics.items() if isinstance(v, float)}
    formats = {k: st.column_config.NumberColumn(format="%.4g") for k in floats}
    st.dataframe(
        runs_frame(records), hide_index=True, key=f"{prefix}runs_table", column_config=formats
    )
    names = {f"#{r.run_id} {r.label}": r for r in records}
    key, seen_key = f"{prefix}compare", f"{prefix}compare_seen"
    seen = st.session_state.get(seen_key, set())
    fresh = [name for name in names if name not in seen]
    if fresh:  # a new run joins the overlay; runs the user removed stay removed
        kept = [name for name in st.session_state.get(key, []) if name in names]
        st.session_state[key] = (kept + fresh)[-4:]
        st.session_state[seen_key] = seen | set(fresh)
    chosen = st.multiselect("Overlay these runs", list(names), key=key)
    if chosen:
        # each run wears its own number's colour and dash (run_style), in this overlay and in
        # the live chart it was trained in, whichever runs are chosen beside it
        curves = [Curve(name, names[name].history, *_style(names[name].run_id)) for name in chosen]
        show_figure(
            history_figure(
                curves,
                title=f"{value_name.capitalize()} of the chosen runs",
                y_title=value_name,
                log_y=log_y,
                hlines=hlines or [],
            ),
            key=f"{prefix}compare_chart",
            alt=f"{value_name.capitalize()} per step of {len(chosen)} runs: "
            + "; ".join(chosen)
            + ". The table below lists each at milestones.",
        )
        chart_table(f"{value_name.capitalize()} of the chosen runs", overlay_frame(curves))
    left, right = st.columns([1, 1])
    shown = list(records)  # the runs listed now, whatever the table holds when the click comes
    left.download_button(
        "Download histories (CSV)",
        # built when clicked, not on every rerun: ten runs of 2,000 steps took a tenth of each
        # run of the sin fit page, the Train click's included
        lambda: histories_csv(shown, value_name),
        file_name="runs.csv",
        mime="text/csv",
        key=f"{prefix}csv",
        icon="⬇️",
    )
    if right.button("Clear the table", key=f"{prefix}clear_runs"):
        records.clear()
        st.rerun()
