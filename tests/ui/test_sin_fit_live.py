"""ui.sin_fit.live.run_chunk: a chunk finishes a run that is nearly done instead of leaving its
last steps to the next tick, half a second later."""

import ui.sin_fit.live as live
from core.sin_fit import SineFitConfig, SineFitTrainer


def test_a_run_close_to_its_end_finishes_in_the_same_chunk(monkeypatch):
    config = SineFitConfig(steps=6_000)  # far longer than one chunk
    monkeypatch.setattr(live, "BUDGET_SECONDS", 0.005)
    monkeypatch.setattr(live, "FINISH_SECONDS", 0.0)  # never "close": one budget per chunk
    apart = SineFitTrainer(config)
    first = live.run_chunk(apart)
    assert not apart.finished and apart.step == first.steps_run > 0
    monkeypatch.setattr(live, "FINISH_SECONDS", 1e6)  # always close: the rest comes along
    together = SineFitTrainer(config)
    progress = live.run_chunk(together)
    assert together.finished and together.step == config.steps
    assert progress.steps_run < config.steps  # the reported speed is the budgeted part's
    while not apart.finished:  # the same run either way
        live.run_chunk(apart)
    assert apart.loss_history == together.loss_history
