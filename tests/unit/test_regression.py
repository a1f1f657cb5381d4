"""core.tensors.regression: the NumPy side's hand-written gradients against torch's autograd,
and the autograd side against the notes' plain PyTorch loop."""

import math

import numpy as np
import pytest
import torch

from core.tensors import InspectorError
from core.tensors.regression import MAX_STEPS, HandVsAutograd, RegressionConfig, parse_points


def notes_torch_loop(config: RegressionConfig, steps: int) -> list[tuple[float, float, float]]:
    """The notes' torch_implementation.py, run for `steps` steps: (loss, w.grad, w after)."""
    x = torch.tensor(config.x, dtype=torch.float32)
    y = torch.tensor(config.y, dtype=torch.float32)
    w = torch.tensor(config.w0, dtype=torch.float32, requires_grad=True)
    out = []
    for _ in range(steps):
        loss = ((w * x - y) ** 2).mean()
        loss.backward()
        grad = w.grad.item()
        with torch.no_grad():
            w -= config.lr * w.grad
        w.grad.zero_()
        out.append((loss.item(), grad, w.item()))
    return out


def test_both_sides_match_the_notes_torch_loop_step_by_step():
    config = RegressionConfig()
    run = HandVsAutograd(config)
    run.step(10)
    expected = notes_torch_loop(config, 10)
    for row, (loss, grad, w) in zip(run.rows, expected):
        assert row["loss (autograd)"] == loss and row["w.grad"] == grad
        assert row["w (autograd)"] == w
        assert math.isclose(row["dw by hand"], grad, rel_tol=1e-6, abs_tol=1e-6)
        assert math.isclose(row["w (NumPy)"], w, rel_tol=1e-6)
        assert math.isclose(row["loss (NumPy)"], loss, rel_tol=1e-6)
    assert run.agree()


def test_hand_gradients_with_a_bias_equal_torch_autograd_grad():
    config = RegressionConfig(x=(0.5, 1.0, 2.0), y=(2.0, 3.1, 5.2), w0=0.3, b0=-1.0, bias=True)
    run = HandVsAutograd(config)
    w, b = np.float32(config.w0), np.float32(config.b0)
    for _ in range(5):
        wt = torch.tensor(float(w), requires_grad=True)
        bt = torch.tensor(float(b), requires_grad=True)
        x, y = torch.tensor(config.x), torch.tensor(config.y)
        gw, gb = torch.autograd.grad(((wt * x + bt - y) ** 2).mean(), (wt, bt))
        run.step()
        row = run.rows[-1]
        assert math.isclose(row["dw by hand"], gw.item(), rel_tol=1e-5, abs_tol=1e-6)
        assert math.isclose(row["db by hand"], gb.item(), rel_tol=1e-5, abs_tol=1e-6)
        w, b = np.float32(row["w (NumPy)"]), np.float32(row["b (NumPy)"])
    assert run.agree()


def test_a_bias_fit_finds_the_line():
    run = HandVsAutograd(RegressionConfig(y=(3.0, 5.0, 7.0, 9.0), lr=0.05, bias=True))
    run.step(MAX_STEPS)
    assert run.rows[-1]["w (autograd)"] == pytest.approx(2.0, abs=1e-2)
    assert run.rows[-1]["b (autograd)"] == pytest.approx(1.0, abs=3e-2)
    assert run.predict(5.0)[0] == pytest.approx(11.0, abs=5e-2)


def test_the_notes_numpy_formula_is_n_times_autograds_gradient():
    config = RegressionConfig(notes_gradient=True)
    run = HandVsAutograd(config)
    run.step()
    first = run.rows[0]
    assert first["dw by hand"] == pytest.approx(len(config.x) * first["w.grad"])
    assert not run.agree()


def test_a_diverging_rate_is_noticed():
    run = HandVsAutograd(RegressionConfig(lr=1.0))
    run.step(10)
    assert not run.diverged()
    run.step(190)
    assert run.diverged() and not math.isfinite(run.rows[-1]["loss (autograd)"])


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"x": (1.0, 2.0), "y": (1.0,)}, "one y for each x"),
        ({"x": (), "y": ()}, "between 1 and"),
        ({"lr": 0.0}, "above 0"),
        ({"w0": float("nan")}, "finite"),
    ],
)
def test_bad_settings_get_a_sentence(fields, message):
    with pytest.raises(InspectorError, match=message):
        RegressionConfig(**fields)


def test_parse_points_refuses_nested_lists_and_code():
    assert parse_points("1, 2, 3", "x") == (1.0, 2.0, 3.0)
    assert parse_points("[4]", "x") == (4.0,)
    with pytest.raises(InspectorError, match="flat list"):
        parse_points("[[1, 2], [3, 4]]", "x")
    with pytest.raises(InspectorError, match="only hold numbers"):
        parse_points("__import__('os')", "x")


def test_one_run_is_capped():
    run = HandVsAutograd(RegressionConfig())
    with pytest.raises(InspectorError, match="at most"):
        run.step(MAX_STEPS + 1)
