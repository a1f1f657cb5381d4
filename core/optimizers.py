"""The optimizers both trainers offer: one table of names, how to build each, and its line of code.

The sin-fit and SIGNS trainers, their exported scripts and their "Show code" boxes all read this
table, so a name always means the same torch.optim class with the same fixed settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

from core.validation import one_of

# name -> (torch.optim class name, label a page shows)
OPTIMIZER_TABLE: dict[str, tuple[str, str]] = {
    "sgd": ("SGD", "SGD"),
    "momentum": ("SGD", "SGD with momentum"),
    "adam": ("Adam", "Adam"),
    "adagrad": ("Adagrad", "Adagrad"),
    "rmsprop": ("RMSprop", "RMSprop"),
}
OPTIMIZER_NAMES = tuple(OPTIMIZER_TABLE)
OPTIMIZER_LABELS = {name: label for name, (_, label) in OPTIMIZER_TABLE.items()}
DEFAULT_MOMENTUM = 0.9  # "momentum" without a value of its own, as the SIGNS trainer uses it


class OptimizerError(ValueError):
    """An optimizer name that is not in the table, explained in a sentence."""


def check_optimizer(name: str) -> str:
    """Return `name` if the table has it, else raise OptimizerError with the choices."""
    one_of(
        name,
        OPTIMIZER_NAMES,
        f"There is no optimizer called '{name}'. Pick one of: {{choices}}.",
        OptimizerError,
    )
    return name


def optimizer_kwargs(
    name: str,
    *,
    momentum: float = DEFAULT_MOMENTUM,
    betas: tuple[float, float] | None = None,
    weight_decay: float | None = None,
) -> dict:
    """The keyword arguments after `lr` that `name` is built with, in the order code shows them.

    `momentum` applies to "momentum" only and `betas` to "adam" only; `betas` and
    `weight_decay` are left out (torch's defaults) when None.
    """
    check_optimizer(name)
    kwargs: dict = {}
    if name == "momentum":
        kwargs["momentum"] = momentum
    if name == "adam" and betas is not None:
        kwargs["betas"] = tuple(betas)
    if weight_decay is not None:
        kwargs["weight_decay"] = weight_decay
    return kwargs


def build_optimizer(name: str, params: Iterable, lr: float, **options) -> torch.optim.Optimizer:
    """The torch.optim optimizer called `name` on `params` (options: see `optimizer_kwargs`)."""
    class_name = OPTIMIZER_TABLE[check_optimizer(name)][0]
    return getattr(torch.optim, class_name)(params, lr=lr, **optimizer_kwargs(name, **options))


def optimizer_code(
    name: str,
    lr: str,
    params: str = "model.parameters()",
    number: Callable[[float], str] = repr,
    **options,
) -> str:
    """The constructor call `build_optimizer` makes, as a line of code.

    `lr` and `params` are the expressions to write; `number` writes each other value
    (repr by default, so the line rebuilds the exact float).
    """
    class_name = OPTIMIZER_TABLE[check_optimizer(name)][0]
    parts = [params, f"lr={lr}"]
    for key, value in optimizer_kwargs(name, **options).items():
        if isinstance(value, tuple):
            text = "(" + ", ".join(number(v) for v in value) + ")"
        else:
            text = number(value)
        parts.append(f"{key}={text}")
    return f"torch.optim.{class_name}({', '.join(parts)})"
