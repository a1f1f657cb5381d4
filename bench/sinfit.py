"""sin(x) fit: the page as a lone student uses it, and our trainer as the page drives it, against
the seed's plain loops.

For each of the seed's three listings (2000 steps, 2000 points):
  in-app   a real `streamlit run` server with one student (bench/_in_app.py): the sin(x) fit page,
           the listing's preset, Train pressed; the clock runs from the click until the page shows
           "step 2,000 of 2,000" with Train enabled again: what the student waits for;
  chunked  SineFitTrainer advanced in the page's chunks (ui.sin_fit.live.run_chunk: BUDGET_SECONDS,
           and the rest of a nearly finished run) in this process, the full history
           kept, and after every chunk the page's three plotly figures built and serialised the
           way st.plotly_chart does (the page's work without the server and its ticks);
  plain    the seed's loop as printed (minus the print; listing 1 with its typo fixed, as our
           preset runs it);
timed alternately in one run. `ratio` = plain steps/s ÷ in-app steps/s, the lowest of the three
(goal ≥ 0.9); `chunked_ratio` the same for the chunked trainer (the figure this benchmark used to
report as its ratio).
"""

from __future__ import annotations

import math
import os
import statistics
import time

import plotly.io as pio
import plotly.tools
import torch

from bench._in_app import LoneStudent
from bench.report import emit
from core.sin_fit import SineFitConfig, SineFitTrainer, optimum_loss
from ui.sin_fit.live import BUDGET_SECONDS, build_figures, run_chunk

STEPS = 2000
REPEATS = 9  # alternated pairs per listing; the median of 9 steadies a noisy 2-core box
IN_APP_REPEATS = 5  # in-app runs per listing, each beside a plain one


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
PRESET_NAMES = {  # the page's preset for each listing (the same config: checked in in_app_times)
    "listing1_autograd": "Seed listing 1 · raw tensors + autograd",
    "listing3_nn": "Seed listing 3 · nn.Sequential + manual update",
    "listing2_rmsprop": "Seed listing 2 · nn + torch.optim RMSprop",
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
        run_chunk(trainer)
        send_figures(trainer, optimum)
        redraws += 1
    assert trainer.step == STEPS and len(trainer.loss_history) == STEPS
    return trainer.loss, redraws


def in_app_times(student: LoneStudent, name: str, plain) -> tuple[list[float], list[float]]:
    """The listing's preset on the page, Train pressed IN_APP_REPEATS times, each run beside a
    plain loop: (in-app seconds from click to "step 2,000 of 2,000", plain seconds)."""
    from core.sin_fit import PRESETS

    assert PRESETS[PRESET_NAMES[name]] == CASES[name][0], "the preset is not the listing"
    student.do(lambda c: c.set("fit_preset", PRESET_NAMES[name]))
    in_app, plain_times = [], []
    for _ in range(IN_APP_REPEATS):
        in_app.append(train_on_page(student))
        plain_times.append(timed(plain)[0])
    return in_app, plain_times


def train_on_page(student: LoneStudent) -> float:
    """Press Train; seconds until the page shows the last step with Train enabled again."""
    client, done_text = student.client, f"step {STEPS:,} of {STEPS:,}"

    def finished() -> bool:
        widget = client.widgets.get("fit_train")
        return (
            widget is not None
            and not widget.proto.disabled
            and not client.auto_rerunning
            and any(t.startswith(done_text) for t in client.texts("progress"))
        )

    return student.click_and_watch("fit_train", lambda: None, finished, timeout=300).finished_s


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
    with LoneStudent("sin-fit") as student:
        train_on_page(student)  # warm: the page's first run of a fit (imports, first figures)
        for name, (_config, plain) in CASES.items():
            in_app, plain_times = in_app_times(student, name, plain)
            in_app_s, plain_s = statistics.median(in_app), statistics.median(plain_times)
            record = results[name]
            record.update(
                in_app_s=round(in_app_s, 3),
                in_app_plain_s=round(plain_s, 4),
                in_app_steps_per_s=round(STEPS / in_app_s, 1),
                in_app_ratio=round(plain_s / in_app_s, 3),
            )
            emit({"case": name, "in_app_s": in_app, "plain_s": plain_times})
    emit(
        {
            "benchmark": "sinfit",
            "ratio": min(r["in_app_ratio"] for r in results.values()),
            "chunked_ratio": min(r["ratio"] for r in results.values()),
            **{f"{name}_in_app_s": r["in_app_s"] for name, r in results.items()},
            **{f"{name}_in_app_ratio": r["in_app_ratio"] for name, r in results.items()},
            "goal": 0.9,
            "threads": torch.get_num_threads(),
            "load_average": os.getloadavg()[0],
            "budget_s": BUDGET_SECONDS,
            "repeats": REPEATS,
            **{f"{name}_chunked_ratio": r["ratio"] for name, r in results.items()},
            **{f"{name}_ours_steps_per_s": r["ours_steps_per_s"] for name, r in results.items()},
        }
    )


if __name__ == "__main__":
    main()
