"""A sin-fit config's training loop as a plain, runnable Python script (no Streamlit, no playground).

The script does exactly what SineFitTrainer does for the same config, in the same order, so it
prints the same final loss (a unit test runs it in a subprocess and compares).
"""

from __future__ import annotations

import math

from core.optimizers import optimizer_code
from core.parsing import source_of
from core.sin_fit.config import TARGETS, SineFitConfig
from core.sin_fit.legendre import LegendrePolynomial3
from core.sin_fit.losses import loss_module_code, numpy_loss_code, tensor_loss_code
from core.sin_fit.polynomial import Polynomial3


def _number(value: float) -> str:
    if value == math.pi:
        return "math.pi"
    if value == -math.pi:
        return "-math.pi"
    return repr(float(value))


def _print_every(indent: str = "    ") -> str:
    return f"{indent}if t % 100 == 99:\n{indent}    print(t, {{loss}})\n"


def _header(config: SineFitConfig) -> str:
    target = TARGETS[config.target]
    lines = [
        f'"""Fit a degree-{config.degree} polynomial to {target.label} ({config.variant} variant).',
        "",
        "Exported from Torch Playground's sin(x) fit page; run it with plain Python.",
        f"Settings: {config}",
        '"""',
        "",
        "import math",
        "",
    ]
    return "\n".join(lines)


def _torch_data(config: SineFitConfig) -> str:
    lo, hi = config.interval
    text = (
        f"# {config.n_points} points evenly spaced over [{_number(lo)}, {_number(hi)}], float32 like the seed\n"
        f"x = torch.linspace({_number(lo)}, {_number(hi)}, {config.n_points})  # ({config.n_points},)\n"
        f"y = {TARGETS[config.target].torch_code}\n"
    )
    if config.noise > 0:
        text += (
            f"generator = torch.Generator().manual_seed({config.seed})\n"
            f"y = y + {config.noise!r} * torch.randn({config.n_points}, generator=generator)\n"
        )
    return text


def _manual_update(names: list[str], config: SineFitConfig) -> str:
    every = ", ".join(names)
    zero = (
        "    # 3. zero_grad forgotten on purpose: each backward() adds to the old gradients\n"
        if config.forget_zero_grad
        else "    # 3. zero the gradients (the seed does it after the update: the same thing)\n"
        f"    for p in ({every}):\n        p.grad = None\n"
    )
    return (
        f"    # 2. loss\n    {tensor_loss_code(config.loss, config.reduction)}\n"
        + _print_every().format(loss="loss.item()")
        + zero
        + "    # 4. backward: fills .grad of every tensor with requires_grad=True\n"
        "    loss.backward()\n"
        "    # 5. update by hand, outside the graph\n"
        "    with torch.no_grad():\n"
        f"        for p in ({every}):\n"
        "            p -= learning_rate * p.grad\n"
    )


def _autograd(config: SineFitConfig) -> str:
    names = list("abcdefgh"[: config.degree + 1])
    term = "{c} * x * {k}" if config.power_typo else "{c} * x ** {k}"
    terms = [names[0], f"{names[1]} * x"] + [
        term.format(c=c, k=k) for k, c in enumerate(names) if k >= 2
    ]
    made = "".join(f"{n} = torch.randn((), requires_grad=True)\n" for n in names)
    result = " + ".join(
        ["{" + names[0] + ".item()}", "{" + names[1] + ".item()} x"]
        + ["{" + n + ".item()} x^" + str(k) for k, n in enumerate(names) if k >= 2]
    )
    typo = "  # the seed's typo: x * k where x ** k was meant" if config.power_typo else ""
    return (
        "import torch\n\n"
        + _torch_data(config)
        + f"\n# one 0-dim tensor per coefficient, tracked by autograd\ntorch.manual_seed({config.seed})\n"
        + made
        + f"\nlearning_rate = {config.lr!r}\n"
        f"for t in range({config.steps}):\n"
        f"    # 1. forward pass{typo}\n"
        f"    y_pred = {' + '.join(terms)}\n"
        + _manual_update(names, config)
        + '\nprint("final loss", loss.item())\n'
        + f'print(f"Result: y = {result}")\n'
    )


def _legendre(config: SineFitConfig) -> str:
    return (
        "import torch\n\n\n"
        + source_of(LegendrePolynomial3)  # the class the trainer runs, copied
        + "\n\n"
        + _torch_data(config)
        + "\n# the tutorial's starting point: y = -P3(0.3 x)\n"
        "a = torch.full((), 0.0, requires_grad=True)\n"
        "b = torch.full((), -1.0, requires_grad=True)\n"
        "c = torch.full((), 0.0, requires_grad=True)\n"
        "d = torch.full((), 0.3, requires_grad=True)\n"
        f"\nlearning_rate = {config.lr!r}\n"
        f"for t in range({config.steps}):\n"
        "    # 1. forward pass through the custom Function\n"
        "    y_pred = a + b * LegendrePolynomial3.apply(c + d * x)\n"
        + _manual_update(list("abcd"), config)
        + '\nprint("final loss", loss.item())\n'
        'print(f"Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)")\n'
    )


def _module(config: SineFitConfig) -> str:
    d = config.degree
    subclass = config.variant == "module"
    if config.forget_zero_grad:
        zero = (
            "    # 3. zero_grad forgotten on purpose: each backward() adds to the old gradients\n"
        )
    else:
        who = "optimizer" if config.uses_optimizer else "model"
        zero = f"    # 3. zero the gradients (they accumulate otherwise)\n    {who}.zero_grad()\n"
    if config.uses_optimizer:
        call = optimizer_code(
            config.optimizer,
            "learning_rate",
            momentum=config.momentum,
            betas=(config.beta1, config.beta2),
        )
        setup = f"optimizer = {call}\n"
        update = "    # 5. update\n    optimizer.step()\n"
    else:
        setup = ""
        update = (
            "    # 5. update by hand, outside the graph\n"
            "    with torch.no_grad():\n"
            "        for param in model.parameters():\n"
            "            param -= learning_rate * param.grad\n"
        )
    weights = " + ".join(
        ["{linear_layer.bias.item()}"]
        + [f"{{linear_layer.weight[:, {k}].item()}} x^{k + 1}" for k in range(d)]
    )
    if subclass:
        model = (
            "\n# Polynomial3() runs __init__ (four random nn.Parameter); model(x) runs forward\n"
            f"torch.manual_seed({config.seed})\nmodel = Polynomial3()\n"
        )
        result = 'print(f"Result: {model.string()}")\n'
        head = "import torch\n\n\n" + source_of(Polynomial3) + "\n\n" + _torch_data(config)
    else:
        model = (
            f"p = torch.arange(1, {d + 1})  # the powers 1..{d}\n"
            f"xx = x.unsqueeze(-1).pow(p)  # ({config.n_points}, {d}): x, x^2, ...\n\n"
            f"torch.manual_seed({config.seed})\n"
            f"model = torch.nn.Sequential(torch.nn.Linear({d}, 1), torch.nn.Flatten(0, 1))\n"
        )
        result = "\nlinear_layer = model[0]\n" + f'print(f"Result: y = {weights}")\n'
        head = "import torch\n\n" + _torch_data(config)
    return (
        head + model + f"loss_fn = {loss_module_code(config.loss, config.reduction)}\n"
        f"learning_rate = {config.lr!r}\n" + setup + f"for t in range({config.steps}):\n"
        "    # 1. forward pass\n"
        f"    y_pred = model({'x' if subclass else 'xx'})\n"
        "    # 2. loss\n"
        "    loss = loss_fn(y_pred, y)\n"
        + _print_every().format(loss="loss.item()")
        + zero
        + "    # 4. backward\n    loss.backward()\n"
        + update
        + '\nprint("final loss", loss.item())\n'
        + result
    )


def _numpy(config: SineFitConfig) -> str:
    lo, hi = config.interval
    d = config.degree
    noise = ""
    if config.noise > 0:
        noise = (
            f"rng = np.random.default_rng({config.seed})\n"
            f"y = y + np.float32({config.noise!r}) * rng.standard_normal({config.n_points}, dtype=np.float32)\n"
        )
    scale = "" if config.reduction == "sum" else " / np.float32(len(x))"
    terms, slope = numpy_loss_code(config.loss)
    return (
        "import numpy as np\n\n"
        f"x = np.linspace({_number(lo)}, {_number(hi)}, {config.n_points}, dtype=np.float32)  # ({config.n_points},)\n"
        f"y = {TARGETS[config.target].numpy_code}\n" + noise + "y = y.astype(np.float32)\n"
        f"powers = np.stack([x**k for k in range({d + 1})], axis=1)  # ({config.n_points}, {d + 1}): 1, x, x^2, ...\n"
        f"w = np.random.default_rng({config.seed}).standard_normal({d + 1}, dtype=np.float32)\n\n"
        f"learning_rate = {config.lr!r}\n"
        f"for t in range({config.steps}):\n"
        "    # 1. forward pass\n"
        "    y_pred = powers @ w\n"
        "    # 2. loss\n"
        "    residual = y_pred - y\n"
        f"    loss = float(({terms}).{config.reduction}())\n"
        + _print_every().format(loss="loss")
        + "    # 3. gradient by hand, the chain rule through powers @ w:\n"
        f"    #    d loss / d w = powers^T (d loss / d residual){scale}\n"
        f"    grad = powers.T @ ({slope}){scale}\n"
        "    # 4. update\n"
        "    w -= learning_rate * grad\n"
        '\nprint("final loss", loss)\n'
        'print("Result: w =", w.tolist())\n'
    )


def export_script(config: SineFitConfig) -> str:
    """A self-contained script that trains `config` with plain PyTorch (or NumPy) and prints
    the loss every 100 steps, then `final loss <value>`."""
    body = {
        "numpy": _numpy,
        "autograd": _autograd,
        "nn": _module,
        "optim": _module,
        "module": _module,
        "legendre": _legendre,
    }[config.variant](config)
    return _header(config) + body
