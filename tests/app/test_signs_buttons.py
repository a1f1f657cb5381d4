"""SIGNS's Train / Stop / Resume / Reset are never disabled (a button that turns disabled under
the keyboard's focus drops the focus to the page): with nothing to do, Resume and Reset say so in
a sentence; otherwise they do what they always did."""

from __future__ import annotations

import pytest

from ui.signs import training

NO_RESUME = "Nothing to resume yet: press **Train** first."
NO_RESET = "Nothing to reset yet: press **Train** first."
TRAINING = "Nothing to resume: the run is training."


def infos(at) -> list[str]:
    return [info.value for info in at.info]


@pytest.fixture
def train_tab(signs_page, monkeypatch):
    """The Train tab with the MLP; each training tick runs one batch, so a run started here is
    still training when the next click comes (a tick of 0.7 s could finish it)."""
    monkeypatch.setattr(training, "TICK_SECONDS", 0.0)
    at = signs_page
    at.selectbox(key="signs_model").set_value("mlp").run()
    at.slider(key="signs_epochs").set_value(20).run()  # long enough to be still training
    for key in ("signs_train", "signs_stop", "signs_resume", "signs_reset"):
        assert not at.button(key=key).disabled, key
    return at


def test_resume_and_reset_with_no_run_say_so(train_tab):
    at = train_tab
    at.button(key="signs_resume").click().run()
    assert not at.exception and NO_RESUME in infos(at)
    assert at.session_state["signs_trainer"] is None and not at.session_state["signs_running"]
    at.button(key="signs_reset").click().run()
    assert NO_RESET in infos(at) and NO_RESUME not in infos(at)
    assert not at.button(key="signs_reset").disabled
    at.button(key="signs_train").click().run()  # a run starts: the sentence no longer holds
    assert not at.exception and at.session_state["signs_running"]
    assert NO_RESET not in infos(at)


def test_resume_while_training_says_so_and_reset_still_resets(train_tab):
    at = train_tab
    at.button(key="signs_train").click().run()
    trainer = at.session_state["signs_trainer"]
    at.button(key="signs_resume").click().run()
    assert TRAINING in infos(at)
    assert at.session_state["signs_trainer"] is trainer and at.session_state["signs_running"]
    at.button(key="signs_stop").click().run()
    assert not at.session_state["signs_running"] and TRAINING not in infos(at)
    at.button(key="signs_reset").click().run()
    assert not at.exception
    assert at.session_state["signs_trainer"] is None and not at.session_state["signs_running"]
    assert "Press **Train** to start with the settings of tab 2." in infos(at)


def test_resume_continues_a_stopped_run_and_extends_a_finished_one(train_tab):
    at = train_tab
    at.button(key="signs_train").click().run()
    at.button(key="signs_stop").click().run()
    trainer = at.session_state["signs_trainer"]
    done = trainer.batches_done
    at.button(key="signs_resume").click().run()
    assert not at.exception and at.session_state["signs_running"]
    assert at.session_state["signs_trainer"] is trainer and trainer.batches_done >= done
    assert not any(info.startswith("Nothing") for info in infos(at))
    trainer.run(10_000)  # run_every never fires under AppTest: finish the run here
    at.run()
    assert not at.session_state["signs_running"] and trainer.done
    epochs = trainer.config.epochs
    at.button(key="signs_resume").click().run()  # a finished run trains for Epochs more
    assert at.session_state["signs_running"] and trainer.config.epochs == epochs + 20
