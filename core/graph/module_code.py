"""A module graph as notebook code: the same model, batch, loss and backward in plain PyTorch."""

from __future__ import annotations

from core.graph.modules import ModuleGraphConfig
from core.signs.models import SignsCNN, class_source


def module_code(config: ModuleGraphConfig) -> str:
    """The same model, batch, loss and backward as plain PyTorch for a notebook."""
    if config.model == "signs_cnn":
        return _cnn_code(config)
    if config.model == "linear":
        layers = [f"nn.Linear({config.in_features}, {config.out_features})"]
    else:
        layers, width = [], config.in_features
        for _ in range(1, config.layers):
            layers += [f"nn.Linear({width}, {config.hidden})", "nn.ReLU()"]
            width = config.hidden
        layers.append(f"nn.Linear({width}, {config.out_features})")
    body = ",\n    ".join(layers)
    if config.loss == "cross_entropy":
        target = f"y = torch.randint(0, {config.out_features}, ({config.batch},))"
        loss = "loss = nn.CrossEntropyLoss()(model(x), y)"
    else:
        target = f"y = torch.randn({config.batch}, {config.out_features})"
        loss = "loss = nn.MSELoss()(model(x), y)"
    return (
        "import torch\n"
        "from torch import nn\n\n"
        f"torch.manual_seed({config.seed})\n"
        f"model = nn.Sequential(\n    {body},\n)\n"
        f"x = torch.randn({config.batch}, {config.in_features})\n"
        f"{target}\n"
        f"{loss}\n"
        "loss.backward()\n\n"
        "for name, p in model.named_parameters():\n"
        "    print(name, tuple(p.shape), p.grad)\n\n"
        "# The graph picture (pip install torchviz):\n"
        "# from torchviz import make_dot; make_dot(loss, dict(model.named_parameters()))\n"
    )


def _cnn_code(config: ModuleGraphConfig) -> str:
    source = class_source(SignsCNN)  # self-contained: needs only torch and nn
    if config.loss == "cross_entropy":
        loss = "loss = nn.CrossEntropyLoss()(model(x), y)"
    else:
        loss = "loss = nn.MSELoss()(model(x), nn.functional.one_hot(y, 6).float())"
    return (
        "import torch\n"
        "from torch import nn\n\n\n"
        f"{source}\n\n"
        f"torch.manual_seed({config.seed})\n"
        "model = SignsCNN(num_classes=6)  "
        "# train mode: batch norm on batch statistics, dropout on\n"
        f"x = torch.rand({config.batch}, 3, 64, 64)  # or a batch of SIGNS pictures in [0, 1]\n"
        f"y = torch.randint(0, 6, ({config.batch},))\n"
        f"{loss}\n"
        "loss.backward()\n\n"
        "for name, p in model.named_parameters():\n"
        "    print(name, tuple(p.shape), p.grad.norm())\n\n"
        "# The graph picture (pip install torchviz):\n"
        "# from torchviz import make_dot; make_dot(loss, dict(model.named_parameters()))\n"
    )
