"""Weights drawn from a torch.Generator the caller owns, never from torch's global generator.

Every student's session runs in a thread of one server process, and all of them share torch's
global generator: a `torch.manual_seed` in one session re-seeds it for everyone, and every draw
in one shifts the numbers another one gets. So nothing a session runs seeds or draws from it.
Layers normally draw their first weights from it in their constructors; `build(make, generator)`
builds a model on the meta device instead (no numbers at all, so no draws), gives it real storage
and then draws every weight from `generator` with the distributions of PyTorch's own
`reset_parameters` (`initialise`). Dropout draws its masks from a generator too
(core.signs.models.Dropout).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

# Layers whose reset_parameters draws nothing (ones, zeros, running statistics reset).
_FIXED_INIT = (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm)


def _default_init(weight: torch.Tensor, bias: torch.Tensor | None, generator) -> None:
    """nn.Linear / nn.Conv*d reset_parameters: kaiming_uniform_(a=√5), i.e. uniform ±1/√fan_in,
    then the bias uniform ±1/√fan_in."""
    nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
    if bias is not None:
        fan_in, _ = nn.init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        nn.init.uniform_(bias, -bound, bound, generator=generator)


def initialise(model: nn.Module, generator: torch.Generator) -> nn.Module:
    """Draw every parameter of `model` as PyTorch's default initialisation does, from `generator`.

    Linear and convolution layers get kaiming_uniform_(a=√5) weights and uniform ±1/√fan_in
    biases; batch, layer and group norm get ones and zeros (running statistics reset). Layers are
    visited in registration order, the order their constructors ran for the models here, so a
    generator seeded s gives the weights `torch.manual_seed(s)` and building the model would.
    A layer with parameters of another kind raises TypeError: teach this function its init first.
    """
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Linear, nn.modules.conv._ConvNd)):
                _default_init(module.weight, module.bias, generator)
            elif isinstance(module, _FIXED_INIT):
                module.reset_parameters()
            elif any(True for _ in module.parameters(recurse=False)) or any(
                True for _ in module.buffers(recurse=False)
            ):
                raise TypeError(
                    f"initialise does not know how PyTorch initialises a {type(module).__name__}."
                )
    return model


def build(
    make: Callable[[], nn.Module], generator: torch.Generator, device: str = "cpu"
) -> nn.Module:
    """`make()` with its weights drawn from `generator` instead of torch's global generator.

    The model is built on the meta device (shapes only, nothing drawn), given uninitialised
    storage on `device` (the generator's device) and initialised by `initialise`.
    """
    with torch.device("meta"):
        model = make()
    _materialise(model, device)
    return initialise(model, generator)


def _materialise(model: nn.Module, device: str) -> None:
    """Give every meta parameter and buffer uninitialised storage on `device` (shared ones stay
    shared). Module.to_empty does the same, but its empty_like on meta tensors imports torch's
    Python decompositions on first use, a second or more."""
    made: dict[int, torch.Tensor] = {}

    def empty(t: torch.Tensor) -> torch.Tensor:
        if id(t) not in made:
            fresh = torch.empty(t.shape, dtype=t.dtype, device=device)
            made[id(t)] = (
                nn.Parameter(fresh, t.requires_grad) if isinstance(t, nn.Parameter) else fresh
            )
        return made[id(t)]

    for module in model.modules():
        for table in (module._parameters, module._buffers):
            for name, tensor in table.items():
                if tensor is not None:
                    table[name] = empty(tensor)
