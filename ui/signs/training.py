"""The SIGNS page's training tab: Train / Stop / Resume / Reset, live progress, speed table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.signs import MODEL_INFO, ClassifierError, ClassifierTrainer
from ui.classroom import (
    cores_sentence,
    end_training_turn,
    exclusive_chunk,
    live_tick,
    training_turn,
)
from ui.signs.charts import training_curves

TICK_SECONDS = 0.7  # training time per chart redraw; Stop answers within one tick
PIPELINES = {  # ClassifierTrainer(pipeline=...) -> its name on the page
    "loader": "Dataset + DataLoader + v2 transforms (as in the notes)",
    "tensors": "Preloaded tensors, one augmentation per batch",
}


def progress_line(trainer) -> str:
    """ "epoch 3 of 12 · batch 80 of 324 · 235 images/s · about 20 s left" """
    parts = [
        f"epoch {min(trainer.epoch + 1, trainer.config.epochs)} of {trainer.config.epochs}",
        f"batch {trainer.batches_done} of {trainer.total_batches}",
    ]
    if trainer.images_per_second:
        parts.append(f"{trainer.images_per_second:,.0f} images/s")
    left = trainer.seconds_left
    if left is not None and not trainer.done:
        parts.append(f"about {left:.0f} s left" if left < 90 else f"about {left / 60:.0f} min left")
    return " · ".join(parts)


def throughput_table(runs: list[dict]) -> None:
    """Images per second measured on each device so far in this session."""
    if not runs:
        return
    st.caption("Training speed measured in this session (forward + backward + optimizer step):")
    st.dataframe(pd.DataFrame(runs).drop(columns=["run"], errors="ignore"), hide_index=True)


def record_speed(runs: list[dict], trainer) -> None:
    """Add (or update) this run's measured images/s in the session's speed table."""
    row = {
        "device": trainer.config.device,
        "model": MODEL_INFO[trainer.config.model][0],
        "batch size": trainer.config.batch_size,
        "input": trainer.pipeline,
        "images/s": round(trainer.images_per_second, 1),
        "images": trainer.images_seen,
    }
    if trainer.config.device == "cpu" and "_cores" in st.session_state:
        row["cores"] = st.session_state["_cores"][0]  # its share when it last trained
    runs[:] = [r for r in runs if r.get("run") != id(trainer)] + [{**row, "run": id(trainer)}]
    if len(runs) > 12:
        del runs[0]


def start(config, data, data_key: str, resume: bool, pipeline: str = "loader") -> None:
    """Start a new run (or resume this one); a ValueError becomes the tab's error sentence."""
    state = st.session_state
    state["signs_error"] = ""
    try:
        if not resume:
            state["signs_trainer"] = ClassifierTrainer(config, data, pipeline=pipeline)
            state["signs_trainer_data"] = data_key
        elif state["signs_trainer"].done:
            state["signs_trainer"].extend(config.epochs)
        state["signs_running"] = True
    except ValueError as error:
        state["signs_error"] = str(error)


def finish(trainer: ClassifierTrainer) -> None:
    """Stop the run, hand the training turn on and note its speed."""
    st.session_state["signs_running"] = False
    end_training_turn()  # the next student in the queue starts at once
    trainer.free_copies()  # its pieces' model copies, until it trains again
    if trainer.images_seen:
        record_speed(st.session_state["signs_runs"], trainer)


def training_panel(config, data, data_key: str, pipeline: str = "loader") -> None:
    """The buttons, one tick of training when it is this session's turn, progress and curves."""
    state = st.session_state
    trainer, running = state["signs_trainer"], state["signs_running"]
    c1, c2, c3, c4 = st.columns(4)
    # No button here ever turns disabled: one that does under the keyboard's focus drops the focus
    # to the page (WCAG 2.4.3). A click with nothing to do does nothing (Train, Stop) or says why
    # in a sentence under the row (Resume, Reset), shown while it holds (no run, or training).
    situation = (trainer is None, running)
    if (
        c1.button("Train", key="signs_train", type="primary", use_container_width=True)
        and not running
    ):
        state["signs_note"] = None
        start(config, data, data_key, resume=False, pipeline=pipeline)
        st.rerun()
    if c2.button("Stop", key="signs_stop", use_container_width=True) and running:
        finish(trainer)
        st.rerun()
    if c3.button(
        "Resume",
        key="signs_resume",
        use_container_width=True,
        help="Continue this run; once it has finished, train for the Epochs setting more.",
    ):
        if trainer is None:
            state["signs_note"] = ("Nothing to resume yet: press **Train** first.", situation)
        elif running:
            state["signs_note"] = ("Nothing to resume: the run is training.", situation)
        else:
            state["signs_note"] = None
            start(config, data, data_key, resume=True)
            st.rerun()
    if c4.button("Reset", key="signs_reset", use_container_width=True):
        if trainer is None:
            state["signs_note"] = ("Nothing to reset yet: press **Train** first.", situation)
        else:
            state.update(signs_trainer=None, signs_running=False, signs_error="", signs_note=None)
            end_training_turn()
            st.rerun()
    note = state.get("signs_note")
    holds = bool(note) and note[1] == situation  # not once a model is loaded or a run started
    if holds:
        st.info(note[0])
    if state["signs_error"]:
        st.error(state["signs_error"])
    if trainer is None:
        if not holds:
            st.info("Press **Train** to start with the settings of tab 2.")
        return
    queued = (
        running and not training_turn()
    )  # the server's fair queue: wait here while others train
    if running and not queued:
        try:
            exclusive_chunk(lambda: trainer.run_for(TICK_SECONDS), wants=trainer.cores_wanted)
        except ClassifierError as error:
            state["signs_error"] = str(error)
            finish(trainer)
            st.rerun()
        if trainer.done:
            finish(trainer)
            st.rerun()
    st.progress(trainer.progress, text=progress_line(trainer))
    if running and not queued and trainer.config.device == "cpu":
        st.caption(cores_sentence())
    if not queued:  # nothing moves while waiting in the queue: spare the server the charts
        training_curves(trainer, key=f"signs_curves_{trainer.batches_done}_{running}")
        throughput_table(state["signs_runs"])


def training_tab(config, data, data_key: str) -> None:
    """Warnings when settings or data changed since the run started, then the live panel."""
    state = st.session_state
    trainer = state["signs_trainer"]
    pipeline = st.radio(
        "Input pipeline",
        list(PIPELINES),
        format_func=PIPELINES.get,
        key="signs_pipeline",
        horizontal=True,
        help="How the trainer reads its batches. The DataLoader applies the v2 transforms to one "
        "picture at a time, as the course's script does; the tensor way augments a whole batch "
        "at once, which is faster with rotation or colour jitter (tab 1 times both). Both repeat "
        "bit for bit with the same seed.",
    )
    if trainer is not None and not state["signs_running"]:
        if getattr(trainer, "pipeline", "loader") != pipeline:
            st.warning(
                "The input pipeline changed since this run started: press Train to start over "
                "with it."
            )
        if trainer.config != config:
            st.warning(
                "The settings changed since this run started: press Train to start over with them "
                "(Resume keeps the run's own settings)."
            )
        if state.get("signs_trainer_data") != data_key:
            st.warning(
                "The data changed since this run started: press Train to train on the new data."
            )
    st.fragment(run_every=live_tick(state["signs_running"], TICK_SECONDS))(training_panel)(
        config, data, data_key, pipeline
    )
