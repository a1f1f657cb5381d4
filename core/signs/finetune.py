"""Fine-tuning a trained SIGNS model: freeze its backbone, give it a new head, train the head.

The course's recipe for a pretrained network (torchvision, Torch Hub, or weights a student
uploads): every parameter gets `requires_grad_(False)`, the last layer is replaced by a fresh
`nn.Linear` with as many outputs as the new data has classes (its parameters are trainable), and
the optimizer is given only the parameters that still require grad. The backbone stays in
`eval()` mode while the head learns, so batch norm keeps the running statistics the backbone
learnt. `parameter_changes` compares every tensor before and after, to show what moved.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import nn

from core.randomness import build
from core.signs.config import ClassifierError
from core.signs.data import TensorData

FINETUNE_LR = 1e-2  # Adam on the head alone: a fresh layer on frozen features learns fast
MAX_FINETUNE_BATCHES = 200


def head_name(model: nn.Module) -> str:
    """The name of the model's last layer, the one fine-tuning replaces ("classifier.5", "fc")."""
    if isinstance(getattr(model, "fc", None), nn.Linear):  # torchvision's ResNets
        return "fc"
    classifier = getattr(model, "classifier", None)
    if isinstance(classifier, nn.Sequential) and isinstance(classifier[-1], nn.Linear):
        return f"classifier.{len(classifier) - 1}"
    raise ClassifierError("This model has no last linear layer to replace.")


def with_new_head(
    model: nn.Module, num_classes: int, generator: torch.Generator
) -> tuple[nn.Module, str]:
    """A copy of `model` with every parameter frozen (`requires_grad_(False)`) and its last layer
    replaced by a fresh, trainable `nn.Linear(in_features, num_classes)` drawn from `generator`.
    Returns (the copy, the head's name). `model` itself is not changed."""
    if not 2 <= num_classes <= 10:
        raise ClassifierError(f"The new head needs 2 to 10 classes, not {num_classes}.")
    twin = copy.deepcopy(model).cpu()
    name = head_name(twin)
    twin.requires_grad_(False)  # the backbone: frozen
    old = twin.get_submodule(name)
    # built on the meta device, then drawn from `generator`: torch's global one is not touched
    head = build(lambda: nn.Linear(old.in_features, num_classes), generator)  # requires grad
    parent, _, child = name.rpartition(".")
    setattr(twin.get_submodule(parent) if parent else twin, child, head)
    return twin, name


@dataclass(frozen=True)
class ParameterChange:
    """One tensor of the model: was it trained, and did training change it?"""

    name: str
    kind: str  # "parameter" or "buffer" (batch norm's running statistics)
    shape: tuple[int, ...]
    trainable: bool  # requires_grad (buffers never)
    changed: bool  # any element differs from before training


def parameter_changes(before: dict[str, torch.Tensor], model: nn.Module) -> list[ParameterChange]:
    """Compare `model`'s tensors with `before` (a state_dict taken before training, after the
    head was replaced): one row per parameter, then per floating-point buffer."""
    rows = []
    for name, param in model.named_parameters():
        changed = not torch.equal(before[name], param.detach().cpu())
        rows.append(
            ParameterChange(name, "parameter", tuple(param.shape), param.requires_grad, changed)
        )
    for name, buffer in model.named_buffers():
        if buffer.is_floating_point():
            changed = not torch.equal(before[name], buffer.cpu())
            rows.append(ParameterChange(name, "buffer", tuple(buffer.shape), False, changed))
    return rows


@dataclass
class FineTuned:
    """A fine-tuned model, the head's name, the losses of its batches and the change table."""

    model: nn.Module
    head: str
    losses: list[float]
    changes: list[ParameterChange]


def fine_tune(
    model: nn.Module,
    data: TensorData,
    batches: int = 60,
    batch_size: int = 32,
    lr: float = FINETUNE_LR,
    seed: int = 0,
) -> FineTuned:
    """Freeze `model`, give it a new head for `data`'s classes, and train the head alone for
    `batches` batches of `data`'s training images (Adam over the trainable parameters only).
    The batches and the new head's weights come from a generator seeded `seed`."""
    if len(data.train_labels) < 2:
        raise ClassifierError("Fine-tuning needs at least two training images.")
    if not 1 <= batches <= MAX_FINETUNE_BATCHES:
        raise ClassifierError(f"Fine-tune for 1 to {MAX_FINETUNE_BATCHES} batches, not {batches}.")
    generator = torch.Generator().manual_seed(seed)
    twin, head = with_new_head(model, len(data.classes), generator)
    before = {k: v.detach().clone() for k, v in twin.state_dict().items()}
    trainable = [p for p in twin.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(trainable, lr=lr)  # only the new head's parameters
    loss_fn = nn.CrossEntropyLoss()
    twin.eval()  # the backbone keeps its batch norm statistics and drops nothing
    twin.get_submodule(head).train()
    losses = []
    size = max(2, min(batch_size, len(data.train_labels)))
    order, position = torch.randperm(len(data.train_labels), generator=generator), 0
    for _ in range(batches):
        if position + size > len(order):
            order, position = torch.randperm(len(data.train_labels), generator=generator), 0
        index = order[position : position + size]
        position += size
        loss = loss_fn(twin(data.train_images[index]), data.train_labels[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return FineTuned(twin, head, losses, parameter_changes(before, twin))
