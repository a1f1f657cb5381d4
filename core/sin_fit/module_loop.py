"""The nn.Module loops: seed 002's listings 3 (manual update) and 2 (a torch.optim optimizer),
and the tutorial's Polynomial3, a subclass of nn.Module, driven by a torch.optim optimizer."""

from __future__ import annotations

from collections.abc import Callable

import torch

from core.optimizers import build_optimizer
from core.randomness import build
from core.sin_fit.config import SineFitConfig
from core.sin_fit.loop_base import Phase, TorchLoop
from core.sin_fit.losses import loss_module
from core.sin_fit.polynomial import Polynomial3


class ModuleLoop(TorchLoop):
    """Seed 002 listings 3 (manual update) and 2 (torch.optim): Linear(degree, 1) on x, x², ..."""

    def __init__(self, config: SineFitConfig) -> None:
        super().__init__(config)
        self._make_model(config)
        self.loss_fn = loss_module(config.loss, config.reduction)
        self.optimizer = (
            build_optimizer(
                config.optimizer,
                self.model.parameters(),
                config.lr,
                momentum=config.momentum,
                betas=(config.beta1, config.beta2),
            )
            if config.uses_optimizer
            else None
        )
        who = "optimizer" if self.optimizer else "model"
        update = (
            "optimizer.step()"
            if self.optimizer
            else "with torch.no_grad():\n    for param in model.parameters(): param -= learning_rate * param.grad"
        )
        self.phases = (
            Phase("forward", "forward", f"y_pred = model({self.input_name})"),
            Phase("loss", "loss", "loss = loss_fn(y_pred, y)"),
            Phase("zero_grad", "zero_grad", f"{who}.zero_grad()"),
            Phase("backward", "backward", "loss.backward()"),
            Phase("step", "step", update),
        )

    input_name = "xx"  # what the listing feeds the model

    def _make_model(self, config: SineFitConfig) -> None:
        """nn.Sequential(Linear(degree, 1), Flatten(0, 1)) on the powers x, x², ..., x^degree."""
        self.p = torch.arange(1, config.degree + 1)  # (degree,): the powers 1..degree
        self.xx = self.x.unsqueeze(-1).pow(self.p)  # (n, degree)
        # nn.Linear's default init drawn from the run's own generator: the weights
        # torch.manual_seed(seed) gives, without seeding torch's global generator (shared by all)
        self.model = build(
            lambda: torch.nn.Sequential(torch.nn.Linear(config.degree, 1), torch.nn.Flatten(0, 1)),
            torch.Generator().manual_seed(config.seed),
        )
        layer = self.model[0]
        self.params = [layer.bias, layer.weight]
        self.names = ["bias"] + [f"weight[{k}]" for k in range(config.degree)]

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
        held in local names: the same tensor operations as the phase methods, less Python.

        A 2,000-point step is a few microseconds of arithmetic and tens of Python, so the modules'
        own forward methods are called directly (nn.Module.__call__ only adds hook dispatch, and no
        hook is registered), and zero_grad sets the parameters' .grad to None, which is what
        optimizer.zero_grad() and model.zero_grad() do. tests/unit/test_sin_fit.py checks the run
        bit for bit against the phase methods."""
        model, xx, y, optimizer = self.model, self.xx, self.y, self.optimizer
        if isinstance(model, torch.nn.Sequential):
            layers = [module.forward for module in model]

            def run_model(inputs: torch.Tensor) -> torch.Tensor:
                for layer in layers:
                    inputs = layer(inputs)
                return inputs
        else:
            run_model = model.forward
        loss_fn = self.loss_fn.forward
        params = list(model.parameters())
        zero_grad = not self.config.forget_zero_grad
        update = optimizer.step if optimizer is not None else None
        lr = self.config.lr
        no_grad = torch.no_grad

        def one_step(ceiling: float) -> float:
            loss = loss_fn(run_model(xx), y)
            value = loss.item()
            if value <= ceiling:
                if zero_grad:
                    for param in params:
                        param.grad = None
                loss.backward()
                if update is not None:
                    update()
                else:
                    with no_grad():
                        for param in params:
                            param -= lr * param.grad
            return value

        return one_step

    def values(self) -> list[float]:
        bias, weight = self.params  # (1,), (1, degree)
        return bias.tolist() + weight.tolist()[0]


class Polynomial3Loop(ModuleLoop):
    """The tutorial's Polynomial3(torch.nn.Module): a, b, c, d made in __init__ as nn.Parameter,
    the cubic in forward, trained by a torch.optim optimizer."""

    input_name = "x"

    def _make_model(self, config: SineFitConfig) -> None:
        # the numbers torch.manual_seed(seed) and Polynomial3() give, from the run's own generator
        self.model = Polynomial3(torch.Generator().manual_seed(config.seed))
        self.xx = self.x  # the model takes x itself
        self.params = [self.model.a, self.model.b, self.model.c, self.model.d]
        self.names = ["a", "b", "c", "d"]

    def model_output(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)

    def values(self) -> list[float]:
        return [p.item() for p in self.params]
