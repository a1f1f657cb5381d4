"""The four SIGNS classifiers, their parameter counts and layer tables.

Each model class below is self-contained (it needs only `torch` and `torch.nn`), so the script
exporter copies its source verbatim (with the Dropout below): the weights a student trains on
the page load into the exported script and back. Every model maps a batch (B, 3, 64, 64) in
[0, 1] to logits (B, 6). `build_model` draws the weights, and the dropout masks, from a
torch.Generator: never from torch's global generator, which every student's session shares.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from core.evaluation import evaluating
from core.parsing import source_of
from core.randomness import build
from core.signs.dataset import IMAGE_SIZE, NUM_CLASSES

IMAGE_SHAPE = (3, IMAGE_SIZE, IMAGE_SIZE)  # SIGNS images after the course's build_dataset.py resize

# name -> (label shown on the page, one-line description)
MODEL_INFO = {
    "signs_cnn": (
        "Course CNN",
        "The course's SIGNS net: three conv blocks (32/64/128 channels) with batch norm, "
        "max-pool and ReLU, then fc 128, dropout, fc 6.",
    ),
    "small_cnn": (
        "Small course CNN",
        "The course CNN at a quarter of its width (8/16/32 channels, fc 32): the same layers, "
        "batch norm and dropout in 72 thousand parameters; it trains in seconds. The page's "
        "pretrained checkpoint is one.",
    ),
    "tinyvgg": (
        "TinyVGG",
        "CNN Explainer's TinyVGG: two blocks of two 3×3 convs (10 channels) and a max-pool, "
        "then one linear layer. Tiny and quick.",
    ),
    "mlp": (
        "MLP",
        "A multilayer perceptron: the 12,288 pixel values flattened into one vector, two hidden "
        "layers with ReLU and dropout. It sees no image structure.",
    ),
    "resnet18": (
        "ResNet-18",
        "torchvision's ResNet-18 with weights=None and 6 outputs: 11 million parameters, "
        "residual blocks and batch norm. Slow on a CPU.",
    ),
}
MODEL_NAMES = tuple(MODEL_INFO)
DROPOUT_MODELS = (
    "signs_cnn",
    "small_cnn",
    "mlp",
)  # models with a dropout layer the config controls


class ModelError(ValueError):
    """A model name that does not exist, or settings a model cannot take."""


class Dropout(nn.Dropout):
    """nn.Dropout that draws its mask from `self.generator`, a torch.Generator.

    In training mode each value is kept with probability 1 - p and scaled by 1 / (1 - p), or
    zeroed, exactly as nn.Dropout does; in eval mode the input passes through unchanged. The
    playground gives every run its own generator here, so two runs with one seed draw the same
    masks even while other runs train in the same process. Left at None (as in a script of its
    own), the mask comes from torch's global generator, which torch.manual_seed seeds.
    """

    generator = None  # a torch.Generator; None: torch's global generator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        g = self.generator
        uniform = torch.rand(x.shape, generator=g, device=x.device if g is None else g.device)
        keep = (uniform >= self.p).to(x.device, x.dtype)  # 1 where the value stays
        return x * (keep if self.p == 1 else keep.div_(1 - self.p))


class SignsCNN(nn.Module):
    """The course's SIGNS CNN: 3 × (conv 3×3 → batch norm → max-pool 2 → ReLU), fc 128, fc 6."""

    def __init__(self, num_classes: int = 6, channels: int = 32, dropout: float = 0.3):
        super().__init__()
        c = channels

        def block(c_in: int, c_out: int) -> nn.Sequential:
            return nn.Sequential(
                nn.Conv2d(c_in, c_out, kernel_size=3, stride=1, padding=1),
                nn.BatchNorm2d(c_out),
                nn.MaxPool2d(2),
                nn.ReLU(),
            )

        self.features = nn.Sequential(
            block(3, c),  # (B, 32, 32, 32)
            block(c, 2 * c),  # (B, 64, 16, 16)
            block(2 * c, 4 * c),  # (B, 128, 8, 8)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (B, 8192)
            nn.Linear(8 * 8 * 4 * c, 4 * c),  # (B, 128)
            nn.BatchNorm1d(4 * c),
            nn.ReLU(),
            Dropout(dropout),
            nn.Linear(4 * c, num_classes),  # (B, 6)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class TinyVGG(nn.Module):
    """CNN Explainer's TinyVGG: 2 × (conv, ReLU, conv, ReLU, max-pool), then one linear layer."""

    def __init__(self, num_classes: int = 6, channels: int = 10):
        super().__init__()
        c = channels
        self.features = nn.Sequential(
            nn.Conv2d(3, c, kernel_size=3),  # (B, 10, 62, 62)
            nn.ReLU(),
            nn.Conv2d(c, c, kernel_size=3),  # (B, 10, 60, 60)
            nn.ReLU(),
            nn.MaxPool2d(2),  # (B, 10, 30, 30)
            nn.Conv2d(c, c, kernel_size=3),  # (B, 10, 28, 28)
            nn.ReLU(),
            nn.Conv2d(c, c, kernel_size=3),  # (B, 10, 26, 26)
            nn.ReLU(),
            nn.MaxPool2d(2),  # (B, 10, 13, 13)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (B, 1690)
            nn.Linear(c * 13 * 13, num_classes),  # (B, 6)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class MLP(nn.Module):
    """A multilayer perceptron on the flattened 3×64×64 pixels."""

    def __init__(self, num_classes: int = 6, hidden: int = 256, dropout: float = 0.3):
        super().__init__()
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (B, 12288)
            nn.Linear(3 * 64 * 64, hidden),  # (B, 256)
            nn.ReLU(),
            Dropout(dropout),
            nn.Linear(hidden, hidden // 2),  # (B, 128)
            nn.ReLU(),
            Dropout(dropout),
            nn.Linear(hidden // 2, num_classes),  # (B, 6)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(x)


MODEL_CLASSES = {"signs_cnn": SignsCNN, "small_cnn": SignsCNN, "tinyvgg": TinyVGG, "mlp": MLP}
MODEL_OPTIONS = {"small_cnn": {"channels": 8}}  # constructor arguments beyond the defaults


def check_model_name(name: str) -> str:
    """Return `name` if it is one of MODEL_NAMES, else raise ModelError with a sentence."""
    if name not in MODEL_INFO:
        raise ModelError(
            f"There is no model called '{name}'. Pick one of: {', '.join(MODEL_NAMES)}."
        )
    return name


def build_model(
    name: str,
    dropout: float = 0.3,
    num_classes: int = NUM_CLASSES,
    generator: torch.Generator | None = None,
) -> nn.Module:
    """A freshly initialised model on the CPU, its weights and then its dropout masks drawn from
    `generator` (a CPU torch.Generator; None: one seeded 0). Torch's global generator is never
    touched: `torch.Generator().manual_seed(s)` gives the weights `torch.manual_seed(s)` and
    building the class would (ResNet-18: torchvision's initialisation, drawn in another order).
    """
    check_model_name(name)
    if not 0.0 <= dropout < 1.0:
        raise ModelError(f"Dropout must be at least 0 and below 1, not {dropout}.")
    generator = generator if generator is not None else torch.Generator().manual_seed(0)
    if name == "resnet18":
        from torchvision.models import resnet18  # lazy: torchvision takes seconds to import

        model = build(lambda: resnet18(weights=None, num_classes=num_classes), generator)
        with torch.no_grad():  # as torchvision's ResNet.__init__: convolutions redrawn, normal
            for module in model.modules():
                if isinstance(module, nn.Conv2d):
                    nn.init.kaiming_normal_(
                        module.weight, mode="fan_out", nonlinearity="relu", generator=generator
                    )
        return model
    if name == "tinyvgg":
        return build(lambda: TinyVGG(num_classes=num_classes), generator)
    options = MODEL_OPTIONS.get(name, {})
    model = build(
        lambda: MODEL_CLASSES[name](num_classes=num_classes, dropout=dropout, **options), generator
    )
    return use_generator(model, generator)


def class_source(model_class: type[nn.Module]) -> str:
    """A model class's source as a script needs it: the Dropout class first when it uses one."""
    source = source_of(model_class)
    if "Dropout(" in source:
        source = f"{source_of(Dropout)}\n\n{source}"
    return source


def use_generator(model: nn.Module, generator: torch.Generator) -> nn.Module:
    """Let every Dropout of `model` draw its masks from `generator`; returns `model`."""
    for module in model.modules():
        if isinstance(module, Dropout):
            module.generator = generator
    return model


def constructor_call(name: str, dropout: float, num_classes: int = NUM_CLASSES) -> str:
    """The Python expression that builds this model, as the exported script writes it."""
    check_model_name(name)
    if name == "resnet18":
        return f"torchvision.models.resnet18(weights=None, num_classes={num_classes})"
    if name == "tinyvgg":
        return f"TinyVGG(num_classes={num_classes})"
    options = "".join(f", {k}={v!r}" for k, v in MODEL_OPTIONS.get(name, {}).items())
    return (
        f"{MODEL_CLASSES[name].__name__}(num_classes={num_classes}{options}, dropout={dropout:g})"
    )


def parameter_count(model: nn.Module) -> int:
    """How many numbers the optimizer will learn (trainable parameters)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def has_batch_norm(model: nn.Module) -> bool:
    """True if the model holds a batch norm layer (it then needs batches of 2+ in train mode)."""
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())


@dataclass(frozen=True)
class LayerRow:
    """One row of a layer table: a leaf module, its output shape and its parameter count."""

    name: str
    kind: str
    output_shape: tuple[int, ...]
    parameters: int


def layer_table(model: nn.Module, input_shape: tuple[int, ...] = IMAGE_SHAPE) -> list[LayerRow]:
    """Run one dummy batch of 2 through `model` (eval mode, no grad) and list every leaf layer.

    Output shapes are per image (the batch dimension is dropped). The model's mode is restored.
    """
    rows: list[LayerRow] = []
    hooks = []
    for name, module in model.named_modules():
        if next(iter(module.children()), None) is not None:
            continue  # only leaves: Conv2d, ReLU, Linear, ...

        def record(mod, _inputs, output, name=name):
            shape = tuple(output.shape[1:]) if isinstance(output, torch.Tensor) else ()
            params = sum(p.numel() for p in mod.parameters(recurse=False))
            rows.append(LayerRow(name, type(mod).__name__, shape, params))

        hooks.append(module.register_forward_hook(record))
    device = next(model.parameters()).device
    try:
        with evaluating(model):
            model(torch.zeros(2, *input_shape, device=device))
    finally:
        for hook in hooks:
            hook.remove()
    return rows
