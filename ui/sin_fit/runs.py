"""The sin(x) fit page's run records: a short label for a run and its row in the run table."""

from __future__ import annotations

import numpy as np

from core.sin_fit import TARGETS, Optimum, SineFitConfig, SineFitTrainer
from ui.run_table import RunRecord


def describe_config(config: SineFitConfig) -> str:
    """A short label for a run: variant, optimizer, lr and what differs from the seed."""
    parts = [config.variant + (f"/{config.optimizer}" if config.uses_optimizer else "")]
    parts.append(f"lr {config.lr:.0e}")
    if config.degree != 3:
        parts.append(f"degree {config.degree}")
    if config.target != "sin":
        parts.append(TARGETS[config.target].label)
    if config.reduction != "sum":
        parts.append("mean")
    if config.noise:
        parts.append(f"noise {config.noise:g}")
    if config.n_points != 2000:
        parts.append(f"{config.n_points} pts")
    if config.power_typo:
        parts.append("x*k typo")
    if config.forget_zero_grad:
        parts.append("no zero_grad")
    return " · ".join(parts)


def run_record(trainer: SineFitTrainer, run_id: int, optimum: Optimum, status: str) -> RunRecord:
    """A row for the run table from a trainer's current state."""
    config = trainer.config
    loss = trainer.loss
    settings = {
        "variant": config.variant,
        "optimizer": config.optimizer if config.uses_optimizer else "manual SGD",
        "lr": config.lr,
        "degree": config.degree,
        "target": TARGETS[config.target].label,
        "points": config.n_points,
        "noise": config.noise,
        "reduction": config.reduction,
        "seed": config.seed,
    }
    metrics = {
        "status": status,
        "final loss": loss,
        "gap to optimum": None if loss is None else optimum.gap(loss),
        "steps": trainer.step,
        "time (s)": round(trainer.seconds, 2),
    }
    history = np.asarray(trainer.loss_history, dtype=np.float32)
    return RunRecord(run_id, describe_config(config), settings, metrics, history)
