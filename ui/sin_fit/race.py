"""The sin(x) fit page's optimizer race: four optimizers on the same fit, overlaid live."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pandas as pd
import streamlit as st

from core.optimizers import OPTIMIZER_LABELS
from core.sin_fit import RACE_NOTES, OptimizerRace, SineFitConfig
from ui.accessibility import chart_table, milestones
from ui.classroom import end_training_turn, exclusive_chunk, live_tick, training_turn
from ui.live_chart import PALETTE, Curve, history_figure, show_figure
from ui.sin_fit.live import BUDGET_SECONDS, TICK_SECONDS
from ui.sin_fit.opened import opened_by_link

RACE_TITLE = "Optimizer race: loss per step"
# each racer keeps one look wherever it is drawn (the dash is the second cue after colour)
RACE_STYLE = {
    "sgd": (PALETTE[0], "solid"),
    "adam": (PALETTE[1], "dot"),
    "adagrad": (PALETTE[2], "dashdot"),
    "rmsprop": (PALETTE[3], "longdash"),
}


def race_section(config: SineFitConfig, stop_main_run: Callable[[], None]) -> None:
    """The race's expander: what it shows, a start button, and the live race itself."""
    state = st.session_state
    state.setdefault("fit_race", None)
    state.setdefault("fit_race_running", False)
    from_link = opened_by_link("race", "fit_race_open")
    with st.expander(
        "🏁 Optimizer race: SGD, Adam, Adagrad and RMSprop on the same fit",
        key="fit_race_open",
        on_change="rerun",
    ) as box:
        if box.open is False and not state.fit_race_running:
            return  # closed: nothing to build
        st.markdown(
            "The four optimizers of `torch.optim` the notes name, each on the same points, the "
            "same loss and the same starting weights (`nn.Sequential`, this page's seed), each "
            "at a learning rate that suits it. The chart's loss axis is logarithmic."
        )
        start = st.button("🏁 Start the race", key="fit_race_start", type="primary")
        if start or (from_link and state.fit_race is None):
            stop_main_run()
            state.fit_race = OptimizerRace(config)
            state.fit_race_running = True
        # declared on every run, so its tick follows whether the race runs (see live_tick)
        st.fragment(race_panel, run_every=live_tick(state.fit_race_running, TICK_SECONDS))()


def race_panel() -> None:
    """The race's live part: a chunk of racing when it is this student's turn, then the chart,
    the table and how the four differ."""
    state = st.session_state
    race: OptimizerRace | None = state.fit_race
    if race is None:
        st.info(
            "Press Start the race: the four runs train side by side and their curves appear here."
        )
        return
    if state.fit_race_running and training_turn():
        exclusive_chunk(lambda: race.run_for(BUDGET_SECONDS))
        if race.finished:
            state.fit_race_running = False
            end_training_turn()
            st.rerun()
    histories, table = race_snapshot(race)
    done = int(table["steps"].min())
    if state.fit_race_running:
        st.caption(f"Racing: step {done:,} of {race.steps:,} for each of the four.")
    else:
        st.caption(f"The race is over: each optimizer ran {done:,} steps.")
    show_figure(
        history_figure(
            [
                Curve(label, history, color=RACE_STYLE[name][0], dash=RACE_STYLE[name][1])
                for (name, label), history in histories.items()
            ],
            title=RACE_TITLE,
            log_y=True,
        ),
        key="fit_race_chart",
        alt="The loss per step of SGD, Adam, Adagrad and RMSprop on the same fit, on a log "
        "axis. The tables below list each one's loss now and at milestones.",
    )
    st.dataframe(table, hide_index=True, key="fit_race_table")
    if not state.fit_race_running:
        longest = max(len(h) for h in histories.values())
        steps = milestones(longest)
        chart_table(
            "The race",
            pd.DataFrame(
                {
                    "step": steps,
                    **{
                        label: [float(h[i]) if i < len(h) else None for i in steps]
                        for (_, label), h in histories.items()
                    },
                }
            ),
        )
    st.markdown(
        "\n".join(f"- **{OPTIMIZER_LABELS[name]}**: {note}" for name, note in RACE_NOTES.items())
    )


def race_snapshot(race: OptimizerRace) -> tuple[dict, pd.DataFrame]:
    """Every racer's history and its row of the table, read at one moment (under the lock)."""
    lock = st.session_state.setdefault("_training_lock", threading.Lock())
    got = lock.acquire(timeout=5)
    try:
        histories, rows = {}, []
        for name, trainer in race.trainers.items():
            label = f"{OPTIMIZER_LABELS[name]} (lr {trainer.config.lr:g})"
            histories[(name, label)] = list(trainer.loss_history)
            rows.append(
                {
                    "optimizer": OPTIMIZER_LABELS[name],
                    "learning rate": trainer.config.lr,
                    "steps": trainer.step,
                    "loss now": trainer.loss,
                    "status": "diverged"
                    if trainer.divergence
                    else ("finished" if trainer.finished else "racing"),
                }
            )
    finally:
        if got:
            lock.release()
    return histories, pd.DataFrame(rows)
