"""core.signs.finetune against torch: a frozen backbone stays bit for bit, the new head learns,
and the change table is what comparing the tensors says."""

from __future__ import annotations

import torch

from core.signs import build_model, synthetic_signs, tensor_data
from core.signs.finetune import fine_tune, head_name, parameter_changes, with_new_head


def four_class_data():
    data = tensor_data(synthetic_signs(n_train=48, n_test=12, seed=5), val_fraction=0.0)
    keep = data.train_labels < 4
    data.train_images, data.train_labels = data.train_images[keep], data.train_labels[keep]
    data.classes = ["fist", "one", "two", "three"]
    return data


def test_the_new_head_replaces_the_last_layer_and_only_it_requires_grad():
    model = build_model("small_cnn")
    twin, head = with_new_head(model, 4, torch.Generator().manual_seed(0))
    assert head == head_name(model) == "classifier.5"
    assert twin.get_submodule(head).weight.shape == (4, 32)
    trainable = [name for name, p in twin.named_parameters() if p.requires_grad]
    assert trainable == ["classifier.5.weight", "classifier.5.bias"]
    assert all(p.requires_grad for p in model.parameters())  # the original is untouched
    assert model.classifier[5].weight.shape == (6, 32)
    assert head_name(build_model("resnet18")) == "fc"


def test_fine_tuning_changes_the_head_only_and_the_table_says_so():
    model = build_model("small_cnn", generator=torch.Generator().manual_seed(3))
    original = {k: v.clone() for k, v in model.state_dict().items()}
    data = four_class_data()
    done = fine_tune(model, data, batches=6, batch_size=8, seed=1)
    tuned = done.model.state_dict()
    for key, tensor in original.items():
        if not key.startswith("classifier.5."):  # the backbone: parameters and buffers
            assert torch.equal(tuned[key], tensor), key
    assert tuned["classifier.5.weight"].shape == (4, 32)
    # the table is what torch.equal says, tensor by tensor, against the fresh head too
    fresh, _ = with_new_head(model, 4, torch.Generator().manual_seed(1))
    before = fresh.state_dict()
    for row in done.changes:
        assert row.changed == (not torch.equal(before[row.name], tuned[row.name])), row.name
        assert row.trainable == row.name.startswith("classifier.5.")
    assert {r.name for r in done.changes if r.changed} == {
        "classifier.5.weight",
        "classifier.5.bias",
    }
    assert any(r.kind == "buffer" for r in done.changes)  # batch norm's statistics are listed
    # gradients reached the head alone
    assert all(p.grad is None for n, p in done.model.named_parameters() if not p.requires_grad)
    assert done.model.classifier[5].weight.grad is not None
    assert len(done.losses) == 6 and done.losses[-1] < done.losses[0]
    assert torch.equal(model.state_dict()["classifier.5.weight"], original["classifier.5.weight"])


def test_the_change_table_compares_buffers_too():
    model = build_model("small_cnn")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    model(torch.rand(4, 3, 64, 64))  # a train-mode pass moves batch norm's running statistics
    rows = {r.name: r for r in parameter_changes(before, model)}
    assert (
        rows["features.0.1.running_mean"].changed
        and rows["features.0.1.running_mean"].kind == "buffer"
    )
    assert not rows["features.0.0.weight"].changed


def test_fine_tuning_draws_nothing_from_torchs_global_generator():
    model = build_model("small_cnn")
    data = four_class_data()
    state = torch.get_rng_state()
    first = fine_tune(model, data, batches=2, batch_size=8, seed=4)
    assert torch.equal(torch.get_rng_state(), state)
    torch.manual_seed(12345)  # whatever the global generator holds, the same seed: the same head
    second = fine_tune(model, data, batches=2, batch_size=8, seed=4)
    for key, tensor in first.model.state_dict().items():
        assert torch.equal(second.model.state_dict()[key], tensor), key
