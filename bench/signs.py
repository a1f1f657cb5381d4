"""SIGNS training speed and accuracy: `python -m bench signs`.

Same model (the course CNN), same 1080 built-in training images, same batch size and flip
augmentation, measured alternately in one run:
  (a) seed   the seed's pipeline: a Dataset that opens and decodes a JPEG file from disk per
             image through torchvision transforms, batched by a DataLoader;
  (b) plain  a plain loop over preloaded tensors (the page's "Show code" loop);
  (c) ours   ClassifierTrainer driven in time-budget ticks, exactly as the page's fragment does.
Then the default ClassifierConfig is trained on the default built-in set until its test accuracy
reaches 95%. Last line: ratio = c/b, vs_seed = c/a, test_accuracy, seconds_to_95.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

from bench.report import emit
from core.classifier import ClassifierConfig, ClassifierTrainer, TensorData, evaluate, tensor_data
from core.signs.models import build_model
from core.signs_data import synthetic_signs

BATCHES = 10  # batches per measurement (320 images at batch size 32)
ROUNDS = 3  # alternated rounds; the median is reported
TICK_SECONDS = 0.7  # the page's fragment tick
TARGET = 0.95


def _write_jpegs(images: torch.Tensor, labels: torch.Tensor, folder: Path) -> None:
    from PIL import Image

    folder.mkdir(parents=True)
    pixels = (images.permute(0, 2, 3, 1) * 255).round().byte().numpy()
    for i, (picture, label) in enumerate(zip(pixels, labels.tolist(), strict=True)):
        Image.fromarray(picture).save(folder / f"{label}_IMG_{i}.jpg", quality=95)


def _seed_loader(folder: Path, batch_size: int):
    """The seed's SIGNSDataset + transforms + DataLoader (num_workers=0: workers do not help on 2 cores)."""
    from PIL import Image
    from torch.utils.data import DataLoader, Dataset
    from torchvision import transforms

    class SIGNSDataset(Dataset):
        def __init__(self, data_dir, transform):
            self.filenames = [os.path.join(data_dir, f) for f in sorted(os.listdir(data_dir))]
            self.labels = [int(os.path.basename(f)[0]) for f in self.filenames]
            self.transform = transform

        def __len__(self):
            return len(self.filenames)

        def __getitem__(self, idx):
            image = Image.open(self.filenames[idx])
            return self.transform(image), self.labels[idx]

    transform = transforms.Compose(
        [transforms.Resize(64), transforms.RandomHorizontalFlip(), transforms.ToTensor()]
    )
    return DataLoader(
        SIGNSDataset(folder, transform), batch_size=batch_size, shuffle=True, num_workers=0
    )


def _model_and_optimizer(config: ClassifierConfig):
    generator = torch.Generator().manual_seed(config.seed)  # as the trainer draws its weights
    model = build_model(config.model, dropout=config.dropout, generator=generator)
    return model, torch.optim.Adam(model.parameters(), lr=config.lr)


def measure_seed(folder: Path, config: ClassifierConfig) -> float:
    model, optimizer = _model_and_optimizer(config)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    seen, start = 0, time.perf_counter()
    for step, (images, labels) in enumerate(_seed_loader(folder, config.batch_size)):
        if step == BATCHES:
            break
        loss = loss_fn(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss.item()
        seen += len(labels)
    return seen / (time.perf_counter() - start)


def measure_plain(images: torch.Tensor, labels: torch.Tensor, config: ClassifierConfig) -> float:
    model, optimizer = _model_and_optimizer(config)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    order = torch.randperm(len(labels))
    seen, start = 0, time.perf_counter()
    for step in range(BATCHES):
        index = order[step * config.batch_size : (step + 1) * config.batch_size]
        x, y = images[index], labels[index]
        flip = torch.rand(len(x)) < 0.5
        x = torch.where(flip[:, None, None, None], x.flip(-1), x)
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss.item()
        seen += len(y)
    return seen / (time.perf_counter() - start)


def measure_ours(data: TensorData, config: ClassifierConfig) -> float:
    trainer = ClassifierTrainer(config, data)
    start = time.perf_counter()
    while trainer.batches_done < BATCHES:
        trainer.run_for(TICK_SECONDS, max_batches=BATCHES - trainer.batches_done)
    return trainer.images_seen / (time.perf_counter() - start)


def time_to_target(config: ClassifierConfig, data: TensorData) -> dict:
    """Train `config` epoch by epoch; stop at TARGET test accuracy or after its epochs."""
    trainer = ClassifierTrainer(config, data)
    training_seconds, reached_at, accuracy = 0.0, None, 0.0
    while not trainer.done:
        start = time.perf_counter()
        report = trainer.run_for(TICK_SECONDS)
        training_seconds += time.perf_counter() - start
        if report.new_epochs:
            accuracy = evaluate(trainer.model, data.test_images, data.test_labels).accuracy
            emit(
                {
                    "epoch": trainer.epoch,
                    "test_accuracy": round(accuracy, 4),
                    "seconds": round(training_seconds, 1),
                    "val_accuracy": report.new_epochs[-1].val_accuracy,
                }
            )
            if accuracy >= TARGET:
                reached_at = training_seconds
                break
    return {"test_accuracy": accuracy, "seconds_to_95": reached_at, "epochs": trainer.epoch}


def main() -> None:
    config = ClassifierConfig()
    emit(
        {
            "benchmark": "signs",
            "threads": torch.get_num_threads(),
            "load_average": os.getloadavg()[0],
            "model": config.model,
            "batch_size": config.batch_size,
        }
    )
    start = time.perf_counter()
    signs = synthetic_signs()  # the default built-in set: 1080 train / 120 test
    emit({"built_in_set_seconds": round(time.perf_counter() - start, 1)})
    everything = tensor_data(
        signs, val_fraction=0.0
    )  # (a), (b), (c) all see the 1080 training images
    speed: dict[str, list[float]] = {"seed": [], "plain": [], "ours": []}
    bench_config = ClassifierConfig(val_fraction=0.0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "train_signs"
        _write_jpegs(everything.train_images, everything.train_labels, folder)
        for round_number in range(ROUNDS):
            speed["seed"].append(measure_seed(folder, bench_config))
            speed["plain"].append(
                measure_plain(everything.train_images, everything.train_labels, bench_config)
            )
            speed["ours"].append(measure_ours(everything, bench_config))
            emit({"round": round_number + 1, **{k: round(v[-1], 1) for k, v in speed.items()}})
    median = {k: statistics.median(v) for k, v in speed.items()}
    result = time_to_target(config, tensor_data(signs, val_fraction=config.val_fraction))
    emit(
        {
            "benchmark": "signs",
            "ratio": round(median["ours"] / median["plain"], 3),
            "vs_seed": round(median["ours"] / median["seed"], 3),
            "images_per_s": {k: round(v, 1) for k, v in median.items()},
            "test_accuracy": round(result["test_accuracy"], 4),
            "seconds_to_95": None
            if result["seconds_to_95"] is None
            else round(result["seconds_to_95"], 1),
            "epochs": result["epochs"],
            "load_average": os.getloadavg()[0],
        }
    )
