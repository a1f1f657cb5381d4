"""nn.Module graphs for the autograd page: a Linear layer, an MLP or the SIGNS CNN, one loss.

`run_module_graph(config)` builds the model from a seed (without touching the global RNG), runs
one forward pass and `loss.backward()` under the recorder of core.graph, and returns everything
the page draws: the loss, the recording and the names of parameters and layer outputs.
`ModuleGraph.groups` says which nodes make up each layer (or block of layers), so that
core.graph.module_view can draw each as one box.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from core.graph import BackwardPass, GradientCheck, finite_difference_check, record_backward
from core.randomness import build
from core.signs.models import NUM_CLASSES, use_generator
from core.signs.models import build_model as build_signs_model
from core.signs_data import draw_hands
from core.validation import require

MODELS = ("linear", "mlp", "signs_cnn")  # the page names them (ui.autograd.module_section)
SIZED_MODELS = ("linear", "mlp")  # models whose sizes the config sets (the CNN's are fixed)
LOSSES = ("mse", "cross_entropy")
SIZE_RANGES = [
    ("in_features", 1, 64),
    ("hidden", 1, 64),
    ("layers", 2, 8),
    ("out_features", 1, 16),
    ("batch", 1, 64),
]  # (field, lowest, highest)


@dataclass(frozen=True)
class ModuleGraphConfig:
    """What to build. Small by design: the point is a readable graph, not a big model."""

    model: str = "mlp"  # "linear" (one nn.Linear), "mlp" (Linear, ReLU, ..., Linear) or
    # "signs_cnn" (core.signs.models.SignsCNN on built-in SIGNS pictures, 3×64×64 → 6 classes)
    in_features: int = 3  # inputs per example (ignored by the CNN)
    hidden: int = 4  # units in each hidden layer of the MLP
    layers: int = 2  # Linear layers in the MLP (2 = one hidden layer); ignored for "linear"
    out_features: int = 2  # outputs per example (classes, for cross-entropy; the CNN has 6)
    batch: int = 4  # examples in the batch (pictures, for the CNN)
    loss: str = "mse"  # "mse" (regression) or "cross_entropy" (classification)
    seed: int = 0  # seeds the weights and the data

    def __post_init__(self) -> None:
        # require, not one_of: the sentence holds the user's value, which may contain braces
        require(
            self.model in MODELS, f"Unknown model '{self.model}'. Pick one of: {', '.join(MODELS)}."
        )
        require(
            self.loss in LOSSES, f"Unknown loss '{self.loss}'. Pick one of: {', '.join(LOSSES)}."
        )
        for name, low, high in SIZE_RANGES:
            value = getattr(self, name)
            require(
                isinstance(value, int) and low <= value <= high,
                f"{name} must be a whole number from {low} to {high}; got {value!r}.",
            )
        require(
            self.model != "signs_cnn" or self.batch >= 2,
            "The SIGNS CNN has batch norm, which needs at least 2 pictures in a batch while "
            "training: set the batch to 2 or more.",
        )
        require(
            self.loss != "cross_entropy"
            or self.out_features >= 2
            or self.model not in SIZED_MODELS,
            "Cross-entropy needs at least 2 classes: set out_features to 2 or more.",
        )


@dataclass
class ModuleGraph:
    """One forward and backward pass through a small model."""

    config: ModuleGraphConfig
    model: nn.Module
    inputs: torch.Tensor  # (batch, in_features)
    targets: torch.Tensor  # (batch, out_features) floats, or (batch,) class indices
    loss: torch.Tensor  # scalar
    backward: BackwardPass
    names: dict[str, torch.Tensor]  # parameters, data and layer outputs by name
    layers: list[tuple[str, nn.Module, torch.Tensor, torch.Tensor]]  # name, module, in, out
    # (every leaf module in the order they ran: "fc1", or "features.0.0" inside the CNN)

    def depths(self) -> list[int | None]:
        """The groupings `groups` can make, finest first: None (one box per layer), then one
        box per block of layers at each shallower level of the module tree ("features.0",
        then "features")."""
        deepest = max((name.count(".") + 1 for name, *_ in self.layers), default=1)
        return [None, *range(deepest - 1, 0, -1)]

    def groups(self, depth: int | None = None) -> dict[str, str]:
        """Graph node id -> box title, for drawing each layer as one box (core.graph.collapse):
        the backward nodes between a layer's input and its output, its parameters and its
        output tensor. With `depth`, layers deeper than it go into the box of their enclosing
        module at that depth (features.0.0 .. features.0.3 -> "features.0")."""
        groups: dict[str, str] = {}
        for name, module, layer_input, output in self.layers:
            parts = name.split(".")
            if depth is not None and len(parts) > depth:
                prefix = ".".join(parts[:depth])
                title = f"{prefix}: {_describe(self.model.get_submodule(prefix))}"
            else:
                title = f"{name}: {_describe(module)}"
            stop = id(layer_input.grad_fn) if layer_input.grad_fn is not None else None
            groups[f"t{id(output)}"] = title
            stack, seen = [output.grad_fn], set()
            while stack:
                fn = stack.pop()
                if fn is None or id(fn) == stop or id(fn) in seen:
                    continue
                seen.add(id(fn))
                if hasattr(fn, "variable"):
                    groups[f"t{id(fn.variable)}"] = title
                    continue
                groups[f"f{id(fn)}"] = title
                stack.extend(child for child, _ in fn.next_functions)
        return groups


def _describe(module: nn.Module) -> str:
    """A short title for a layer ("Linear 3→4", "Conv2d 3→32, 3×3") or a block of layers."""
    if isinstance(module, nn.Linear):
        return f"Linear {module.in_features}→{module.out_features}"
    if isinstance(module, nn.Conv2d):
        size = "×".join(map(str, module.kernel_size))
        return f"Conv2d {module.in_channels}→{module.out_channels}, {size}"
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        return f"{type(module).__name__} {module.num_features}"
    if isinstance(module, nn.MaxPool2d):
        return f"MaxPool2d {module.kernel_size}"
    if isinstance(module, nn.Dropout):
        return f"Dropout p={module.p:g}"
    leaves = [m for m in module.modules() if next(iter(m.children()), None) is None]
    if leaves and leaves[0] is not module:  # a block: its layers, or their kinds when many
        if len(leaves) <= 4:
            return " → ".join(_describe(leaf) for leaf in leaves)
        kinds = dict.fromkeys(type(leaf).__name__ for leaf in leaves)
        return f"{len(leaves)} layers: {', '.join(kinds)}"
    return type(module).__name__


def build_model(config: ModuleGraphConfig) -> nn.Module:
    """The model of `config`, with PyTorch's default init drawn from a generator seeded with the
    config's seed: the weights `torch.manual_seed(seed)` gives the notebook code (module_code),
    without touching torch's global generator, which every session shares."""
    generator = torch.Generator().manual_seed(config.seed)
    if config.model == "signs_cnn":  # the SIGNS page's own class and its default init
        return build_signs_model("signs_cnn", generator=generator)
    return build(lambda: _linear_layers(config), generator)


def _linear_layers(config: ModuleGraphConfig) -> nn.Sequential:
    """One nn.Linear, or the MLP: Linear, ReLU, ..., Linear (fc1, relu1, ..., fcN)."""
    model = nn.Sequential()
    if config.model == "linear":
        model.add_module("fc1", nn.Linear(config.in_features, config.out_features))
        return model
    width = config.in_features
    for index in range(1, config.layers):
        model.add_module(f"fc{index}", nn.Linear(width, config.hidden))
        model.add_module(f"relu{index}", nn.ReLU())
        width = config.hidden
    model.add_module(f"fc{config.layers}", nn.Linear(width, config.out_features))
    return model


def make_batch(config: ModuleGraphConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs (batch, in_features) and targets for the loss, from the seed. For the CNN: built-in
    SIGNS pictures (batch, 3, 64, 64) in [0, 1] with their labels (one-hot for MSE)."""
    generator = torch.Generator().manual_seed(config.seed + 1)
    if config.model == "signs_cnn":
        labels = torch.randint(0, NUM_CLASSES, (config.batch,), generator=generator)
        inputs = draw_hands(labels.tolist(), seed=config.seed).float() / 255.0
        if config.loss == "cross_entropy":
            return inputs, labels
        return inputs, F.one_hot(labels, NUM_CLASSES).float()
    inputs = torch.randn(config.batch, config.in_features, generator=generator)
    if config.loss == "cross_entropy":
        targets = torch.randint(0, config.out_features, (config.batch,), generator=generator)
    else:
        targets = torch.randn(config.batch, config.out_features, generator=generator)
    return inputs, targets


def _loss(
    config: ModuleGraphConfig, prediction: torch.Tensor, targets: torch.Tensor
) -> torch.Tensor:
    if config.loss == "cross_entropy":
        return F.cross_entropy(prediction, targets)
    return F.mse_loss(prediction, targets)


def run_module_graph(config: ModuleGraphConfig) -> ModuleGraph:
    """Build the model, run one batch forward, call loss.backward() and record it."""
    model = build_model(config)
    inputs, targets = make_batch(config)
    outputs: dict[str, torch.Tensor] = {}
    layers: list[tuple[str, nn.Module, torch.Tensor, torch.Tensor]] = []
    handles = []
    for name, module in model.named_modules():
        if next(iter(module.children()), None) is not None:
            continue  # only layers (Linear, Conv2d, ReLU, ...), not the blocks that hold them

        def keep(module, args, output, name=name):
            output.retain_grad()
            outputs[f"{name} out"] = output
            layers.append((name, module, args[0], output))

        handles.append(module.register_forward_hook(keep))
    try:
        use_generator(model, torch.Generator().manual_seed(config.seed))  # dropout's mask
        prediction = model(inputs)
    finally:
        for handle in handles:
            handle.remove()
    loss = _loss(config, prediction, targets)
    recorded = record_backward(loss)
    names = {
        "x": inputs,
        "target": targets,
        **dict(model.named_parameters()),
        **outputs,
        "loss": loss,
    }
    return ModuleGraph(config, model, inputs, targets, loss, recorded, names, layers)


def check_module_gradients(graph: ModuleGraph, max_elements: int = 24) -> list[GradientCheck]:
    """Autograd against finite differences (float64) for every parameter of the model."""
    model64 = build_model(graph.config).double()
    inputs = graph.inputs.double()
    targets = graph.targets if graph.config.loss == "cross_entropy" else graph.targets.double()

    def loss(values: dict[str, torch.Tensor]) -> torch.Tensor:
        use_generator(model64, torch.Generator().manual_seed(graph.config.seed))  # same mask
        prediction = torch.func.functional_call(model64, values, (inputs,))
        return _loss(graph.config, prediction, targets)

    leaves = {name: p.detach().double() for name, p in graph.model.named_parameters()}
    return finite_difference_check(loss, leaves, max_elements=max_elements)
