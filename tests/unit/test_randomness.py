"""core.randomness and the generator-driven Dropout against torch itself.

The reference in each test is PyTorch's own behaviour under `torch.manual_seed` (inside
`fork_rng`, so the test leaves the global generator as it found it).
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from core.graph.module_code import module_code
from core.graph.modules import ModuleGraphConfig, run_module_graph
from core.graph.modules import build_model as build_graph_model
from core.randomness import build, initialise
from core.signs import ClassifierConfig, export_script
from core.signs.models import (
    MLP,
    Dropout,
    SignsCNN,
    TinyVGG,
    build_model,
    class_source,
    use_generator,
)


def torch_built(make, seed: int) -> nn.Module:
    """`make()` as PyTorch builds it after torch.manual_seed(seed)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return make()


def assert_same_state(ours: nn.Module, theirs: nn.Module) -> None:
    mine, reference = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(reference)
    for key, value in reference.items():
        assert mine[key].dtype == value.dtype and mine[key].device == value.device
        assert torch.equal(mine[key], value), key


LAYERS = {
    "linear": lambda: nn.Linear(7, 5),
    "linear without bias": lambda: nn.Linear(7, 5, bias=False),
    "conv1d": lambda: nn.Conv1d(3, 4, 5),
    "conv2d": lambda: nn.Conv2d(3, 8, 3, padding=1),
    "conv_transpose2d": lambda: nn.ConvTranspose2d(4, 2, 3),
    "norms and a stack": lambda: nn.Sequential(
        nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.LayerNorm(16),
        nn.Linear(16, 3), nn.BatchNorm1d(3),
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", LAYERS)
def test_build_draws_pytorchs_default_init_from_the_generator(name):
    make = LAYERS[name]
    before = torch.random.get_rng_state()
    ours = build(make, torch.Generator().manual_seed(42))
    assert torch.equal(torch.random.get_rng_state(), before)  # not one global draw
    assert_same_state(ours, torch_built(make, 42))
    other = build(make, torch.Generator().manual_seed(43)).state_dict()
    weight = next(key for key in other if key.endswith("weight"))  # a Linear / conv weight
    assert not torch.equal(other[weight], ours.state_dict()[weight])  # the seed matters


@pytest.mark.parametrize("model_class", [SignsCNN, TinyVGG, MLP])
def test_the_signs_models_get_the_weights_of_torch_manual_seed(model_class):
    name = {SignsCNN: "signs_cnn", TinyVGG: "tinyvgg", MLP: "mlp"}[model_class]
    before = torch.random.get_rng_state()
    ours = build_model(name, generator=torch.Generator().manual_seed(3))
    assert torch.equal(torch.random.get_rng_state(), before)
    assert_same_state(ours, torch_built(model_class, 3))


def test_resnet18_gets_torchvisions_initialisation_without_global_draws():
    from torchvision.models import resnet18

    before = torch.random.get_rng_state()
    ours = build_model("resnet18", generator=torch.Generator().manual_seed(0))
    assert torch.equal(torch.random.get_rng_state(), before)
    theirs = torch_built(lambda: resnet18(weights=None, num_classes=6), 0)
    for (key, mine), (_, reference) in zip(
        ours.state_dict().items(), theirs.state_dict().items(), strict=True
    ):
        assert mine.shape == reference.shape
        if mine.is_floating_point() and mine.numel() > 1000:  # same distribution, other draws
            assert mine.mean().item() == pytest.approx(reference.mean().item(), abs=0.01), key
            assert mine.std().item() == pytest.approx(reference.std().item(), rel=0.05), key
        elif not mine.is_floating_point() or "bn" in key:  # ones, zeros, counters: exactly
            assert torch.equal(mine, reference), key


def test_initialise_refuses_a_layer_it_does_not_know():
    with pytest.raises(TypeError, match="Embedding"):
        initialise(nn.Sequential(nn.Embedding(4, 2)), torch.Generator())


def test_dropout_scales_and_drops_as_nn_dropout_does():
    x = torch.randn(400, 250, generator=torch.Generator().manual_seed(0))
    ours = Dropout(0.3)
    ours.generator = torch.Generator().manual_seed(1)
    theirs = torch_built(lambda: nn.Dropout(0.3)(x), 1)
    dropped = ours(x)
    kept = (dropped != 0) & (theirs != 0)
    assert kept.sum() > 40_000
    assert torch.equal(dropped[kept], theirs[kept])  # the same 1 / (1 - p) scaling, bit for bit
    assert (dropped == 0).float().mean().item() == pytest.approx(0.3, abs=0.01)
    x.requires_grad_(True)
    ours.generator = torch.Generator().manual_seed(1)
    ours(x).sum().backward()
    assert torch.equal(x.grad, (dropped != 0).float() / 0.7)
    assert torch.equal(ours.eval()(x), x) and torch.equal(Dropout(0.0)(x), x)
    assert torch.equal(Dropout(1.0)(x.detach()), nn.Dropout(1.0)(x.detach()))


def test_dropout_masks_follow_the_generator_not_the_global_one():
    x = torch.ones(64, 32)
    layer = Dropout(0.5)
    layer.generator = torch.Generator().manual_seed(5)
    first = layer(x)
    torch.manual_seed(123)  # someone else seeding torch's generator changes nothing
    second = layer(x)
    layer.generator = torch.Generator().manual_seed(5)
    assert torch.equal(layer(x), first) and not torch.equal(first, second)


def test_the_exported_dropout_draws_the_pages_masks_from_torch_manual_seed():
    """The script holds the same class source; left without a generator it draws from torch's
    global generator, so after torch.manual_seed(s) it gives the page's masks for seed s."""
    source = class_source(MLP)
    assert source in export_script(ClassifierConfig(model="mlp"))
    assert "class Dropout(nn.Dropout)" in source
    namespace = {"torch": torch, "nn": nn}
    exec(compile(source, "<exported MLP>", "exec"), namespace)  # our own code, not user input
    script_model = namespace["MLP"](num_classes=6, dropout=0.3)
    page_model = build_model("mlp", dropout=0.3, generator=torch.Generator().manual_seed(8))
    script_model.load_state_dict(page_model.state_dict())
    images = torch.rand(5, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    use_generator(page_model.train(), torch.Generator().manual_seed(9))
    expected = torch_built(lambda: script_model.train()(images), 9)
    assert torch.equal(page_model(images), expected)


def test_the_autograd_pages_cnn_graph_leaves_the_global_generator_alone():
    before = torch.random.get_rng_state()
    graph = run_module_graph(ModuleGraphConfig(model="signs_cnn", batch=2, loss="cross_entropy"))
    assert torch.equal(torch.random.get_rng_state(), before)
    again = run_module_graph(ModuleGraphConfig(model="signs_cnn", batch=2, loss="cross_entropy"))
    assert torch.equal(graph.loss, again.loss)


def test_the_autograd_pages_mlp_has_the_weights_of_its_notebook_code():
    """module_code writes torch.manual_seed(seed) and nn.Sequential(...): the page's weights."""
    config = ModuleGraphConfig(model="mlp", in_features=3, hidden=4, layers=3, seed=6)
    before = torch.random.get_rng_state()
    ours = build_graph_model(config)
    assert torch.equal(torch.random.get_rng_state(), before)
    theirs = torch_built(
        lambda: nn.Sequential(
            nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2)
        ),
        6,
    )
    assert [p.tolist() for p in ours.parameters()] == [p.tolist() for p in theirs.parameters()]
    assert "torch.manual_seed(6)" in module_code(config)
