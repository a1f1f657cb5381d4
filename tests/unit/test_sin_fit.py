"""core.sin_fit against plain loops written here with torch / NumPy themselves."""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
import torch

from core.sin_fit import (
    OPTIMIZERS,
    RACE_NOTES,
    VARIANTS,
    CoefficientTrace,
    LegendrePolynomial3,
    OptimizerRace,
    SineFitConfig,
    SineFitError,
    SineFitTrainer,
    export_script,
    make_data,
    optimum_loss,
    race_configs,
    stable_lr,
)

SMALL = dict(n_points=200, steps=150)
GOOD_LR = {
    "numpy": 2e-5,
    "autograd": 2e-5,
    "nn": 2e-5,
    "optim": 1e-2,
    "module": 1e-2,
    "legendre": 2e-5,
}
GOOD_OPTIMIZER_LR = {"sgd": 2e-5, "momentum": 1e-5, "adam": 1e-2, "adagrad": 1e-1, "rmsprop": 1e-2}


def small(**overrides) -> SineFitConfig:
    settings = {**SMALL, **overrides}
    settings.setdefault("lr", GOOD_LR[settings.get("variant", "autograd")])
    return SineFitConfig(**settings)


def trained(config: SineFitConfig) -> SineFitTrainer:
    trainer = SineFitTrainer(config)
    trainer.run(config.steps)
    return trainer


# -- plain loops, written the way the seed notes write them -------------------------------------


def plain_data(config):
    x = torch.linspace(*config.interval, config.n_points)
    y = torch.sin(x)
    if config.noise:
        y = y + config.noise * torch.randn(
            config.n_points, generator=torch.Generator().manual_seed(config.seed)
        )
    return x, y


def plain_autograd(config):
    x, y = plain_data(config)
    torch.manual_seed(config.seed)
    a, b, c, d = (torch.randn((), requires_grad=True) for _ in range(4))
    losses = []
    for _ in range(config.steps):
        if config.power_typo:
            y_pred = a + b * x + c * x * 2 + d * x * 3
        else:
            y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= config.lr * p.grad
            if not config.forget_zero_grad:
                for p in (a, b, c, d):
                    p.grad = None
    return losses, [a.item(), b.item(), c.item(), d.item()]


def plain_module(config):
    x, y = plain_data(config)
    xx = x.unsqueeze(-1).pow(torch.tensor([1, 2, 3]))
    torch.manual_seed(config.seed)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    loss_fn = torch.nn.MSELoss(reduction=config.reduction)
    optimizer = None
    if config.variant == "optim":
        optimizer = {
            "sgd": lambda p: torch.optim.SGD(p, lr=config.lr),
            "momentum": lambda p: torch.optim.SGD(p, lr=config.lr, momentum=config.momentum),
            "adam": lambda p: torch.optim.Adam(p, lr=config.lr, betas=(config.beta1, config.beta2)),
            "adagrad": lambda p: torch.optim.Adagrad(p, lr=config.lr),
            "rmsprop": lambda p: torch.optim.RMSprop(p, lr=config.lr),
        }[config.optimizer](model.parameters())
    losses = []
    for _ in range(config.steps):
        loss = loss_fn(model(xx), y)
        losses.append(loss.item())
        if optimizer:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        else:
            model.zero_grad()
            loss.backward()
            with torch.no_grad():
                for param in model.parameters():
                    param -= config.lr * param.grad
    layer = model[0]
    return losses, [layer.bias.item(), *layer.weight.flatten().tolist()]


def plain_legendre(config):
    x, y = plain_data(config)
    a, b, c, d = (torch.full((), v, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3))
    losses = []
    for _ in range(config.steps):
        loss = (a + b * LegendrePolynomial3.apply(c + d * x) - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= config.lr * p.grad
                p.grad = None
    return losses, [a.item(), b.item(), c.item(), d.item()]


def plain_numpy(config):
    x = np.linspace(*config.interval, config.n_points, dtype=np.float32)
    y = np.sin(x)
    w = np.random.default_rng(config.seed).standard_normal(4, dtype=np.float32)
    X = np.stack([np.ones_like(x), x, x**2, x**3], axis=1)
    losses = []
    for _ in range(config.steps):
        residual = X @ w - y
        losses.append(float((residual**2).sum()))
        w -= config.lr * (2 * X.T @ residual)
    return losses, w.tolist()


@pytest.mark.parametrize(
    "config, plain",
    [
        (small(variant="autograd"), plain_autograd),
        (small(variant="autograd", power_typo=True, noise=0.2, seed=3), plain_autograd),
        (small(variant="autograd", forget_zero_grad=True, lr=1e-7, steps=60), plain_autograd),
        (small(variant="nn"), plain_module),
        (small(variant="nn", reduction="mean", lr=5e-3), plain_module),
        *[
            (small(variant="optim", optimizer=n, lr=GOOD_OPTIMIZER_LR[n]), plain_module)
            for n in OPTIMIZERS
        ],
        (small(variant="optim", optimizer="adam", beta1=0.5, beta2=0.9, seed=7), plain_module),
        (small(variant="legendre"), plain_legendre),
        (small(variant="numpy"), plain_numpy),
    ],
    ids=lambda v: v.__name__ if callable(v) else f"{v.variant}-{v.optimizer}-{v.reduction}",
)
def test_trajectory_equals_plain_loop(config, plain):
    expected_losses, expected_coefficients = plain(config)
    trainer = trained(config)
    assert trainer.loss_history == pytest.approx(expected_losses, rel=1e-5)
    assert trainer.coefficients.tolist() == pytest.approx(expected_coefficients, rel=1e-4, abs=1e-6)
    assert len(trainer.loss_history) == trainer.step == config.steps


@pytest.mark.parametrize("variant", VARIANTS)
def test_loss_falls_for_every_variant(variant):
    trainer = trained(small(variant=variant, steps=300))
    assert trainer.divergence is None
    assert trainer.loss_history[-1] < 0.5 * trainer.loss_history[0]


def test_seed_listing_values_reach_near_the_optimum():
    config = SineFitConfig(variant="optim", optimizer="adam", lr=0.1, steps=200, n_points=500)
    trainer = trained(config)
    assert trainer.loss < 1.01 * optimum_loss(config).loss


def test_typo_listing_stalls_at_the_best_line():
    """x*2 and x*3 are multiples of x, so the typo model can only draw straight lines."""
    config = small(variant="autograd", power_typo=True, steps=3000, lr=2e-5)
    trainer = trained(config)
    line = optimum_loss(small(degree=1, steps=3000))
    assert trainer.loss == pytest.approx(line.loss, rel=1e-3)
    assert trainer.loss > 10 * optimum_loss(config).loss


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("degree", [1, 3, 5])
def test_optimum_matches_torch_lstsq(degree, reduction):
    config = SineFitConfig(degree=degree, reduction=reduction, noise=0.3, seed=1, n_points=500)
    x, y = make_data(config)
    x64 = torch.from_numpy(x).double()
    y64 = torch.from_numpy(y).double()
    design = torch.stack([x64**k for k in range(degree + 1)], dim=1)
    solution = torch.linalg.lstsq(design, y64.unsqueeze(1), driver="gelsd").solution.squeeze(1)
    sse = (design @ solution - y64).pow(2).sum().item()
    optimum = optimum_loss(config)
    assert optimum.loss == pytest.approx(sse if reduction == "sum" else sse / 500, rel=1e-9)
    assert optimum.coefficients == pytest.approx(solution.numpy(), abs=1e-8)
    assert optimum.predict(x) == pytest.approx((design @ solution).numpy(), abs=1e-8)


def test_optimum_of_the_seed_cubic_is_below_every_trained_loss():
    config = SineFitConfig()
    best = optimum_loss(config).loss
    for variant in ("autograd", "nn"):
        assert trained(SineFitConfig(variant=variant)).loss > best


def test_data_matches_torch_and_numpy():
    torch_config = small(variant="nn", target="shifted_sin", interval=(-2.0, 3.0))
    x, y = make_data(torch_config)
    expected = torch.linspace(-2.0, 3.0, 200)
    assert np.array_equal(x, expected.numpy()) and np.array_equal(
        y, torch.sin(expected + 1).numpy()
    )
    x, y = make_data(small(variant="numpy", target="exp"))
    assert x.dtype == np.float32 and np.array_equal(
        y, np.exp(np.linspace(-math.pi, math.pi, 200, dtype=np.float32))
    )


def test_predict_is_the_model_on_new_points():
    grid = np.linspace(-1, 1, 7)
    trainer = trained(small(variant="autograd"))
    a, b, c, d = trainer.coefficients
    assert trainer.predict(grid) == pytest.approx(
        a + b * grid + c * grid**2 + d * grid**3, rel=1e-5
    )
    trainer = trained(small(variant="legendre"))
    a, b, c, d = trainer.coefficients
    z = c + d * grid
    assert trainer.predict(grid) == pytest.approx(
        a + b * 0.5 * (5 * z**3 - 3 * z), rel=1e-5, abs=1e-6
    )
    trainer = trained(small(variant="numpy", degree=2))
    assert trainer.predict(grid) == pytest.approx(
        np.polynomial.polynomial.polyval(grid, trainer.coefficients), rel=1e-5
    )


def test_stable_lr_is_the_real_boundary():
    config = small(variant="nn", steps=400)
    bound = stable_lr(config)
    x, _ = make_data(config)
    design = torch.stack([torch.from_numpy(x).double() ** k for k in range(4)], dim=1)
    assert bound == pytest.approx(
        1 / torch.linalg.eigvalsh(design.T @ design).max().item(), rel=1e-9
    )
    below = trained(small(variant="nn", steps=400, lr=0.9 * bound))
    above = trained(small(variant="nn", steps=400, lr=1.2 * bound))
    assert below.divergence is None
    assert above.divergence is not None


def test_divergence_stops_and_says_when_and_what_lr_is_stable():
    config = SineFitConfig(variant="nn", lr=1e-4, steps=5000)
    trainer = SineFitTrainer(config)
    progress = trainer.run(5000)
    assert progress.divergence == trainer.divergence
    assert trainer.step < 200 and trainer.finished
    assert f"step {trainer.step}" in trainer.divergence
    assert "'sum'" in trainer.divergence and f"{stable_lr(config):.2g}" in trainer.divergence
    assert all(math.isfinite(v) for v in trainer.loss_history)
    assert trainer.run(10).steps_run == 0


def test_momentum_bound_and_forgotten_zero_grad_get_their_own_advice():
    config = small(variant="optim", optimizer="momentum", momentum=0.5, lr=1e-3, steps=2000)
    trainer = trained(config)
    assert trainer.divergence and f"{stable_lr(config):.2g}" in trainer.divergence
    assert stable_lr(config) == pytest.approx(1.5 * stable_lr(small(variant="nn")), rel=1e-9)
    bound = stable_lr(small(variant="autograd"))
    trainer = trained(small(variant="autograd", forget_zero_grad=True, lr=3 * bound, steps=3000))
    assert trainer.divergence and "zero_grad" in trainer.divergence


def test_phases_one_at_a_time_equal_whole_steps():
    config = small(variant="optim", optimizer="momentum", lr=1e-5, steps=5)
    whole = trained(config)
    stepped = SineFitTrainer(config)
    names = [phase.name for phase in stepped.phases]
    assert names == ["forward", "loss", "zero_grad", "backward", "step"]
    reports = [stepped.next_phase() for _ in range(5 * len(names) - 2)]
    assert stepped.step == 4 and stepped.phase_index == 3
    assert reports[3].phase == "backward" and all(g is not None for g in reports[3].grads)
    stepped.run(1)  # finishes the half-done step first
    assert stepped.loss_history == whole.loss_history
    assert stepped.coefficients.tolist() == whole.coefficients.tolist()


def phase_by_phase(config: SineFitConfig) -> SineFitTrainer:
    """The same run one phase at a time: next_phase's path, which checks every loss as it comes."""
    trainer = SineFitTrainer(config)
    while not trainer.finished:
        trainer.next_phase()
    return trainer


def same_run(a: SineFitTrainer, b: SineFitTrainer) -> None:
    assert a.step == b.step
    assert a.loss_history == b.loss_history  # bit for bit, not approx
    assert a.coefficients.tolist() == b.coefficients.tolist()
    assert a.gradients == b.gradients
    assert a.divergence == b.divergence
    assert a.coefficient_trace.steps == b.coefficient_trace.steps
    assert a.coefficient_trace.values == b.coefficient_trace.values


@pytest.mark.parametrize(
    "config",
    [
        small(variant="autograd"),
        small(variant="autograd", power_typo=True),
        small(variant="autograd", reduction="mean", lr=5e-3, degree=5),
        small(variant="autograd", forget_zero_grad=True, lr=1e-7),
        small(variant="nn"),
        small(variant="nn", forget_zero_grad=True, lr=1e-7),
        small(variant="optim", optimizer="rmsprop"),
        small(variant="optim", optimizer="adam", forget_zero_grad=True),
        small(variant="legendre"),
        small(variant="numpy"),
        small(variant="module", optimizer="sgd", lr=2e-5),
        small(variant="autograd", loss="l1"),
        small(variant="autograd", loss="huber", reduction="mean", lr=5e-3),
        small(variant="nn", loss="l1"),
        small(variant="optim", optimizer="adam", loss="huber"),
        small(variant="numpy", loss="l1"),
        small(variant="numpy", loss="huber"),
        small(variant="legendre", loss="l1"),
    ],
    ids=lambda c: (
        f"{c.variant}-{c.optimizer}-{c.reduction}-{c.loss}"
        f"-typo{c.power_typo:d}-forget{c.forget_zero_grad:d}"
    ),
)
def test_whole_steps_equal_phases_one_at_a_time(config):
    """run() takes each loop's fused step; next_phase() its phase methods: the same run."""
    same_run(trained(config), phase_by_phase(config))


DIVERGING = [
    SineFitConfig(variant="autograd", lr=5e-6, steps=3000),  # explodes after a few steps
    SineFitConfig(variant="nn", lr=5e-6, steps=3000),
    SineFitConfig(variant="optim", optimizer="momentum", lr=1e-4, steps=500),
    SineFitConfig(variant="legendre", lr=1e-4, steps=500),
    SineFitConfig(variant="numpy", lr=1e-4, steps=500),
    SineFitConfig(variant="autograd", lr=1e-3, steps=500, forget_zero_grad=True),
    SineFitConfig(
        variant="autograd", lr=10.0, degree=7, interval=(-10.0, 10.0), steps=50
    ),  # inf at step 1
]


@pytest.mark.parametrize("config", DIVERGING, ids=lambda c: f"{c.variant}-lr{c.lr:g}")
def test_divergence_is_caught_at_the_same_step_however_the_run_is_cut(config):
    whole = SineFitTrainer(config)
    whole.run(config.steps)
    assert whole.divergence and f"step {whole.step}" in whole.divergence
    same_run(whole, phase_by_phase(config))
    chunked = SineFitTrainer(config)
    while not chunked.finished:
        chunked.run(3)
    same_run(whole, chunked)
    assert whole.run(5).steps_run == 0 and whole.step == chunked.step


def test_forgetting_zero_grad_keeps_the_fit_swinging():
    lr = 0.5 * stable_lr(small(variant="nn"))
    zeroed = trained(small(variant="nn", lr=lr, steps=400))
    forgot = trained(small(variant="nn", lr=lr, steps=400, forget_zero_grad=True))
    assert max(forgot.loss_history[-50:]) > 5 * max(zeroed.loss_history[-50:])


def test_forgetting_zero_grad_piles_gradients_up():
    config = small(variant="nn", lr=1e-9, forget_zero_grad=True)
    trainer = SineFitTrainer(config)
    grads = []
    for _ in range(3):
        trainer.run(1)
        grads.append(trainer.gradients)
    assert "forgotten" in next(p.code for p in trainer.phases if p.name == "zero_grad")
    zeroed = SineFitTrainer(small(variant="nn", lr=1e-9))
    zeroed.run(3)
    assert abs(grads[2][1]) > 2.5 * abs(zeroed.gradients[1])


def test_run_for_respects_the_budget_and_the_configured_steps():
    trainer = SineFitTrainer(small(variant="nn", steps=40))
    progress = trainer.run_for(0.0)
    assert progress.steps_run == 1
    progress = trainer.run_for(60.0)
    assert trainer.step == 40 and trainer.finished and progress.steps_run == 39
    assert trainer.run_for(60.0).steps_run == 0


def test_coefficient_trace_thins_itself():
    trace = CoefficientTrace(limit=10)
    for step in range(100):
        trace.offer(step, lambda s=step: [float(s)])
    assert len(trace.steps) <= 10 + 1 and trace.steps[0] == 0
    assert all(b - a == trace.stride for a, b in zip(trace.steps, trace.steps[1:], strict=False))
    assert [v[0] for v in trace.values] == trace.steps


@pytest.mark.parametrize(
    "overrides, words",
    [
        (dict(variant="jax"), "Unknown variant"),
        (dict(lr=0.0), "learning rate"),
        (dict(degree=9), "degree"),
        (dict(n_points=10**9), "number of points"),
        (dict(interval=(2.0, 1.0)), "interval"),
        (dict(variant="legendre", degree=4), "always a cubic"),
        (dict(variant="nn", power_typo=True), "autograd variant"),
        (dict(variant="numpy", forget_zero_grad=True), "no zero_grad"),
        (dict(steps=0), "Steps"),
        (dict(lr=float("nan")), "learning rate"),
    ],
)
def test_bad_settings_get_a_sentence(overrides, words):
    with pytest.raises(SineFitError, match=words):
        SineFitConfig(**overrides)
    assert issubclass(SineFitError, ValueError)


EXPORTED = [
    small(variant="autograd", noise=0.1, seed=2),
    small(variant="autograd", power_typo=True),
    small(variant="nn", reduction="mean", lr=5e-3, degree=2),
    small(variant="optim", optimizer="adam", target="cos"),
    small(variant="optim", optimizer="momentum", lr=1e-5, interval=(-1.5, 2.0)),
    small(variant="legendre"),
    small(variant="numpy", noise=0.2, degree=4, lr=1e-6),
    small(variant="module", optimizer="sgd", lr=2e-5),
    small(variant="module", optimizer="rmsprop", loss="huber", reduction="mean"),
    small(variant="nn", loss="l1"),
    small(variant="autograd", loss="huber", seed=3),
    small(variant="numpy", loss="l1", degree=2),
    small(variant="numpy", loss="huber", reduction="mean", lr=1e-2),
]

RUN_ALL = """
import contextlib, io, runpy, sys
for path in sys.argv[1:]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runpy.run_path(path, run_name="__main__")
    final = [line for line in out.getvalue().splitlines() if line.startswith("final loss")]
    print(path, *final)
"""


def test_exported_scripts_reach_the_same_final_loss(tmp_path):
    """Every script runs in one fresh interpreter (torch is imported once, not seven times)."""
    paths = []
    for index, config in enumerate(EXPORTED):
        script = export_script(config)
        assert "streamlit" not in script and "core" not in script.split('"""', 2)[2]
        paths.append(tmp_path / f"fit_{index}.py")
        paths[-1].write_text(script)
    out = subprocess.run(
        [sys.executable, "-c", RUN_ALL, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    lines = out.stdout.splitlines()
    assert len(lines) == len(EXPORTED)
    for line, config in zip(lines, EXPORTED, strict=True):
        assert "final loss" in line, line
        assert float(line.split()[-1]) == pytest.approx(trained(config).loss, rel=1e-6), config


# -- Polynomial3, the losses, the race, the snapshot ---------------------------------------------


def plain_polynomial3(config):
    """The tutorial's custom nn.Module listing, written here with torch alone."""

    class Cubic(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.randn(()))
            self.b = torch.nn.Parameter(torch.randn(()))
            self.c = torch.nn.Parameter(torch.randn(()))
            self.d = torch.nn.Parameter(torch.randn(()))

        def forward(self, x):
            return self.a + self.b * x + self.c * x**2 + self.d * x**3

    x, y = plain_data(config)
    torch.manual_seed(config.seed)
    model = Cubic()
    criterion = torch.nn.MSELoss(reduction=config.reduction)
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr)
    losses = []
    for _ in range(config.steps):
        loss = criterion(model(x), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses, [p.item() for p in (model.a, model.b, model.c, model.d)]


def test_polynomial3_is_the_tutorials_module_step_for_step():
    config = small(variant="module", optimizer="sgd", lr=2e-5, seed=4)
    trainer = trained(config)
    losses, coefficients = plain_polynomial3(config)
    assert trainer.loss_history == losses
    assert trainer.coefficients.tolist() == coefficients
    assert trainer.coefficient_names == ["a", "b", "c", "d"]
    assert [p.name for p in trainer.phases][0] == "forward"
    assert trainer.phases[0].code == "y_pred = model(x)"


def test_polynomial3_needs_a_cubic():
    with pytest.raises(SineFitError, match="cubic"):
        SineFitConfig(variant="module", degree=4)


@pytest.mark.parametrize("variant", ["autograd", "nn", "optim", "module", "numpy", "legendre"])
@pytest.mark.parametrize("loss", ["l1", "huber"])
def test_the_first_loss_is_torchs_loss_function_on_the_first_model(variant, loss):
    config = small(variant=variant, loss=loss, reduction="mean" if variant == "nn" else "sum")
    trainer = SineFitTrainer(config)
    x, y = make_data(config)
    y_pred = torch.as_tensor(trainer.predict(x), dtype=torch.float32)
    torch_fn = {"l1": torch.nn.L1Loss, "huber": torch.nn.HuberLoss}[loss]
    expected = torch_fn(reduction=config.reduction)(y_pred, torch.as_tensor(y)).item()
    trainer.run(1)
    assert trainer.loss_history[0] == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("loss", ["mse", "l1", "huber"])
def test_numpys_hand_written_gradient_is_autograds(loss):
    config = small(variant="numpy", loss=loss, target="exp", noise=0.3)
    trainer = SineFitTrainer(config)
    for _ in range(3):  # forward, loss, gradient
        trainer.next_phase()
    x, y = make_data(config)
    w = torch.tensor(trainer.coefficients, requires_grad=True)
    powers = torch.stack([torch.as_tensor(x, dtype=torch.float64) ** k for k in range(4)], 1)
    y_pred = powers @ w
    target = torch.as_tensor(y, dtype=torch.float64)
    torch_fn = {"mse": torch.nn.MSELoss, "l1": torch.nn.L1Loss, "huber": torch.nn.HuberLoss}
    torch_fn[loss](reduction="sum")(y_pred, target).backward()
    assert trainer.gradients == pytest.approx(w.grad.tolist(), rel=1e-3, abs=1e-2)


@pytest.mark.parametrize("loss", ["l1", "huber"])
def test_the_l1_and_huber_optima_are_the_minimum_torch_finds(loss):
    """The reported optimum is torch's loss at its coefficients, and torch cannot go lower."""
    config = SineFitConfig(loss=loss, noise=0.5, seed=1, n_points=500)
    optimum = optimum_loss(config)
    x, y = make_data(config)
    design = torch.stack([torch.as_tensor(x, dtype=torch.float64) ** k for k in range(4)], 1)
    target = torch.as_tensor(y, dtype=torch.float64)
    loss_fn = {"l1": torch.nn.L1Loss, "huber": torch.nn.HuberLoss}[loss](reduction="sum")
    w = torch.tensor(optimum.coefficients, requires_grad=True)
    assert loss_fn(design @ w, target).item() == pytest.approx(optimum.loss, rel=1e-12)
    lowest = optimum.loss
    for start in (optimum.coefficients, np.zeros(4)):
        w = torch.tensor(start, requires_grad=True)
        optimizer = torch.optim.Adam([w], lr=1e-3)
        for _ in range(1500):
            optimizer.zero_grad()
            value = loss_fn(design @ w, target)
            lowest = min(lowest, value.item())
            value.backward()
            optimizer.step()
    assert lowest >= optimum.loss * (1 - 1e-9)
    assert optimum.loss < optimum_loss(replace(config, loss="mse")).loss * 10  # a real number


def test_an_l1_run_reaches_the_l1_optimum_not_the_least_squares_one():
    config = SineFitConfig(variant="optim", optimizer="adam", lr=1e-2, loss="l1", steps=1500)
    trainer = trained(config)
    optimum = optimum_loss(config)
    assert trainer.loss == pytest.approx(optimum.loss, rel=1e-3)
    mse = optimum_loss(replace(config, loss="mse"))
    assert not np.allclose(optimum.coefficients, mse.coefficients, atol=1e-3)


def test_the_race_is_four_ordinary_runs_level_and_deterministic():
    base = SineFitConfig(n_points=200, steps=120, seed=5)
    configs = race_configs(base)
    assert list(configs) == ["sgd", "adam", "adagrad", "rmsprop"]
    assert {c.variant for c in configs.values()} == {"optim"}
    assert configs["sgd"].lr < stable_lr(replace(configs["sgd"], variant="nn"))
    race = OptimizerRace(base)
    while not race.finished:
        race.run_for(0.0)  # one round of chunks at a time
        steps = [t.step for t in race.trainers.values()]
        assert max(steps) - min(steps) <= 50
    for name, config in configs.items():
        alone = trained(config)
        assert race.trainers[name].loss_history == alone.loss_history
        assert race.trainers[name].loss < race.trainers[name].loss_history[0]
    assert set(RACE_NOTES) == set(configs)


def test_a_snapshot_is_one_moment_copied():
    trainer = trained(small(variant="nn", steps=40))
    snap = trainer.snapshot()
    assert snap.step == 40 and snap.loss == trainer.loss and snap.finished
    assert snap.loss_history.tolist() == trainer.loss_history
    grid, fit = snap.fit(11)
    assert fit.tolist() == trainer.predict(grid).tolist()
    trainer.run(5)  # training on does not change what was taken
    assert snap.step == 40 and len(snap.loss_history) == 40


def test_the_gap_to_the_optimum_is_never_a_rounding_below_it():
    """The optimum's own coefficients, evaluated as the trainer does (float32 torch), give a
    loss within rounding of the float64 optimum: its gap reads 0 or a rounding above, never
    "better than the best possible"; a real gap, above or below, is shown as it is."""
    config = SineFitConfig()  # MSE, sum, 2000 points
    optimum = optimum_loss(config)
    x = torch.linspace(-math.pi, math.pi, config.n_points)
    powers = torch.stack([x**k for k in range(config.degree + 1)], dim=1)
    coefficients = torch.tensor(optimum.coefficients, dtype=torch.float32)
    loss = ((powers @ coefficients - torch.sin(x)) ** 2).sum().item()
    assert loss == pytest.approx(optimum.loss, rel=1e-5)
    assert 0.0 <= optimum.gap(loss) < 1e-5 * optimum.loss
    assert optimum.gap(optimum.loss * (1 - 3e-8)) == 0.0  # the -2.5e-07 once shown
    assert optimum.gap(optimum.loss * 1.01) == pytest.approx(0.01 * optimum.loss)
    assert optimum.gap(optimum.loss * 0.99) == pytest.approx(-0.01 * optimum.loss)
