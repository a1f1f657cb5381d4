"""The steppable SIGNS trainer: ClassifierTrainer with run(n) / run_for(seconds), and its records.

The trainer reads its batches as the course does: a `torch.utils.data.Dataset` of the preloaded
images (decoded once: no JPEG decoding in the loop) whose items pass through the torchvision v2
augmentation, batched and shuffled by a `DataLoader` (core.signs.loader), each batch moved to
the training device. `pipeline="tensors"` keeps the older way for comparison (bench signs): all
images on the device, indices shuffled each epoch, batches sliced out and augmented as a whole
(core.signs.augment). Training runs in `model.train()`; validation in `model.eval()` under
`torch.no_grad()`, as the course insists.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, replace

import torch
from torch import nn

from core.optimizers import build_optimizer
from core.parallel import piece_sizes, run_pieces, run_together
from core.piece_norm import whole_batch_norm
from core.signs.augment import augment_batch
from core.signs.config import OPTIMIZERS, ClassifierConfig, ClassifierError, validate_config
from core.signs.data import TensorData
from core.signs.evaluate import evaluate
from core.signs.models import (
    DROPOUT_MODELS,
    MODEL_INFO,
    Dropout,
    ModelError,
    build_model,
    has_batch_norm,
    use_generator,
)
from core.signs.runtime import explain_runtime_error, training_device


@dataclass(frozen=True)
class EpochRecord:
    """Metrics at the end of one epoch; val fields are None when nothing was held out."""

    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float | None
    val_accuracy: float | None
    seconds: float  # wall time of the epoch's training steps
    images_per_second: float


@dataclass(frozen=True)
class StepReport:
    """What one call of run()/run_for() did."""

    batches: int
    new_epochs: list[EpochRecord]
    done: bool


PIPELINES = ("loader", "tensors")  # the Dataset + DataLoader + v2 transforms; sliced tensors


class ClassifierTrainer:
    """Holds model, optimizer, data and history; `run(n)` / `run_for(seconds)` advance it."""

    def __init__(self, config: ClassifierConfig, data: TensorData, pipeline: str = "loader"):
        if pipeline not in PIPELINES:
            raise ClassifierError(f"The input pipeline is one of {', '.join(PIPELINES)}.")
        self.pipeline = pipeline
        self.config = validate_config(config)
        if len(data.train_labels) == 0:
            raise ClassifierError(
                "There are no training images: pick or load a data set with some."
            )
        self.device, self.device_ids = training_device(config.device)
        # The run's own generators, never torch's global one (every session's thread shares it):
        # model_generator draws the weights, then the dropout masks; generator shuffles and
        # augments. Both start from the seed, so one seed gives one run whatever else trains.
        self.model_generator = torch.Generator().manual_seed(config.seed)
        self.generator = torch.Generator().manual_seed(config.seed)
        dropout = config.dropout if config.model in DROPOUT_MODELS else 0.0
        try:
            model = build_model(
                config.model,
                dropout=dropout,
                num_classes=config.num_classes,
                generator=self.model_generator,
            )
            self.model = model.to(self.device)
            if self.device.type == "cpu":
                # Speed: the conv layers' weights stored channels-last, (out, H, W, in) in memory,
                # so oneDNN's convolutions and their backward skip a layout change each way:
                # measured 1.7x faster per piece on this 2-core box, same bits on any cores (the
                # pieces stay fixed). Only 4-D weights change; the MLP's are as they were.
                self.model.to(memory_format=torch.channels_last)
        except ModelError as error:
            raise ClassifierError(str(error)) from None
        except RuntimeError as error:
            raise explain_runtime_error(error, config) from None
        self.needs_pairs = has_batch_norm(self.model)
        if self.needs_pairs and config.batch_size == 1:
            raise ClassifierError(
                f"The {MODEL_INFO[config.model][0]} has batch norm layers, which need at least two "
                "images per batch in training mode to compute a mean and a variance. "
                "Pick a batch size of 2 or more, or the MLP or TinyVGG."
            )
        self.net = (
            nn.DataParallel(self.model, device_ids=self.device_ids)
            if self.device_ids
            else self.model
        )
        self.optimizer = build_optimizer(
            config.optimizer, self.model.parameters(), config.lr, weight_decay=config.weight_decay
        )
        self.loss_fn = nn.CrossEntropyLoss()
        self.scheduler = None
        # the loader reads from the CPU and moves each batch; the tensors pipeline slices on the device
        where = self.device if pipeline == "tensors" else torch.device("cpu")
        try:
            self.train_images = data.train_images.to(where)  # (N, 3, 64, 64)
            self.train_labels = data.train_labels.to(where)  # (N,)
            self.val_images = data.val_images.to(self.device)
            self.val_labels = data.val_labels.to(self.device)
        except RuntimeError as error:
            raise explain_runtime_error(error, config) from None
        self.classes = list(data.classes)
        self.epoch = 0  # finished epochs
        self.batch_losses: list[float] = []
        self.epochs: list[EpochRecord] = []
        self.train_seconds = 0.0  # time spent in training steps (not validation)
        self.images_seen = 0
        from core.signs.loader import train_loader  # lazy: torchvision takes seconds to import

        self.loader = train_loader(  # shuffling and augmentation draw from self.generator
            self.train_images, self.train_labels, self.config, self.generator, self.needs_pairs
        )
        self._copies: list[tuple[list, nn.Module]] = []  # model copies for the batch's pieces
        self._copy_generators: list[torch.Generator] = []  # their dropout masks, kept across copies
        self._batches = None  # the loader's iterator over the current epoch
        self._order: torch.Tensor | None = None  # the tensors pipeline's shuffled indices
        self._position = 0  # images (tensors) or batches (loader) of this epoch done
        self._epoch_loss = self._epoch_correct = self._epoch_images = 0.0
        self._epoch_seconds = 0.0
        self._plan_schedule()

    def _plan_schedule(self) -> None:
        """One-cycle: warm up to config.lr and anneal over the batches still planned."""
        remaining = self.total_batches - self.batches_done
        if self.config.lr_schedule == "one-cycle" and remaining > 1:
            self.scheduler = torch.optim.lr_scheduler.OneCycleLR(
                self.optimizer, max_lr=self.config.lr, total_steps=remaining
            )
            self._schedule_end = self.total_batches
        else:
            self.scheduler = None

    @property
    def cores_wanted(self) -> int:
        """How many cores a batch can keep busy: its pieces on the CPU (core.parallel), 1 on a
        GPU (the CPU only feeds it)."""
        if self.device.type != "cpu":
            return 1
        return len(piece_sizes(self.config.batch_size))

    @property
    def current_lr(self) -> float:
        """The learning rate the next batch will use."""
        return float(self.optimizer.param_groups[0]["lr"])

    # -- progress ---------------------------------------------------------------------------
    @property
    def batches_per_epoch(self) -> int:
        return len(self.loader)  # a last batch of one image is dropped when batch norm needs 2+

    @property
    def total_batches(self) -> int:
        return self.batches_per_epoch * self.config.epochs

    @property
    def batches_done(self) -> int:
        return len(self.batch_losses)

    @property
    def done(self) -> bool:
        return self.epoch >= self.config.epochs

    @property
    def progress(self) -> float:
        """Fraction of the planned batches done, 0..1."""
        return min(1.0, self.batches_done / max(1, self.total_batches))

    @property
    def images_per_second(self) -> float:
        """Training throughput so far (forward + backward + step), 0 before the first batch."""
        return self.images_seen / self.train_seconds if self.train_seconds > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        """Estimated training time left, from the speed so far; None before the first batch."""
        if not self.batches_done:
            return None
        per_batch = self.train_seconds / self.batches_done
        return per_batch * (self.total_batches - self.batches_done)

    # -- training ---------------------------------------------------------------------------
    def run(self, batches: int) -> StepReport:
        """Train up to `batches` more batches (crossing epochs); stop early when all epochs are done."""
        return self._advance(max_batches=max(0, int(batches)), seconds=None)

    def run_for(self, seconds: float, max_batches: int | None = None) -> StepReport:
        """Train until `seconds` of wall time have passed (at least one batch), or until done."""
        return self._advance(max_batches=max_batches, seconds=float(seconds))

    def _advance(self, max_batches: int | None, seconds: float | None) -> StepReport:
        start = time.perf_counter()
        count = 0
        new_epochs: list[EpochRecord] = []
        self.net.train()
        try:
            while not self.done and (max_batches is None or count < max_batches):
                if seconds is not None and count and time.perf_counter() - start >= seconds:
                    break
                self._train_batch()
                count += 1
                if self._epoch_over():
                    new_epochs.append(self._finish_epoch())
                    self.net.train()
        except (RuntimeError, ValueError) as error:
            if isinstance(error, ClassifierError):
                raise
            raise explain_runtime_error(error, self.config) from None
        if self.done:
            self.free_copies()
        return StepReport(count, new_epochs, self.done)

    def free_copies(self) -> None:
        """Give back the model copies of the batch's pieces (a stopped or finished run; the next
        batch makes them again, their dropout generators kept)."""
        self._copies.clear()

    def _epoch_over(self) -> bool:
        if self.pipeline == "loader":
            return self._position >= len(self.loader)
        return self._position >= len(self._order)

    def _next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next (images, labels) on the training device, augmented; starts an epoch if needed."""
        if self.pipeline == "loader":
            if self._batches is None or self._position >= len(self.loader):
                self._batches = iter(self.loader)  # a new shuffle
                self._position = 0
            images, labels = next(self._batches)  # (B, 3, 64, 64), (B,) on the CPU
            self._position += 1
            return images.to(self.device), labels.to(self.device)
        if self._order is None or self._position >= len(self._order):
            self._order = torch.randperm(len(self.train_labels), generator=self.generator)
            self._position = 0
            if self.needs_pairs and len(self._order) % self.config.batch_size == 1:
                self._order = self._order[:-1]  # a last batch of 1 cannot pass batch norm: drop it
        index = self._order[self._position : self._position + self.config.batch_size].to(
            self.device
        )
        self._position += len(index)
        images = augment_batch(self.train_images[index], self.config, self.generator)
        return images, self.train_labels[index]

    def _train_batch(self) -> None:
        tick = time.perf_counter()  # from reading the batch to the step's end
        images, labels = self._next_batch()  # (B, 3, 64, 64), (B,)
        if self.device.type == "cpu":
            loss, correct = self._step_in_pieces(images, labels)
        else:  # a GPU (or DataParallel over several) computes the batch as a whole
            logits = self.net(images)  # (B, 6)
            loss = self.loss_fn(logits, labels)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            correct = (logits.argmax(1) == labels).sum()
        if self.scheduler is not None and self.batches_done + 1 < self._schedule_end:
            self.scheduler.step()
        loss_value = loss.item()  # .item() waits for the device, so the timing below is honest
        correct = correct.item()
        elapsed = time.perf_counter() - tick
        if not math.isfinite(loss_value):
            raise ClassifierError(
                f"The loss became {loss_value} at batch {self.batches_done + 1}: the learning rate "
                f"{self.config.lr:g} is too large for {OPTIMIZERS[self.config.optimizer]}. "
                "Lower it and press Reset."
            )
        self.batch_losses.append(loss_value)
        self.train_seconds += elapsed
        self.images_seen += len(labels)
        self._epoch_seconds += elapsed
        self._epoch_loss += loss_value * len(labels)
        self._epoch_correct += correct
        self._epoch_images += len(labels)

    def _step_in_pieces(
        self, images: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimizer step on the CPU, the batch split by core.parallel.piece_sizes: each
        piece's forward and backward runs single-threaded on its own copy of the model (as many
        at once as the job has cores), the pieces meeting at each batch norm layer to normalise
        over the whole batch (core.piece_norm; the model's own layers keep the running
        statistics), and the gradients are added up in the pieces' order into the model's.
        Returns (mean loss, correct predictions). Same bits on any number of cores: see
        core.parallel."""
        sizes = piece_sizes(len(labels))
        replicas = self._replicas(len(sizes))
        parts = list(zip(images.split(sizes), labels.split(sizes), replicas, strict=True))
        total = len(labels)

        def piece(x: torch.Tensor, y: torch.Tensor, model: nn.Module):
            def work() -> tuple[torch.Tensor, torch.Tensor]:
                for parameter in model.parameters():
                    parameter.grad = None
                logits = model(x)  # (b, classes)
                # this piece's share of the batch's mean loss, so the summed gradients are the mean's
                loss = self.loss_fn(logits, y) * (len(y) / total)
                loss.backward()
                return loss.detach(), (logits.argmax(1) == y).sum()

            return work

        if len(parts) == 1:
            results = run_pieces([piece(*parts[0])])
        else:  # the pieces meet at every batch norm layer: it normalises over the whole batch
            with whole_batch_norm(replicas):
                results = run_together([piece(*part) for part in parts])
        with torch.no_grad():
            params = [list(model.parameters()) for model in replicas]
            for others in params[1:]:  # in the pieces' order: the same sum every time
                for mine, theirs in zip(params[0], others, strict=True):
                    if theirs.grad is not None:
                        mine.grad.add_(theirs.grad)
                        theirs.grad = (
                            None  # a copy keeps its weights only, not a second model's worth
                        )
        self.optimizer.step()
        loss = results[0][0]
        correct = results[0][1]
        for piece_loss, piece_correct in results[1:]:
            loss = loss + piece_loss
            correct = correct + piece_correct
        return loss, correct

    def _replicas(self, count: int) -> list[nn.Module]:
        """The model and `count - 1` copies of it for the other pieces, each copy set to the
        model's weights, statistics and mode now. A copy's dropout draws from a generator of its
        own, seeded from the run's seed and its place, so pieces never share a generator."""
        copies = self._copies
        signature = [(tuple(p.shape), p.requires_grad) for p in self.model.parameters()]
        if copies and copies[0][0] != signature:  # a new head, (un)frozen layers: copy anew
            copies.clear()
        while len(copies) < count - 1:
            place = len(copies) + 1
            # the copy's generator outlives the copy (free_copies), so a resumed run draws on
            # from where it stopped, as one long run would
            while len(self._copy_generators) < place:
                seed = self.config.seed * 1000 + len(self._copy_generators) + 1
                self._copy_generators.append(torch.Generator().manual_seed(seed))
            # a generator cannot be deep-copied: give the copy none, then its own
            memo = {id(m.generator): None for m in self.model.modules() if isinstance(m, Dropout)}
            twin = copy.deepcopy(self.model, memo)
            use_generator(twin, self._copy_generators[place - 1])
            copies.append((signature, twin))
        replicas = [self.model] + [twin for _, twin in copies[: count - 1]]
        with torch.no_grad():
            for twin in replicas[1:]:
                for mine, theirs in zip(twin.parameters(), self.model.parameters(), strict=True):
                    mine.copy_(theirs)
                for mine, theirs in zip(twin.buffers(), self.model.buffers(), strict=True):
                    mine.copy_(theirs)
                twin.train(self.model.training)
        return replicas

    def _finish_epoch(self) -> EpochRecord:
        val_loss = val_accuracy = None
        if len(self.val_labels):
            val_loss, val_accuracy = self.validate()
        images = max(1.0, self._epoch_images)
        record = EpochRecord(
            epoch=self.epoch + 1,
            train_loss=self._epoch_loss / images,
            train_accuracy=self._epoch_correct / images,
            val_loss=val_loss,
            val_accuracy=val_accuracy,
            seconds=self._epoch_seconds,
            images_per_second=self._epoch_images / self._epoch_seconds
            if self._epoch_seconds
            else 0.0,
        )
        self.epochs.append(record)
        self.epoch += 1
        self._epoch_loss = self._epoch_correct = self._epoch_images = 0.0
        self._epoch_seconds = 0.0
        return record

    def validate(self) -> tuple[float, float]:
        """(mean loss, accuracy) on the validation split, in eval mode under no_grad."""
        result = evaluate(self.net, self.val_images, self.val_labels, self.device)
        return result.loss, result.accuracy

    def extend(self, more_epochs: int) -> None:
        """Plan `more_epochs` further epochs (Resume after the run has finished)."""
        self.config = validate_config(
            replace(self.config, epochs=self.config.epochs + int(more_epochs))
        )
        self._plan_schedule()
