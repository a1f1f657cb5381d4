"""sin(x) fit: our trainer, driven exactly as the page drives it, against the seed's plain loops.

For each of the seed's three listings (2000 steps, 2000 points) we time, in the same process and
alternating the order, (a) the seed's loop as printed (minus the print; listing 1 with its typo
fixed, as our preset runs it) and (b) SineFitTrainer advanced in BUDGET_SECONDS chunks, the full
history kept, and after every chunk the page's three plotly figures built and serialised the way
st.plotly_chart does. `ratio` = our steps/s ÷ plain steps/s, the lowest of the three. Goal ≥ 0.9.
"""

from __future__ import annotations

import math
import statistics
import time

import plotly.io as pio
import plotly.tools
import torch

from bench.report import emit
from core.sin_fit import SineFitConfig, SineFitTrainer, optimum_loss
from ui.sin_fit.live import BUDGET_SECONDS, build_figures

STEPS = 2000
REPEATS = 9  # alternated pairs per listing; the median of 9 steadies a noisy 2-core box


def plain_listing1() -> float:
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    a = torch.randn((), requires_grad=True)
    b = torch.randn((), requires_grad=True)
    c = torch.randn((), requires_grad=True)
    d = torch.randn((), requires_grad=True)
    learning_rate = 1e-6
    for t in range(STEPS):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            loss.item()
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return loss.item()


def plain_listing3() -> float:
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    loss_fn = torch.nn.MSELoss(reduction="sum")
    learning_rate = 1e-6
    for t in range(STEPS):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        if t % 100 == 99:
            loss.item()
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    return loss.item()


def plain_listing2() -> float:
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    loss_fn = torch.nn.MSELoss(reduction="sum")
    learning_rate = 1e-3
    optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
    for t in range(STEPS):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        if t % 100 == 99:
            loss.item()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


CASES = {
    "listing1_autograd": (SineFitConfig(variant="autograd", lr=1e-6, steps=STEPS), plain_listing1),
    "listing3_nn": (SineFitConfig(variant="nn", lr=1e-6, steps=STEPS), plain_listing3),
    "listing2_rmsprop": (
        SineFitConfig(variant="optim", optimizer="rmsprop", lr=1e-3, steps=STEPS),
        plain_listing2,
    ),
}


def send_figures(trainer: SineFitTrainer, optimum) -> None:
    """What one redraw of the page costs on the server: build the figures, then what
    st.plotly_chart does with each (to_dict, then JSON)."""
    for figure in build_figures(trainer, optimum, log_y=True, smoothing=0.0).values():
        pio.to_json(plotly.tools.return_figure_from_figure_or_data(figure, True), validate=False)


def ours(config: SineFitConfig) -> tuple[float, int]:
    """Train as the page does after Train is pressed (a fresh trainer, then chunks, each followed
    by a redraw); return the final loss and the number of redraws."""
    trainer = SineFitTrainer(config)
    optimum = optimum_loss(config)
    redraws = 0
    while not trainer.finished:
        trainer.run_for(BUDGET_SECONDS)
        send_figures(trainer, optimum)
        redraws += 1
    assert trainer.step == STEPS and len(trainer.loss_history) == STEPS
    return trainer.loss, redraws


def timed(fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def main() -> None:
    torch.manual_seed(0)
    send_figures(
        SineFitTrainer(SineFitConfig(steps=2)), optimum_loss(SineFitConfig())
    )  # warm imports
    for _config, plain in CASES.values():  # warm torch's kernels once
        plain()
    results = {}
    for name, (config, plain) in CASES.items():
        plain_times, our_times, redraws = [], [], 0
        for repeat in range(REPEATS):
            order = ("plain", "ours") if repeat % 2 == 0 else ("ours", "plain")
            for who in order:
                if who == "plain":
                    seconds, _ = timed(plain)
                    plain_times.append(seconds)
                else:
                    seconds, (_loss, redraws) = timed(ours, config)
                    our_times.append(seconds)
        plain_s, our_s = statistics.median(plain_times), statistics.median(our_times)
        record = {
            "case": name,
            "steps": STEPS,
            "plain_s": round(plain_s, 4),
            "ours_s": round(our_s, 4),
            "plain_steps_per_s": round(STEPS / plain_s, 1),
            "ours_steps_per_s": round(STEPS / our_s, 1),
            "redraws": redraws,
            "ratio": round(plain_s / our_s, 3),
        }
        results[name] = record
        emit(record)
    emit(
        {
            "benchmark": "sinfit",
            "ratio": min(r["ratio"] for r in results.values()),
            "goal": 0.9,
            "budget_s": BUDGET_SECONDS,
            "repeats": REPEATS,
            **{f"{name}_ratio": r["ratio"] for name, r in results.items()},
            **{f"{name}_ours_steps_per_s": r["ours_steps_per_s"] for name, r in results.items()},
        }
    )


if __name__ == "__main__":
    main()
