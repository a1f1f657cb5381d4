"""The optimizer race: SGD, Adam, Adagrad and RMSprop on the same fit, each at a learning rate
that suits it, advanced together so their loss curves can be overlaid step for step.

Each runner is an ordinary SineFitTrainer of the "optim" variant (nn.Sequential + torch.optim,
built by core.optimizers), so the race is as deterministic as one run: the same settings and seed
give the same four curves however the race is cut into chunks.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

from core.sin_fit.config import SineFitConfig
from core.sin_fit.optimum import stable_lr
from core.sin_fit.trainer import SineFitTrainer

RACERS = ("sgd", "adam", "adagrad", "rmsprop")
# Adaptive optimizers move each coefficient by about lr per step whatever the gradient's size,
# so one rate suits both reductions; these reach near the optimum of the seed's cubic in 2000 steps.
ADAPTIVE_LR = {"adam": 1e-2, "adagrad": 3e-1, "rmsprop": 1e-3}  # RMSprop: the seed's
SGD_SHARE = 0.5  # plain SGD runs at half its largest stable rate (the seed's 1e-6 is about 0.3)
CHUNK_STEPS = 50  # runners take turns in chunks this long, so they stay level

RACE_NOTES = {
    "sgd": "SGD moves every coefficient by lr × its gradient. One rate for all: the steep "
    "direction (the x³ coefficient) caps it, so the flat directions crawl.",
    "adam": "Adam keeps a running mean of each gradient (momentum) and of its square, and steps "
    "by their ratio: every coefficient gets its own step of about lr, whatever its scale.",
    "adagrad": "Adagrad divides each gradient by the root of the sum of all its past squares: "
    "big early steps that keep shrinking, so it slows down as it goes.",
    "rmsprop": "RMSprop divides by a decaying average of the squares (alpha 0.99) instead of "
    "their whole sum, so its steps do not fade away; it is the seed's listing 2.",
}


def race_lr(base: SineFitConfig, name: str) -> float:
    """The learning rate `name` races at on `base`'s data and loss."""
    if name in ADAPTIVE_LR:
        return ADAPTIVE_LR[name]
    bound = stable_lr(replace(base, variant="nn", loss="mse", forget_zero_grad=False))
    return float(f"{SGD_SHARE * bound:.1g}")  # a round number a student can type


def race_configs(base: SineFitConfig) -> dict[str, SineFitConfig]:
    """One config per racer: `base`'s data, loss, reduction, seed and steps, the "optim" variant
    with that optimizer at its race_lr (the page's own variant and lr do not take part)."""
    base = replace(base, variant="optim", power_typo=False, forget_zero_grad=False)
    return {name: replace(base, optimizer=name, lr=race_lr(base, name)) for name in RACERS}


class OptimizerRace:
    """Four trainers on the same fit, advanced in turns so that none gets ahead."""

    def __init__(self, base: SineFitConfig) -> None:
        self.base = base
        self.configs = race_configs(base)
        self.trainers = {name: SineFitTrainer(config) for name, config in self.configs.items()}
        self.seconds = 0.0

    @property
    def step(self) -> int:
        """The step every runner has reached (the slowest one's)."""
        return min(trainer.step for trainer in self.trainers.values())

    @property
    def steps(self) -> int:
        return self.base.steps

    @property
    def finished(self) -> bool:
        return all(trainer.finished for trainer in self.trainers.values())

    def run_for(self, seconds: float) -> int:
        """Advance every unfinished runner by CHUNK_STEPS in turn until `seconds` have passed or
        all are finished; return the number of steps run in all (at least one round)."""
        started = time.perf_counter()
        ran = 0
        while not self.finished:
            for trainer in self.trainers.values():
                if not trainer.finished:  # run(n) runs n steps: stop at the race's length
                    left = trainer.config.steps - trainer.step
                    ran += trainer.run(min(CHUNK_STEPS, left)).steps_run
            if time.perf_counter() - started >= seconds:
                break
        self.seconds += time.perf_counter() - started
        return ran

    def run(self, steps: int = math.inf) -> None:
        """Advance every runner by up to `steps` steps (all the way by default)."""
        for trainer in self.trainers.values():
            trainer.run(min(steps, trainer.config.steps - trainer.step))
