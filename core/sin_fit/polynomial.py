"""The nn.Module variant's model: the cubic as a subclass of torch.nn.Module (PyTorch's tutorial
"custom nn Modules"); the exported script copies its source."""

from __future__ import annotations

import torch


class Polynomial3(torch.nn.Module):
    """y = a + b x + c x^2 + d x^3, with a, b, c, d as the module's parameters."""

    def __init__(self, generator: torch.Generator | None = None):
        # __init__ runs once: it creates the four coefficients as nn.Parameter, which registers
        # them with the module, so model.parameters() hands them to the optimizer.
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn((), generator=generator))
        self.b = torch.nn.Parameter(torch.randn((), generator=generator))
        self.c = torch.nn.Parameter(torch.randn((), generator=generator))
        self.d = torch.nn.Parameter(torch.randn((), generator=generator))

    def forward(self, x):
        # forward runs on every model(x): the maths from the input to the output. Autograd
        # records it, so loss.backward() reaches a, b, c and d.
        return self.a + self.b * x + self.c * x**2 + self.d * x**3

    def string(self):
        return (
            f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3"
        )
