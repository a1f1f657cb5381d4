"""The SIGNS trainer's input pipeline: a Dataset, a DataLoader and torchvision's v2 transforms,
with every random draw from the trainer's own generator (compared with torchvision itself)."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from torch.utils.data import DataLoader, Dataset
from torchvision.transforms import v2

from core.signs import ClassifierConfig, ClassifierTrainer, synthetic_signs, tensor_data
from core.signs.loader import SignsImages, first_batch, time_pipelines, train_loader
from core.signs.transforms import (
    ColorJitter,
    RandomHorizontalFlip,
    RandomRotation,
    train_transform,
)

IMAGE = torch.rand(3, 64, 64, generator=torch.Generator().manual_seed(0))


@pytest.fixture(scope="module")
def data():
    return tensor_data(synthetic_signs(n_train=50, n_test=12, seed=2), val_fraction=0.2)


def torchvision_with_global_seed(transform: v2.Transform, seed: int) -> torch.Tensor:
    """What torchvision's own transform does to IMAGE after torch.manual_seed(seed)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return transform(IMAGE)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda g: RandomHorizontalFlip(0.5, generator=g), lambda: v2.RandomHorizontalFlip(0.5)),
        (lambda g: RandomRotation(30.0, generator=g), lambda: v2.RandomRotation(30.0)),
        (
            lambda g: ColorJitter(brightness=0.4, contrast=0.4, generator=g),
            lambda: v2.ColorJitter(brightness=0.4, contrast=0.4),
        ),
    ],
    ids=["flip", "rotation", "jitter"],
)
def test_our_transforms_are_torchvisions_with_the_numbers_from_a_generator(ours, theirs, seed):
    """The same draws from a generator seeded s as torchvision's from the global one seeded s."""
    expected = torchvision_with_global_seed(theirs(), seed)
    got = ours(torch.Generator().manual_seed(seed))(IMAGE)
    assert torch.equal(got, expected)


def test_the_transforms_leave_torchs_global_generator_alone():
    config = ClassifierConfig(flip=True, rotation=20.0, color_jitter=0.3)
    transform = train_transform(config, torch.Generator().manual_seed(1))
    before = torch.random.get_rng_state()
    for _ in range(20):
        transform(IMAGE)
    assert torch.equal(torch.random.get_rng_state(), before)


def test_the_pipeline_is_a_v2_compose_of_what_the_settings_ask():
    g = torch.Generator()
    steps = train_transform(ClassifierConfig(flip=True, rotation=15.0, color_jitter=0.2), g)
    assert isinstance(steps, v2.Compose)
    assert [type(t) for t in steps.transforms] == [
        RandomHorizontalFlip,
        RandomRotation,
        ColorJitter,
    ]
    off = train_transform(ClassifierConfig(flip=False), g)
    assert [type(t) for t in off.transforms] == [v2.Identity]
    assert torch.equal(off(IMAGE), IMAGE)


def test_the_trainer_reads_its_batches_from_a_dataloader_over_a_dataset(data):
    trainer = ClassifierTrainer(ClassifierConfig(model="mlp", batch_size=8, rotation=10.0), data)
    assert isinstance(trainer.loader, DataLoader) and isinstance(trainer.loader.dataset, Dataset)
    assert isinstance(trainer.loader.dataset.transform, v2.Compose)
    assert trainer.loader.generator is trainer.generator  # shuffling from the run's generator
    n = len(data.train_labels)
    assert trainer.batches_per_epoch == len(trainer.loader) == -(-n // 8)
    trainer.run(trainer.batches_per_epoch)
    assert trainer.epoch == 1 and trainer.images_seen == n


def test_a_batch_comes_out_of_the_loader_shaped_for_the_model(data):
    batch = first_batch(data.train_images, data.train_labels, ClassifierConfig(batch_size=16), 0)
    assert batch.images.shape == (16, 3, 64, 64) and batch.images.dtype == torch.float32
    assert batch.labels.shape == (16,) and batch.labels.dtype == torch.int64
    assert "torch.Size([16, 3, 64, 64])" in batch.shape_line and "torch.float32" in batch.shape_line
    again = first_batch(data.train_images, data.train_labels, ClassifierConfig(batch_size=16), 0)
    other = first_batch(data.train_images, data.train_labels, ClassifierConfig(batch_size=16), 1)
    assert torch.equal(batch.images, again.images) and torch.equal(batch.labels, again.labels)
    assert not torch.equal(batch.labels, other.labels)


def test_a_last_batch_of_one_is_dropped_only_for_batch_norm(data):
    images, labels = data.train_images[:33], data.train_labels[:33]
    g = torch.Generator()
    config = ClassifierConfig(batch_size=8)
    assert len(train_loader(images, labels, config, g, needs_pairs=True)) == 4
    assert len(train_loader(images, labels, config, g, needs_pairs=False)) == 5
    trainer = ClassifierTrainer(config, replace(data, train_images=images, train_labels=labels))
    assert trainer.needs_pairs and trainer.batches_per_epoch == 4
    trainer.run(4)
    assert trainer.epoch == 1 and trainer.images_seen == 32


def test_both_pipelines_train_and_repeat_bit_for_bit(data):
    config = ClassifierConfig(model="mlp", batch_size=8, epochs=1, rotation=10.0)
    for pipeline in ("loader", "tensors"):
        first = ClassifierTrainer(config, data, pipeline=pipeline)
        second = ClassifierTrainer(config, data, pipeline=pipeline)
        first.run(100)
        second.run(100)
        assert first.done and first.batch_losses == second.batch_losses
    with pytest.raises(ValueError, match="pipeline"):
        ClassifierTrainer(config, data, pipeline="fast")


def test_the_dataset_refuses_labels_that_do_not_match():
    with pytest.raises(ValueError, match="one label per image"):
        SignsImages(torch.zeros(4, 3, 64, 64), torch.zeros(3, dtype=torch.int64))


def test_the_batch_shown_holds_the_stored_pictures_and_their_flips(data):
    config = ClassifierConfig(batch_size=12, flip=True)
    batch = first_batch(data.train_images, data.train_labels, config, seed=4)
    flipped = [torch.equal(a, b.flip(-1)) for a, b in zip(batch.images, batch.stored, strict=True)]
    same = [torch.equal(a, b) for a, b in zip(batch.images, batch.stored, strict=True)]
    assert all(f or s for f, s in zip(flipped, same, strict=True)) and any(flipped)
    stored = {tuple(image.flatten()[:50].tolist()) for image in data.train_images}
    assert all(tuple(image.flatten()[:50].tolist()) in stored for image in batch.stored)


def test_both_pipelines_are_timed_on_the_same_images(data):
    config = ClassifierConfig(batch_size=8, rotation=10.0)
    timing = time_pipelines(data.train_images, data.train_labels, config, max_images=24, rounds=1)
    assert timing.images == 24 and timing.loader_seconds > 0 and timing.tensors_seconds > 0
    assert timing.ratio == timing.loader_seconds / timing.tensors_seconds


def test_the_code_shown_for_the_pipeline_runs_and_gives_the_shapes_it_promises(data, capsys):
    """The page's two code boxes, run as a notebook would (our own generated text, not input)."""
    from core.signs.loader import loader_code
    from core.signs.transforms import transform_code

    config = ClassifierConfig(batch_size=8, rotation=15.0, color_jitter=0.2)
    source = transform_code(config) + "\n\n" + loader_code(config)
    namespace = {"X_train": data.train_images, "y_train": data.train_labels}
    with torch.random.fork_rng(devices=[]):  # the snippet seeds torch, as a notebook does
        exec(compile(source, "snippet", "exec"), namespace)  # noqa: S102
    assert namespace["images"].shape == (8, 3, 64, 64)
    assert "torch.Size([8, 3, 64, 64]) torch.float32 torch.Size([8])" in capsys.readouterr().out


@pytest.mark.parametrize("model", ["mlp", "signs_cnn"])
def test_the_show_code_loop_runs_on_the_loader_the_data_tab_shows(data, capsys, model):
    """Data tab's transforms and DataLoader, then the Train tab's "Show code" loop, run as one
    notebook would run them: it trains through the loader and prints a validation accuracy."""
    from core.signs import models
    from core.signs.export import training_snippet
    from core.signs.loader import loader_code
    from core.signs.transforms import transform_code

    config = ClassifierConfig(model=model, batch_size=16, epochs=1, rotation=10.0)
    source = "\n\n".join([transform_code(config), loader_code(config), training_snippet(config)])
    namespace = {
        "X_train": data.train_images,
        "y_train": data.train_labels,
        "X_val": data.val_images,
        "y_val": data.val_labels,
        **{cls.__name__: cls for cls in models.MODEL_CLASSES.values()},
    }
    with torch.random.fork_rng(devices=[]):  # the snippet seeds torch, as a notebook does
        exec(compile(source, "snippet", "exec"), namespace)  # noqa: S102
    assert "epoch 1: val accuracy" in capsys.readouterr().out
    assert "train_loader" in training_snippet(config) and "randperm" not in training_snippet(config)
