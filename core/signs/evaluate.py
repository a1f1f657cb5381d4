"""A trained model judged: test metrics (Evaluation), one picture's prediction, train vs eval mode."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from core.evaluation import evaluating
from core.parallel import run_pieces
from core.signs.models import use_generator

EVAL_BATCH = 64  # validation/test pieces on the CPU: each runs on one core, several at once
GPU_EVAL_BATCH = 256  # on a GPU: one after another, so larger


@dataclass(frozen=True)
class Evaluation:
    """Test results. Tensors are on the CPU; confusion[i, j] counts true class i predicted as j."""

    loss: float
    accuracy: float
    per_class_accuracy: list[float | None]  # None for a class with no test images
    confusion: torch.Tensor  # (C, C) int64
    probabilities: torch.Tensor  # (N, C) softmax
    predictions: torch.Tensor  # (N,)
    labels: torch.Tensor  # (N,)

    @property
    def misclassified(self) -> list[int]:
        """Indices of the images the model got wrong, most confident mistakes first."""
        wrong = torch.nonzero(self.predictions != self.labels).flatten()
        confidence = self.probabilities[wrong, self.predictions[wrong]]
        return wrong[torch.argsort(confidence, descending=True)].tolist()


def evaluate(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    device: torch.device | str | None = None,
    num_classes: int | None = None,
) -> Evaluation:
    """Loss, accuracy, per-class accuracy, confusion matrix and softmax for every image.

    Runs in `model.eval()` under `torch.no_grad()` in pieces of EVAL_BATCH (on the CPU, on the
    job's cores: core.parallel; GPU_EVAL_BATCH on a GPU); the model's mode is
    restored afterwards. The number of classes is the model's output width unless given.
    """
    device = torch.device(device) if device is not None else next(model.parameters()).device

    size = EVAL_BATCH if device.type == "cpu" else GPU_EVAL_BATCH

    def part(start: int):
        def run() -> torch.Tensor:
            with torch.no_grad():  # grad mode is per thread: a piece's worker needs its own
                return model(images[start : start + size].to(device)).float().cpu()

        return run

    parts = [part(start) for start in range(0, len(labels), size)]
    with evaluating(model):  # read-only in eval mode: the CPU's pieces can share the model
        if device.type == "cpu":  # fixed pieces on the job's cores (core.parallel)
            logits_parts = run_pieces(parts)
        else:
            logits_parts = [run() for run in parts]
    labels = labels.cpu().long()
    if num_classes is None:
        num_classes = logits_parts[0].shape[1] if logits_parts else 6
    logits = torch.cat(logits_parts) if logits_parts else torch.zeros(0, num_classes)
    loss = F.cross_entropy(logits, labels).item() if len(labels) else float("nan")
    probabilities = logits.softmax(dim=1)
    predictions = probabilities.argmax(dim=1)
    confusion = torch.zeros(num_classes, num_classes, dtype=torch.long)
    confusion.index_put_((labels, predictions), torch.ones_like(labels), accumulate=True)
    totals = confusion.sum(dim=1)
    per_class = [
        (confusion[c, c].item() / totals[c].item()) if totals[c] else None
        for c in range(num_classes)
    ]
    # counted, then divided in Python: 114 of 120 is 0.95 exactly (a float32 mean gives 0.9499999,
    # which a "reached 95 %" check would miss while the page shows 95.0 %)
    accuracy = (predictions == labels).sum().item() / len(labels) if len(labels) else float("nan")
    return Evaluation(loss, accuracy, per_class, confusion, probabilities, predictions, labels)


def predict(model: nn.Module, image: torch.Tensor) -> torch.Tensor:
    """Softmax probabilities (C,) for one image (3, 64, 64), in eval mode under no_grad."""
    device = next(model.parameters()).device
    with evaluating(model):
        logits = model(image.unsqueeze(0).to(device))  # (1, C)
    return logits.softmax(dim=1)[0].float().cpu()


def compare_modes(
    model: nn.Module,
    image: torch.Tensor,
    companions: torch.Tensor,
    repeats: int = 5,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Predict `image` `repeats` times in train mode and in eval mode: (train (R, C), eval (R, C)).

    In train mode dropout drops different units each time and batch norm normalises with the
    statistics of the batch, so the image is sent with a few random `companions` (K, 3, 64, 64)
    as a real training batch would be. The model is copied first: a train-mode forward pass
    updates batch norm's running statistics, and the real model must not change. Companions and
    dropout masks come from a generator seeded `seed` (torch's global generator is not touched).
    """
    device = next(model.parameters()).device
    generator = torch.Generator().manual_seed(seed)  # companions and dropout masks, from `seed`
    twin = use_generator(copy.deepcopy(model), generator)
    train_rows, eval_rows = [], []
    # eval mode first, on the model's own statistics: train-mode passes move the twin's batch
    # norm running statistics, and the eval rows must be what predict() shows beside them
    with evaluating(twin):
        for _ in range(repeats):
            eval_rows.append(twin(image.unsqueeze(0).to(device))[0].softmax(0).float().cpu())
    with torch.no_grad():
        twin.train()
        for _ in range(repeats):
            pick = torch.randperm(len(companions), generator=generator)[:15]
            batch = torch.cat([companions[pick], image.unsqueeze(0)]).to(device)
            train_rows.append(twin(batch)[-1].softmax(0).float().cpu())
    return torch.stack(train_rows), torch.stack(eval_rows)
