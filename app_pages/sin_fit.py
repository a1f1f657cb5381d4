"""sin(x) fit: the seed's polynomial fit, every variant, trained live with the exact optimum."""

import streamlit as st

from core.sin_fit import PRESETS, SineFitError, SineFitTrainer, export_script, optimum_loss
from ui.classroom import end_training_turn, exclusive_chunk, live_tick, share_box, training_turn
from ui.run_table import show_runs, upsert_run
from ui.sin_fit.anatomy import anatomy
from ui.sin_fit.controls import (
    SHARED_KEYS,
    config_notes,
    load_preset,
    loss_choice,
    settings_sidebar,
)
from ui.sin_fit.live import TICK_SECONDS, charts, progress_and_metrics, run_chunk, snapshot
from ui.sin_fit.opened import opened_by_link
from ui.sin_fit.race import race_section
from ui.sin_fit.runs import run_record

st.title("📈 sin(x) fit")
st.markdown(
    "Fit a polynomial to **sin(x)** on 2000 points the three ways the seed notes do it — "
    "**1** raw tensors with autograd, **2** `nn.Sequential` with `torch.optim`, **3** "
    "`nn.Sequential` with a hand-written update — or as a subclass of `nn.Module`, in NumPy by "
    "hand, or with a custom `autograd.Function`. Watch the loss fall towards the exact optimum."
)
st.selectbox(
    "Start from a preset",
    ["—", *PRESETS],
    key="fit_preset",
    on_change=load_preset,
    help="Loads the settings of one of the seed's listings or a classic mistake. Then press Train.",
)

try:
    config = settings_sidebar()
except SineFitError as error:
    st.error(str(error))
    st.stop()

loss_choice()
state = st.session_state
state.setdefault("fit_runs", [])
state.setdefault("fit_training", False)
state.setdefault("fit_rate", None)
state.setdefault("fit_run_id", None)
state.setdefault("fit_runs_made", 0)


def record(status: str) -> None:
    """Put the current run into the comparison table (a resumed run updates its row)."""
    trainer = state.fit_trainer
    if trainer is not None and trainer.step > 0:
        if state.fit_run_id is None:  # numbered when first recorded, so the table counts 1, 2, 3
            state.fit_runs_made += 1
            state.fit_run_id = state.fit_runs_made
        upsert_run(state.fit_runs, run_record(trainer, state.fit_run_id, state.fit_optimum, status))


def new_trainer() -> None:
    state.fit_run_id = None
    state.fit_trainer = SineFitTrainer(config)
    state.fit_optimum = optimum_loss(config)
    state.fit_phase_report = None
    state.fit_rate = None


if state.get("fit_trainer") is None:
    new_trainer()
elif state.fit_trainer.config != config:
    if state.fit_training:
        state.fit_training = False
        record("stopped")
        st.info("The settings changed, so the run stopped and a fresh one is ready.")
    new_trainer()


def train_chunk() -> bool:
    """One chunk of the run when it is this student's turn in the queue; True while queued.
    A run that finishes is recorded and hands its turn on."""
    trainer = state.fit_trainer
    if not training_turn():  # training takes turns for a fair share of the server
        return True
    progress = exclusive_chunk(lambda: run_chunk(trainer))
    if progress is not None:
        state.fit_rate = progress.steps_run / max(progress.seconds, 1e-9)
    if trainer.finished:
        state.fit_training = False
        end_training_turn()
        record("diverged" if trainer.divergence else "finished")
    return False


# Train and Stop are never disabled: a disabled button drops the keyboard focus to the page, so
# a keyboard user who pressed one would have to find the other from the top again.
train, stop, reset, step_once = st.columns(4)
if train.button("▶ Train", key="fit_train", type="primary", width="stretch") and not (
    state.fit_training
):
    if state.fit_trainer.finished:
        new_trainer()
    state.fit_training = True
    # The first chunk trains in the click's own run, before the live panel is declared: a short
    # fit is done by then, and the page shows it finished in this one run, with no ticking.
    state._fit_queued_at_click = train_chunk()
    state._fit_chunk_at_click = True
if stop.button("⏹ Stop", key="fit_stop", width="stretch") and state.fit_training:
    state.fit_training = False
    end_training_turn()
    record("stopped")
if reset.button("↺ Reset", key="fit_reset", width="stretch"):
    state.fit_training = False
    end_training_turn()
    new_trainer()
if step_once.button("Step once", key="fit_step", width="stretch"):
    if state.fit_training:  # never disabled either: it says why it does nothing now
        st.info("The run is training: press **Stop** first, then step through it one at a time.")
    else:
        if state.fit_trainer.finished:
            new_trainer()
        state.fit_trainer.run(1)

config_notes(config)
view_left, view_right = st.columns(2)
log_y = view_left.toggle("Log-scale loss", value=True, key="fit_log_y")
smoothing = view_right.slider(
    "Smoothing (de-biased moving average)",
    0.0,
    0.99,
    0.0,
    step=0.01,
    key="fit_smoothing",
    help="Averages the loss over recent steps; the raw values stay faint behind the curve.",
)


def this_run_id() -> int:
    """The number the current run has in the table, or will get when it is first recorded."""
    return state.fit_run_id or state.fit_runs_made + 1


@st.fragment(run_every=live_tick(state.fit_training, TICK_SECONDS))
def live_panel() -> None:
    trainer = state.fit_trainer
    queued = False
    if state.pop("_fit_chunk_at_click", False):  # this run's chunk was trained by the click
        queued = state.pop("_fit_queued_at_click", False) and state.fit_training
    elif state.fit_training:
        queued = train_chunk()
        if not state.fit_training:  # finished on a tick: the page around still shows it training
            st.rerun()
    snap = snapshot(trainer)  # every number below belongs to this one moment
    progress_and_metrics(snap, state.fit_optimum, state.fit_rate)
    if not queued:  # nothing moves while waiting in the queue: spare the server the charts
        tables = not state.fit_training
        charts(snap, state.fit_optimum, log_y, smoothing, this_run_id(), tables=tables)


live_panel()


def stop_main_run() -> None:
    if state.fit_training:
        state.fit_training = False
        end_training_turn()
        record("stopped")


race_section(config, stop_main_run)

opened_by_link("anatomy", "fit_anatomy_open")
with st.expander(
    "🔬 Training-loop anatomy: one phase at a time", key="fit_anatomy_open", on_change="rerun"
) as anatomy_box:
    st.markdown(
        "A training step is five moves: **forward**, **loss**, **zero_grad**, **backward**, "
        "**step**. Click through them and watch each parameter's value and `.grad`."
    )
    st.toggle(
        "Forget zero_grad",
        key="fit_forget",
        disabled=config.variant == "numpy",
        help="Skips clearing the gradients: each backward() adds to the old ones, so the steps "
        "grow and the fit swings. Changing this starts a fresh run.",
    )
    if st.button(
        "Next phase ▶", key="fit_phase", disabled=state.fit_training or state.fit_trainer.finished
    ):
        state.fit_phase_report = state.fit_trainer.next_phase()
    if state.fit_training:  # its numbers would be stale beside the live panel's
        st.info("A run is training: stop it to step through the loop one phase at a time.")
    elif anatomy_box.open is not False:  # its tables only when open: a Train click runs faster
        anatomy(state.fit_trainer, state.fit_phase_report)

st.subheader("Compare runs")
show_runs(state.fit_runs, prefix="fit_", log_y=log_y)

opened_by_link("code", "fit_code_open")
with st.expander(
    "🐍 Show the code (a runnable script for these settings)",
    key="fit_code_open",
    on_change="rerun",
) as code_box:
    script = export_script(config)
    st.download_button(
        "Download sin_fit.py",
        script,
        file_name="sin_fit.py",
        mime="text/x-python",
        key="fit_export",
        icon="⬇️",
    )
    if code_box.open is not False:  # the listing only when open: a Train click runs faster
        st.code(script, language="python", wrap_lines=True)  # no scroll box

share_box(SHARED_KEYS)
