"""The sin-fit page's presets: the seed's listings and the classic mistakes, as configs."""

from __future__ import annotations

from core.sin_fit.config import SineFitConfig

PRESETS: dict[str, SineFitConfig] = {  # the notes' three listings first, in their order
    "Seed listing 1 · raw tensors + autograd": SineFitConfig(variant="autograd", lr=1e-6),
    "Seed listing 2 · nn + torch.optim RMSprop": SineFitConfig(
        variant="optim", optimizer="rmsprop", lr=1e-3
    ),
    "Seed listing 3 · nn.Sequential + manual update": SineFitConfig(variant="nn", lr=1e-6),
    "Subclass nn.Module · Polynomial3 + torch.optim SGD": SineFitConfig(
        variant="module", optimizer="sgd", lr=1e-6
    ),
    "L1 loss instead of MSE · listing 2 with Adam": SineFitConfig(
        variant="optim", optimizer="adam", lr=1e-2, loss="l1"
    ),
    "Find the bug · listing 1 as printed (stalls near 393)": SineFitConfig(
        variant="autograd", lr=1e-6, power_typo=True
    ),
    "Adam in 200 steps": SineFitConfig(variant="optim", optimizer="adam", lr=0.1, steps=200),
    "Too large a learning rate": SineFitConfig(variant="nn", lr=5e-6),  # stable below ~3.6e-6
    "Forget zero_grad": SineFitConfig(variant="nn", lr=1e-6, forget_zero_grad=True),
    "NumPy by hand (seed 004)": SineFitConfig(variant="numpy", lr=1e-6),
    "Legendre P3 with a custom autograd.Function": SineFitConfig(variant="legendre", lr=5e-6),
}
