"""Fit a polynomial to sin(x) five ways: the seed notes' listings, steppable for a live page.

Every variant runs its own real code path, phase by phase (forward, loss, zero_grad, backward,
step), so the page, the tests, the benchmark and the exported script all run the same loop:

- "numpy":    NumPy only, gradients written by hand (seed 004, section 17).
- "autograd": raw tensors with requires_grad, manual update under no_grad (seed 002, listing 1).
- "nn":       nn.Sequential(Linear(degree, 1), Flatten(0, 1)) + MSELoss, manual update (listing 3).
- "optim":    the same model driven by a torch.optim optimizer (listing 2 uses RMSprop).
- "legendre": a + b * P3(c + d * x) with a custom torch.autograd.Function (PyTorch's tutorial).

The anatomy view (next_phase) calls the phases one at a time. run / run_for, the page's hot loop,
call each loop's `stepper()`: the same operations in one function with local names, checking the
loss before the update exactly as the phases do. The unit tests hold the two paths bit-identical,
divergence included.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import torch


class SineFitError(ValueError):
    """A setting the trainer cannot use; the message says what to change."""


VARIANTS = ("numpy", "autograd", "nn", "optim", "legendre")
OPTIMIZERS = ("sgd", "momentum", "adam", "adagrad", "rmsprop")
REDUCTIONS = ("sum", "mean")
MAX_POINTS = 20_000  # a step touches every point; more would make the page crawl
MAX_STEPS = 100_000
MAX_ABS_INTERVAL = 10.0  # x ** 7 at |x| = 10 is 1e7: float32 still holds its square sums
EXPLODE_FACTOR = 1e4  # a loss this many times its first value counts as diverged


@dataclass(frozen=True)
class Target:
    """A function to fit: its label, how torch and NumPy compute it, and that code as text."""

    label: str
    torch_fn: Callable[[torch.Tensor], torch.Tensor]
    numpy_fn: Callable[[np.ndarray], np.ndarray]
    torch_code: str
    numpy_code: str


TARGETS: dict[str, Target] = {
    "sin": Target("sin(x)", torch.sin, np.sin, "torch.sin(x)", "np.sin(x)"),
    "cos": Target("cos(x)", torch.cos, np.cos, "torch.cos(x)", "np.cos(x)"),
    "shifted_sin": Target(
        "sin(x + 1)", lambda x: torch.sin(x + 1), lambda x: np.sin(x + 1),
        "torch.sin(x + 1)", "np.sin(x + 1)",
    ),
    "sin2x": Target(
        "sin(2x)", lambda x: torch.sin(2 * x), lambda x: np.sin(2 * x),
        "torch.sin(2 * x)", "np.sin(2 * x)",
    ),
    "exp": Target("exp(x)", torch.exp, np.exp, "torch.exp(x)", "np.exp(x)"),
    "abs": Target("|x|", torch.abs, np.abs, "torch.abs(x)", "np.abs(x)"),
}


@dataclass(frozen=True)
class SineFitConfig:
    """Everything that defines one run. The defaults are the seed's listing 1 (fixed)."""

    variant: str = "autograd"  # one of VARIANTS: which listing's code runs
    optimizer: str = "rmsprop"  # one of OPTIMIZERS; used by variant "optim" only (listing 2)
    lr: float = 1e-6  # the seed's 1e-6 suits reduction "sum" over 2000 points
    momentum: float = 0.9  # for optimizer "momentum" (SGD with momentum)
    beta1: float = 0.9  # Adam's first betas entry (its running mean of gradients)
    beta2: float = 0.999  # Adam's second betas entry (its running mean of squared gradients)
    degree: int = 3  # 1..7; the seed fits a cubic a + b x + c x^2 + d x^3
    n_points: int = 2000  # points evenly spaced over the interval, as in the seed
    target: str = "sin"  # one of TARGETS
    interval: tuple[float, float] = (-math.pi, math.pi)  # the x range of the points
    noise: float = 0.0  # standard deviation of Gaussian noise added to the targets
    reduction: str = "sum"  # "sum" (the seed) or "mean": sum makes gradients n_points times larger
    seed: int = 0  # seeds the initial coefficients and the noise
    steps: int = 2000  # steps in a full run (the seed runs 2000)
    power_typo: bool = False  # listing 1's bug: c * x * 2 + d * x * 3 instead of x ** 2, x ** 3
    forget_zero_grad: bool = False  # skip zeroing the gradients, so they pile up step after step

    def __post_init__(self) -> None:
        def need(ok: bool, sentence: str) -> None:
            if not ok:
                raise SineFitError(sentence)

        need(self.variant in VARIANTS, f"Unknown variant '{self.variant}'. Pick one of: {', '.join(VARIANTS)}.")
        need(self.optimizer in OPTIMIZERS, f"Unknown optimizer '{self.optimizer}'. Pick one of: {', '.join(OPTIMIZERS)}.")
        need(self.reduction in REDUCTIONS, "The reduction must be 'sum' or 'mean'.")
        need(self.target in TARGETS, f"Unknown target '{self.target}'. Pick one of: {', '.join(TARGETS)}.")
        need(_is_real(self.lr) and 0 < self.lr <= 10, "The learning rate must be a number above 0 and at most 10.")
        need(_is_real(self.momentum) and 0 <= self.momentum < 1, "Momentum must be at least 0 and below 1.")
        need(
            _is_real(self.beta1) and _is_real(self.beta2) and 0 <= self.beta1 < 1 and 0 <= self.beta2 < 1,
            "Adam's betas must each be at least 0 and below 1.",
        )
        need(isinstance(self.degree, int) and 1 <= self.degree <= 7, "The degree must be a whole number from 1 to 7.")
        need(
            isinstance(self.n_points, int) and 2 <= self.n_points <= MAX_POINTS,
            f"The number of points must be from 2 to {MAX_POINTS:,}.",
        )
        need(isinstance(self.steps, int) and 1 <= self.steps <= MAX_STEPS, f"Steps must be from 1 to {MAX_STEPS:,}.")
        need(_is_real(self.noise) and 0 <= self.noise <= 10, "The noise must be from 0 to 10.")
        need(isinstance(self.seed, int) and 0 <= self.seed < 2**31, "The seed must be a whole number from 0 to 2147483647.")
        lo, hi = self.interval
        need(
            _is_real(lo) and _is_real(hi) and lo < hi and max(abs(lo), abs(hi)) <= MAX_ABS_INTERVAL,
            f"The interval must have its start below its end, both within ±{MAX_ABS_INTERVAL:g}.",
        )
        need(
            self.variant != "legendre" or self.degree == 3,
            "The Legendre variant fits a + b·P3(c + d·x), which is always a cubic: set the degree to 3.",
        )
        need(
            not self.power_typo or self.variant == "autograd",
            "The x * 2 typo belongs to the raw-tensor listing: pick the autograd variant to see it.",
        )
        need(
            not self.forget_zero_grad or self.variant != "numpy",
            "The NumPy variant computes each gradient from scratch, so it has no zero_grad to forget.",
        )

    @property
    def uses_optimizer(self) -> bool:
        """True when a torch.optim optimizer updates the coefficients (otherwise plain SGD by hand)."""
        return self.variant == "optim"


def _is_real(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# ----------------------------------------------------------------------------------------------
# Data and the exact optimum


def make_torch_data(config: SineFitConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """The points the torch variants fit: x evenly spaced (float32), y = target(x) + noise."""
    lo, hi = config.interval
    x = torch.linspace(lo, hi, config.n_points)  # (n,)
    y = TARGETS[config.target].torch_fn(x)  # (n,)
    if config.noise > 0:
        generator = torch.Generator().manual_seed(config.seed)
        y = y + config.noise * torch.randn(config.n_points, generator=generator)
    return x, y


def make_numpy_data(config: SineFitConfig) -> tuple[np.ndarray, np.ndarray]:
    """The points the NumPy variant fits, made by NumPy alone (float32)."""
    lo, hi = config.interval
    x = np.linspace(lo, hi, config.n_points, dtype=np.float32)  # (n,)
    y = TARGETS[config.target].numpy_fn(x)  # (n,)
    if config.noise > 0:
        rng = np.random.default_rng(config.seed)
        y = y + np.float32(config.noise) * rng.standard_normal(config.n_points, dtype=np.float32)
    return x, y.astype(np.float32)


def make_data(config: SineFitConfig) -> tuple[np.ndarray, np.ndarray]:
    """The exact float32 points the config's variant trains on, as NumPy arrays."""
    if config.variant == "numpy":
        return make_numpy_data(config)
    x, y = make_torch_data(config)
    return x.numpy(), y.numpy()


def _features(x: np.ndarray, config: SineFitConfig) -> np.ndarray:
    """Float64 design matrix of the model as the listing writes it: 1, x, x**2, ... (or x * k)."""
    x = x.astype(np.float64)
    if config.power_typo:
        columns = [np.ones_like(x), x] + [x * k for k in range(2, config.degree + 1)]
    else:
        columns = [x**k for k in range(config.degree + 1)]
    return np.stack(columns, axis=1)  # (n, degree + 1)


@dataclass(frozen=True)
class Optimum:
    """The least-squares polynomial on the run's points: its loss and coefficients (x^0 first)."""

    loss: float
    coefficients: np.ndarray

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The optimal polynomial at the points x."""
        return np.polynomial.polynomial.polyval(np.asarray(x, dtype=np.float64), self.coefficients)


def optimum_loss(config: SineFitConfig) -> Optimum:
    """The best loss a degree-`degree` polynomial can reach on the config's points, in float64.

    For the seed's cubic on 2000 points in [-π, π] this is SSE 8.8172 (reduction "sum").
    """
    x, y = make_data(config)
    design = np.stack([x.astype(np.float64) ** k for k in range(config.degree + 1)], axis=1)
    coefficients, *_ = np.linalg.lstsq(design, y.astype(np.float64), rcond=None)
    sse = float(np.sum((design @ coefficients - y) ** 2))
    loss = sse if config.reduction == "sum" else sse / config.n_points
    return Optimum(loss=loss, coefficients=coefficients)


def stable_lr(config: SineFitConfig) -> float | None:
    """The largest lr at which plain (or momentum) gradient descent on this loss still converges.

    The loss is quadratic with Hessian H = 2 XᵀX (divided by n for "mean"); gradient descent is
    stable below 2 / λmax(H), heavy-ball momentum below 2 (1 + μ) / λmax(H). None where no such
    simple bound exists (adaptive optimizers, the Legendre model).
    """
    adaptive = config.uses_optimizer and config.optimizer not in ("sgd", "momentum")
    if adaptive or config.variant == "legendre":
        return None
    x, _ = make_data(config)
    design = _features(x, config)
    largest = float(np.linalg.eigvalsh(design.T @ design).max()) * 2
    if config.reduction == "mean":
        largest /= config.n_points
    bound = 2 / largest
    if config.uses_optimizer and config.optimizer == "momentum":
        bound *= 1 + config.momentum
    return bound


# ----------------------------------------------------------------------------------------------
# The five loops. Each exposes the same phases; the trainer calls them in order.


@dataclass(frozen=True)
class Phase:
    """One step of the training loop: the method that runs it and the line of code it stands for."""

    name: str  # "forward", "loss", "zero_grad", "backward", "step" (NumPy: "gradient")
    method: str  # the loop's method that performs it
    code: str  # the line(s) a student would write


class LegendrePolynomial3(torch.autograd.Function):
    """P3(z) = ½ (5 z³ − 3 z) with a hand-written backward: P3'(z) = 1.5 (5 z² − 1)."""

    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        return 0.5 * (5 * z**3 - 3 * z)

    @staticmethod
    def backward(ctx, grad_output):
        (z,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * z**2 - 1)


def _letters(count: int) -> list[str]:
    return list("abcdefgh"[:count])


class _NumpyLoop:
    """Seed 004's hand-written gradient descent, generalised to a polynomial."""

    def __init__(self, config: SineFitConfig) -> None:
        self.config = config
        self.x, self.y = make_numpy_data(config)  # (n,), (n,)
        self.powers = np.stack([self.x**k for k in range(config.degree + 1)], axis=1)  # (n, degree + 1)
        self.w = np.random.default_rng(config.seed).standard_normal(config.degree + 1, dtype=np.float32)
        self.grad: np.ndarray | None = None
        self.names = [f"w[{k}]" for k in range(config.degree + 1)]
        scale = "" if config.reduction == "sum" else " / len(x)"
        self.phases = (
            Phase("forward", "forward", "y_pred = powers @ w"),
            Phase("loss", "loss", f"loss = ((y_pred - y) ** 2).{config.reduction}()"),
            Phase("gradient", "backward", f"grad = 2 * powers.T @ (y_pred - y){scale}"),
            Phase("step", "step", "w -= learning_rate * grad"),
        )

    def forward(self) -> None:
        self.y_pred = self.powers @ self.w  # (n,)

    def loss(self) -> float:
        self.residual = self.y_pred - self.y
        squares = self.residual**2
        return float(squares.sum() if self.config.reduction == "sum" else squares.mean())

    def zero_grad(self) -> None:
        pass

    def backward(self) -> None:
        grad = 2 * self.powers.T @ self.residual  # (degree + 1,)
        self.grad = grad if self.config.reduction == "sum" else grad / np.float32(len(self.x))

    def step(self) -> None:
        self.w -= self.config.lr * self.grad

    def stepper(self) -> Callable[[float], float]:
        return _phase_stepper(self)

    def values(self) -> list[float]:
        return self.w.tolist()

    def grads(self) -> list[float | None]:
        return [None] * len(self.w) if self.grad is None else self.grad.tolist()

    def predict(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        return np.stack([x**k for k in range(self.config.degree + 1)], axis=1) @ self.w


def _phase_stepper(loop) -> Callable[[float], float]:
    """A whole step made of the loop's phase methods, for the loops without a fused one.

    The returned function runs forward and loss, and only when the loss is at most `ceiling`
    (so neither NaN nor exploded) zero_grad, backward and step; it returns the loss.
    """
    forward, loss, zero_grad, backward, step = loop.forward, loop.loss, loop.zero_grad, loop.backward, loop.step

    def one_step(ceiling: float) -> float:
        forward()
        value = loss()
        if value <= ceiling:
            zero_grad()
            backward()
            step()
        return value

    return one_step


class _TorchLoop:
    """What the torch loops share: data, loss value, and reading parameters for display."""

    params: list[torch.Tensor]

    def __init__(self, config: SineFitConfig) -> None:
        self.config = config
        self.x, self.y = make_torch_data(config)  # (n,), (n,)

    def backward(self) -> None:
        self.loss_tensor.backward()

    def stepper(self) -> Callable[[float], float]:
        """One whole training step as a function of the loss ceiling (see _phase_stepper)."""
        return _phase_stepper(self)

    def values(self) -> list[float]:
        out: list[float] = []
        for p in self.params:
            out += [p.item()] if p.dim() == 0 else p.detach().reshape(-1).tolist()
        return out

    def grads(self) -> list[float | None]:
        out: list[float | None] = []
        for p in self.params:
            out += [None] * p.numel() if p.grad is None else p.grad.reshape(-1).tolist()
        return out

    def predict(self, x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return self.model_output(torch.as_tensor(np.asarray(x, dtype=np.float32))).numpy()


def _manual_phases(names: list[str], reduction: str) -> tuple[Phase, ...]:
    """Loss, zero_grad, backward and a hand-written update for loose 0-dim parameters."""
    every = ", ".join(names)
    return (
        Phase("loss", "loss", f"loss = (y_pred - y).pow(2).{reduction}()"),
        Phase("zero_grad", "zero_grad", f"for p in ({every}): p.grad = None"),
        Phase("backward", "backward", "loss.backward()"),
        Phase("step", "step", f"with torch.no_grad():\n    for p in ({every}): p -= learning_rate * p.grad"),
    )


class _AutogradLoop(_TorchLoop):
    """Seed 002 listing 1: one 0-dim tensor per coefficient, autograd, manual update."""

    def __init__(self, config: SineFitConfig) -> None:
        super().__init__(config)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            self.params = [torch.randn((), requires_grad=True) for _ in range(config.degree + 1)]
        self.names = _letters(config.degree + 1)
        term = "{c} * x * {k}" if config.power_typo else "{c} * x ** {k}"
        terms = [self.names[0], f"{self.names[1]} * x"] + [
            term.format(c=c, k=k) for k, c in enumerate(self.names) if k >= 2
        ]
        self.phases = (
            Phase("forward", "forward", "y_pred = " + " + ".join(terms)),
            *_manual_phases(self.names, config.reduction),
        )
        # x ** k does not depend on the coefficients: the data's powers are computed once. They are
        # the very tensors x ** k gives every step, so the trajectory is the listing's, bit for bit.
        # (The typo's c * x * k multiplies the coefficient first, so it has nothing to keep.)
        self.x_powers = [] if config.power_typo else [self.x**k for k in range(2, config.degree + 1)]

    def model_output(self, x: torch.Tensor) -> torch.Tensor:
        p = self.params
        y_pred = p[0] + p[1] * x
        for k in range(2, len(p)):
            y_pred = y_pred + (p[k] * x * k if self.config.power_typo else p[k] * x**k)
        return y_pred

    def values(self) -> list[float]:
        return [p.item() for p in self.params]  # every coefficient is a 0-dim tensor

    def _output_on_data(self) -> torch.Tensor:
        """model_output(self.x), with the data's powers taken from x_powers."""
        if self.config.power_typo:
            return self.model_output(self.x)
        a, b, *rest = self.params
        y_pred = a + b * self.x
        for coefficient, x_k in zip(rest, self.x_powers, strict=True):
            y_pred = y_pred + coefficient * x_k
        return y_pred

    def forward(self) -> None:
        self.y_pred = self._output_on_data()

    def loss(self) -> float:
        squares = (self.y_pred - self.y).pow(2)
        self.loss_tensor = squares.sum() if self.config.reduction == "sum" else squares.mean()
        return self.loss_tensor.item()

    def zero_grad(self) -> None:
        if not self.config.forget_zero_grad:
            for p in self.params:
                p.grad = None

    def step(self) -> None:
        with torch.no_grad():
            for p in self.params:
                p -= self.config.lr * p.grad

    def stepper(self) -> Callable[[float], float]:
        """forward, loss, zero_grad, backward and step in one function, with everything it touches
        held in local names: the same tensor operations as the phase methods, less Python."""
        config = self.config
        if config.power_typo:
            return _phase_stepper(self)
        x, y, params = self.x, self.y, list(self.params)
        a, b, *rest = params
        terms = list(zip(rest, self.x_powers, strict=True))
        mean = config.reduction == "mean"
        zero_grad = not config.forget_zero_grad
        lr = config.lr
        no_grad = torch.no_grad

        def one_step(ceiling: float) -> float:
            y_pred = a + b * x
            for coefficient, x_k in terms:
                y_pred = y_pred + coefficient * x_k
            squares = (y_pred - y).pow(2)
            loss = squares.mean() if mean else squares.sum()
            value = loss.item()
            if value <= ceiling:
                if zero_grad:
                    for p in params:
                        p.grad = None
                loss.backward()
                with no_grad():
                    for p in params:
                        p -= lr * p.grad
            return value

        return one_step


class _LegendreLoop(_AutogradLoop):
    """PyTorch's tutorial: y = a + b * P3(c + d * x), P3 a custom autograd Function."""

    def __init__(self, config: SineFitConfig) -> None:
        _TorchLoop.__init__(self, config)
        self.params = [torch.full((), v, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3)]
        self.names = _letters(4)
        self.phases = (
            Phase("forward", "forward", "y_pred = a + b * LegendrePolynomial3.apply(c + d * x)"),
            *_manual_phases(self.names, config.reduction),
        )

    def model_output(self, x: torch.Tensor) -> torch.Tensor:
        a, b, c, d = self.params
        return a + b * LegendrePolynomial3.apply(c + d * x)

    def _output_on_data(self) -> torch.Tensor:
        return self.model_output(self.x)

    def stepper(self) -> Callable[[float], float]:
        return _phase_stepper(self)


def make_optimizer(config: SineFitConfig, params) -> torch.optim.Optimizer:
    """The torch.optim optimizer the config names, on `params`."""
    name = config.optimizer
    if name == "sgd":
        return torch.optim.SGD(params, lr=config.lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum)
    if name == "adam":
        return torch.optim.Adam(params, lr=config.lr, betas=(config.beta1, config.beta2))
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=config.lr)
    return torch.optim.RMSprop(params, lr=config.lr)


def optimizer_code(config: SineFitConfig) -> str:
    """The constructor call make_optimizer performs, as a line of code."""
    return {
        "sgd": "torch.optim.SGD(model.parameters(), lr=learning_rate)",
        "momentum": f"torch.optim.SGD(model.parameters(), lr=learning_rate, momentum={config.momentum!r})",
        "adam": f"torch.optim.Adam(model.parameters(), lr=learning_rate, betas=({config.beta1!r}, {config.beta2!r}))",
        "adagrad": "torch.optim.Adagrad(model.parameters(), lr=learning_rate)",
        "rmsprop": "torch.optim.RMSprop(model.parameters(), lr=learning_rate)",
    }[config.optimizer]


class _ModuleLoop(_TorchLoop):
    """Seed 002 listings 3 (manual update) and 2 (torch.optim): Linear(degree, 1) on x, x², ..."""

    def __init__(self, config: SineFitConfig) -> None:
        super().__init__(config)
        self.p = torch.arange(1, config.degree + 1)  # (degree,): the powers 1..degree
        self.xx = self.x.unsqueeze(-1).pow(self.p)  # (n, degree)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            self.model = torch.nn.Sequential(torch.nn.Linear(config.degree, 1), torch.nn.Flatten(0, 1))
        self.loss_fn = torch.nn.MSELoss(reduction=config.reduction)
        self.optimizer = make_optimizer(config, self.model.parameters()) if config.uses_optimizer else None
        layer = self.model[0]
        self.params = [layer.bias, layer.weight]
        self.names = ["bias"] + [f"weight[{k}]" for k in range(config.degree)]
        who = "optimizer" if self.optimizer else "model"
        update = (
            "optimizer.step()"
            if self.optimizer
            else "with torch.no_grad():\n    for param in model.parameters(): param -= learning_rate * param.grad"
        )
        self.phases = (
            Phase("forward", "forward", "y_pred = model(xx)"),
            Phase("loss", "loss", "loss = loss_fn(y_pred, y)"),
            Phase("zero_grad", "zero_grad", f"{who}.zero_grad()"),
            Phase("backward", "backward", "loss.backward()"),
            Phase("step", "step", update),
        )

    def model_output(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x.unsqueeze(-1).pow(self.p))

    def forward(self) -> None:
        self.y_pred = self.model(self.xx)

    def loss(self) -> float:
        self.loss_tensor = self.loss_fn(self.y_pred, self.y)
        return self.loss_tensor.item()

    def zero_grad(self) -> None:
        if self.config.forget_zero_grad:
            return
        if self.optimizer is not None:
            self.optimizer.zero_grad()
        else:
            self.model.zero_grad()

    def step(self) -> None:
        if self.optimizer is not None:
            self.optimizer.step()
            return
        with torch.no_grad():
            for param in self.model.parameters():
                param -= self.config.lr * param.grad

    def stepper(self) -> Callable[[float], float]:
        """forward, loss, zero_grad, backward and step in one function, with everything it touches
        held in local names: the same calls as the phase methods, less Python."""
        model, xx, y, loss_fn, optimizer = self.model, self.xx, self.y, self.loss_fn, self.optimizer
        zero_grad = (optimizer if optimizer is not None else model).zero_grad
        if self.config.forget_zero_grad:
            zero_grad = None
        update = optimizer.step if optimizer is not None else None
        parameters = model.parameters
        lr = self.config.lr
        no_grad = torch.no_grad

        def one_step(ceiling: float) -> float:
            loss = loss_fn(model(xx), y)
            value = loss.item()
            if value <= ceiling:
                if zero_grad is not None:
                    zero_grad()
                loss.backward()
                if update is not None:
                    update()
                else:
                    with no_grad():
                        for param in parameters():
                            param -= lr * param.grad
            return value

        return one_step

    def values(self) -> list[float]:
        bias, weight = self.params  # (1,), (1, degree)
        return bias.tolist() + weight.tolist()[0]


_LOOPS = {
    "numpy": _NumpyLoop,
    "autograd": _AutogradLoop,
    "nn": _ModuleLoop,
    "optim": _ModuleLoop,
    "legendre": _LegendreLoop,
}


# ----------------------------------------------------------------------------------------------
# The trainer


@dataclass
class Progress:
    """What one call to run / run_for did."""

    step: int  # steps completed in total
    steps_run: int  # steps completed by this call
    seconds: float  # wall time of this call
    loss: float | None  # the latest loss (None before the first step)
    divergence: str | None  # the sentence explaining why training stopped, if it diverged


@dataclass
class PhaseReport:
    """What one click of the anatomy step mode did, and the parameters right after it."""

    step: int  # the step this phase belongs to (0-based)
    phase: str
    code: str
    loss: float | None
    names: list[str]
    values: list[float]
    grads: list[float | None]


@dataclass
class CoefficientTrace:
    """Coefficient values at some steps, thinned to at most `limit` rows by doubling the stride."""

    limit: int = 500  # the chart shows ~600 points; reading parameters every step would cost ~5%
    stride: int = 1
    steps: list[int] = field(default_factory=list)
    values: list[list[float]] = field(default_factory=list)

    def offer(self, step: int, values_fn: Callable[[], list[float]]) -> None:
        """Record the values at `step` if it falls on the stride (values_fn is only called then)."""
        if step % self.stride:
            return
        self.steps.append(step)
        self.values.append(values_fn())
        if len(self.steps) > self.limit:
            self.stride *= 2
            keep = [i for i, s in enumerate(self.steps) if s % self.stride == 0]
            self.steps = [self.steps[i] for i in keep]
            self.values = [self.values[i] for i in keep]


class SineFitTrainer:
    """Holds one run: the loop of the config's variant, its loss history and coefficients.

    Advance it with run(steps), run_for(seconds) or next_phase() (one phase of one step).
    """

    def __init__(self, config: SineFitConfig) -> None:
        self.config = config
        self._loop = _LOOPS[config.variant](config)
        self.phases: tuple[Phase, ...] = tuple(
            replace(phase, code=f"# {phase.code}   <- forgotten: .grad keeps every old gradient")
            if phase.name == "zero_grad" and config.forget_zero_grad
            else phase
            for phase in self._loop.phases
        )
        self.coefficient_names: list[str] = list(self._loop.names)
        self.loss_history: list[float] = []
        self.coefficient_trace = CoefficientTrace()
        self.coefficient_trace.offer(0, self._loop.values)
        self.step = 0  # completed steps
        self.phase_index = 0  # the next phase to run within the current step
        self.divergence: str | None = None
        self.seconds = 0.0  # wall time spent training

    # -- state -----------------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        """True when the configured number of steps is done or training diverged."""
        return self.divergence is not None or self.step >= self.config.steps

    @property
    def coefficients(self) -> np.ndarray:
        """The current parameters in the listing's order (a, b, c, d / bias, weight[k] / w[k])."""
        return np.asarray(self._loop.values(), dtype=np.float64)

    @property
    def gradients(self) -> list[float | None]:
        """Each parameter's .grad right now (None where it has none)."""
        return self._loop.grads()

    @property
    def loss(self) -> float | None:
        """The latest recorded loss."""
        return self.loss_history[-1] if self.loss_history else None

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """The points this run trains on, as NumPy arrays (shared memory, do not modify)."""
        x, y = self._loop.x, self._loop.y
        if isinstance(x, torch.Tensor):
            return x.numpy(), y.numpy()
        return x, y

    def predict(self, x) -> np.ndarray:
        """The current model's output at the points x (any float array-like), as NumPy."""
        return np.asarray(self._loop.predict(np.asarray(x, dtype=np.float32)), dtype=np.float64)

    # -- advancing -------------------------------------------------------------------------

    def _record_loss(self, value: float) -> bool:
        """Append the loss; return False (and explain) when it shows divergence."""
        if not math.isfinite(value):
            self.divergence = self._explain(f"the loss became {value}")
            return False
        self.loss_history.append(value)
        first = self.loss_history[0]
        if value > EXPLODE_FACTOR * max(first, 1e-12) and len(self.loss_history) > 1:
            self.divergence = self._explain(
                f"the loss grew to {value:.3g}, more than {EXPLODE_FACTOR:,.0f}× its first value {first:.3g}"
            )
            return False
        return True

    def _loss_ceiling(self) -> float:
        """The largest loss _record_loss accepts as the next one: any finite loss for the first,
        then EXPLODE_FACTOR times the first (capped at the largest float, so inf never passes)."""
        if not self.loss_history:
            return sys.float_info.max
        return min(EXPLODE_FACTOR * max(self.loss_history[0], 1e-12), sys.float_info.max)

    def _explain(self, what: str) -> str:
        config = self.config
        text = f"Training stopped at step {self.step}: {what}. "
        if config.forget_zero_grad:
            text += (
                "zero_grad is switched off, so every backward() adds its gradient to all the old ones "
                "and the steps keep growing until they overshoot. Switch zero_grad back on. "
            )
            return text
        bound = stable_lr(config)
        if bound is not None:
            if config.reduction == "sum":
                text += (
                    f"With reduction 'sum' the gradient grows with the number of points ({config.n_points:,}), "
                    f"so this descent is only stable for a learning rate below about {bound:.2g}; "
                    f"you used {config.lr:.2g}. Lower the learning rate or switch the reduction to 'mean'."
                )
            else:
                text += (
                    f"This descent is only stable for a learning rate below about {bound:.2g}; "
                    f"you used {config.lr:.2g}. Lower the learning rate."
                )
        elif config.variant == "legendre":
            text += f"The learning rate {config.lr:.2g} is too large for this model: try 5e-6, the tutorial's value."
        else:
            text += (
                f"{config.optimizer.capitalize()} moves each coefficient by about the learning rate every "
                f"step whatever the gradient's size, and x^{config.degree} is large here, so lr "
                f"{config.lr:.2g} overshoots. Try a learning rate ten times smaller."
            )
        return text

    def next_phase(self) -> PhaseReport:
        """Run the next phase of the current step (anatomy mode) and report the parameters after it."""
        phase = self.phases[self.phase_index]
        step = self.step
        if self.divergence is None:
            if phase.name == "loss":
                self._record_loss(self._loop.loss())
            else:
                getattr(self._loop, phase.method)()
            if self.divergence is None:
                self.phase_index += 1
                if self.phase_index == len(self.phases):
                    self._complete_step()
        return PhaseReport(
            step=step, phase=phase.name, code=phase.code, loss=self.loss,
            names=list(self.coefficient_names), values=self._loop.values(), grads=self._loop.grads(),
        )

    def _complete_step(self) -> None:
        self.phase_index = 0
        self.step += 1
        self.coefficient_trace.offer(self.step, self._loop.values)

    def _run_steps(self, target: int, deadline: float) -> None:
        """Whole steps until step `target`, the deadline (read after each step) or divergence.

        The hot loop of the page and the benchmark: the loop's fused stepper does one step and
        skips the update when the loss is above the ceiling; such a loss goes to _record_loss,
        which explains it exactly as a phase-by-phase run would, at the same step.
        """
        one_step = self._loop.stepper()
        history = self.loss_history
        append = history.append
        trace = self.coefficient_trace
        values = self._loop.values
        clock = time.perf_counter
        ceiling = self._loss_ceiling()
        first_pending = not history  # the ceiling follows from the first loss
        step = self.step
        try:
            while step < target:
                value = one_step(ceiling)
                if not value <= ceiling:  # NaN, inf or exploded: nothing was updated
                    self.step = step
                    self._record_loss(value)
                    return
                append(value)
                step += 1
                if first_pending:
                    ceiling, first_pending = self._loss_ceiling(), False
                if step % trace.stride == 0:
                    trace.offer(step, values)
                if clock() >= deadline:
                    return
        finally:
            self.step = step

    def _finish_partial_step(self) -> None:
        while self.phase_index and self.divergence is None:
            self.next_phase()

    def run(self, steps: int) -> Progress:
        """Advance by `steps` steps (fewer if training diverges or the run is finished)."""
        return self.run_for(math.inf, max_steps=steps)

    def run_for(self, seconds: float, max_steps: int | None = None) -> Progress:
        """Advance until `seconds` of wall time have passed, or `max_steps` (default: the rest of
        the configured steps) are done, or training diverges. The clock is read after each step,
        so a call runs at least one step unless the run is already finished."""
        started = time.perf_counter()
        first_step = self.step
        self._finish_partial_step()
        limit = self.config.steps - self.step if max_steps is None else max_steps
        target = first_step + max(0, limit)
        if self.step < target and self.divergence is None:
            self._run_steps(target, started + seconds)
        elapsed = time.perf_counter() - started
        self.seconds += elapsed
        return Progress(self.step, self.step - first_step, elapsed, self.loss, self.divergence)


# ----------------------------------------------------------------------------------------------
# What the page shows


PRESETS: dict[str, SineFitConfig] = {
    "Seed listing 1 · raw tensors + autograd": SineFitConfig(variant="autograd", lr=1e-6),
    "Seed listing 2 · nn + torch.optim RMSprop": SineFitConfig(variant="optim", optimizer="rmsprop", lr=1e-3),
    "Seed listing 3 · nn.Sequential + manual update": SineFitConfig(variant="nn", lr=1e-6),
    "Find the bug · listing 1 as printed (stalls near 393)": SineFitConfig(variant="autograd", lr=1e-6, power_typo=True),
    "Adam in 200 steps": SineFitConfig(variant="optim", optimizer="adam", lr=0.1, steps=200),
    "Too large a learning rate": SineFitConfig(variant="nn", lr=5e-6),  # stable below ~3.6e-6
    "Forget zero_grad": SineFitConfig(variant="nn", lr=1e-6, forget_zero_grad=True),
    "NumPy by hand (seed 004)": SineFitConfig(variant="numpy", lr=1e-6),
    "Legendre P3 with a custom autograd.Function": SineFitConfig(variant="legendre", lr=5e-6),
}

VARIANT_LABELS = {
    "numpy": "NumPy, gradients by hand",
    "autograd": "raw tensors + autograd",
    "nn": "nn.Sequential + manual update",
    "optim": "nn.Sequential + torch.optim",
    "legendre": "Legendre P3, custom autograd.Function",
}


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


def fit_curves(trainer: SineFitTrainer, optimum: Optimum, points: int = 400) -> dict[str, np.ndarray]:
    """Target, current fit and optimal polynomial on an even grid over the interval (float64)."""
    lo, hi = trainer.config.interval
    grid = np.linspace(lo, hi, points)
    return {
        "x": grid,
        "target": TARGETS[trainer.config.target].numpy_fn(grid),
        "fit": trainer.predict(grid),
        "optimum": optimum.predict(grid),
    }


def optimum_per_coefficient(config: SineFitConfig, optimum: Optimum) -> list[float | None]:
    """For each trainer coefficient, the value it takes at the optimum (None where no single
    coefficient corresponds: the typo model and the Legendre parametrisation)."""
    if config.power_typo or config.variant == "legendre":
        return [None] * (4 if config.variant == "legendre" else config.degree + 1)
    return [float(v) for v in optimum.coefficients]
