"""The shared homes of core: one optimizer table, evaluation mode, config checks — against torch."""

from dataclasses import dataclass

import pytest
import torch
from torch import nn

from core.evaluation import evaluating
from core.optimizers import (
    OPTIMIZER_NAMES,
    OptimizerError,
    build_optimizer,
    optimizer_code,
)
from core.validation import in_range, one_of, require, typed_fields

OPTIONS = [
    {},
    {"momentum": 0.5},
    {"betas": (0.8, 0.95)},
    {"weight_decay": 1e-3},
    {"momentum": 0.7, "betas": (0.85, 0.9), "weight_decay": 0.0},
]


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_the_code_line_builds_the_same_optimizer_as_build_optimizer(name, options):
    model = nn.Linear(3, 1)
    built = build_optimizer(name, model.parameters(), 0.01, **options)
    line = optimizer_code(name, "0.01", **options)
    from_code = eval(
        line, {"torch": torch, "model": model}
    )  # our own generated line, not user input
    assert type(from_code) is type(built)
    assert from_code.defaults == built.defaults


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_build_optimizer_matches_torch_optim_and_steps_identically(name):
    torch_class = {
        "sgd": torch.optim.SGD,
        "momentum": torch.optim.SGD,
        "adam": torch.optim.Adam,
        "adagrad": torch.optim.Adagrad,
        "rmsprop": torch.optim.RMSprop,
    }[name]
    extra = {"momentum": 0.9} if name == "momentum" else {}
    a, b = nn.Linear(4, 2), nn.Linear(4, 2)
    b.load_state_dict(a.state_dict())
    ours = build_optimizer(name, a.parameters(), 0.05)
    theirs = torch_class(b.parameters(), lr=0.05, **extra)
    x = torch.randn(8, 4, generator=torch.Generator().manual_seed(0))
    for model, optimizer in ((a, ours), (b, theirs)):
        for _ in range(3):
            optimizer.zero_grad()
            model(x).pow(2).sum().backward()
            optimizer.step()
    assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)


def test_code_numbers_follow_the_callers_format():
    line = optimizer_code("momentum", "args.lr", number=lambda v: f"{v:g}", weight_decay=0.0)
    assert line == "torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=0)"


def test_an_unknown_optimizer_gets_a_sentence():
    with pytest.raises(OptimizerError, match="Pick one of: sgd, momentum"):
        build_optimizer("lbfgs", nn.Linear(1, 1).parameters(), 0.1)


def test_evaluating_switches_off_dropout_and_grad_and_restores_the_mode_even_on_error():
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.9))
    model.train()
    x = torch.ones(2, 4)
    with evaluating(model):
        assert not model.training and not torch.is_grad_enabled()
        assert torch.equal(model(x), model[0](x))  # dropout keeps every unit in eval mode
    assert model.training and torch.is_grad_enabled()
    with pytest.raises(RuntimeError), evaluating(model):
        raise RuntimeError("boom")
    assert model.training
    model.eval()
    with evaluating(model):
        pass
    assert not model.training


class Oops(ValueError):
    pass


def test_checks_raise_the_callers_error_with_the_sentence():
    require(True, "never")
    with pytest.raises(Oops, match="^bad$"):
        require(False, "bad", Oops)
    with pytest.raises(Oops, match=r"^'\{x\}' is not one: a, b\.$"):
        one_of("{x}", ("a", "b"), "'{x}' is not one: {choices}.", Oops)
    with pytest.raises(Oops):
        one_of(["unhashable"], ("a",), "no {choices}", Oops)
    one_of("a", ("a", "b"), "never {choices}")


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (0, False),
        (1e-9, True),
        (1, True),
        (2, False),
        (float("nan"), False),
        (True, False),
        ("1", False),
    ],
)
def test_in_range_with_an_open_low_end(value, ok):
    if ok:
        in_range(value, 0, 1, "never", low_open=True)
    else:
        with pytest.raises(ValueError, match="out"):
            in_range(value, 0, 1, "out", low_open=True)


@dataclass(frozen=True)
class Settings:
    lr: float = 0.1
    steps: int = 10
    name: str = "x"
    flag: bool = False


def test_typed_fields_keeps_known_fields_of_the_right_type():
    assert typed_fields(Settings, {"lr": 1, "steps": 3, "unknown": 5, "flag": True}) == {
        "lr": 1.0,
        "steps": 3,
        "flag": True,
    }
    for raw in ({"steps": True}, {"steps": 2.5}, {"name": 3}, {"lr": "0.1"}):
        with pytest.raises(Oops, match="should be a"):
            typed_fields(Settings, raw, Oops)
