"""The SIGNS classifier engine: config, a steppable trainer, evaluation, prediction, save/load.

The trainer keeps the whole data set as preloaded tensors on the training device (1080 images of
3×64×64 floats are 53 MB), shuffles indices each epoch and slices batches out of them: no
DataLoader and no JPEG decoding in the loop. Training runs in `model.train()`; validation and
everything after it in `model.eval()` under `torch.no_grad()`, as the course insists.
"""

from __future__ import annotations

import copy
import io
import json
import math
import pickle
import time
from dataclasses import asdict, dataclass, field, fields, replace

import torch
import torch.nn.functional as F
from torch import nn

from core.devices import DeviceError, available_devices, resolve_device
from core.models import (
    DROPOUT_MODELS,
    MODEL_INFO,
    ModelError,
    build_model,
    check_model_name,
    has_batch_norm,
)

ALL_GPUS = "all GPUs"  # device choice: nn.DataParallel over every visible GPU (seed 001)
OPTIMIZERS = {
    "adam": "Adam",
    "sgd": "SGD",
    "momentum": "SGD with momentum 0.9",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
}
SCHEDULES = {
    "one-cycle": "one cycle",  # OneCycleLR: warm up to the learning rate, then anneal
    "constant": "constant",
}
EVAL_BATCH = 256  # validation/test batches: no gradients are kept, so larger is fine
MAX_CHECKPOINT_BYTES = 200 * 2**20  # ResNet-18's weights are ~45 MB


class ClassifierError(ValueError):
    """Anything the trainer cannot do, explained in a sentence that says what to change."""


@dataclass(frozen=True)
class ClassifierConfig:
    """Everything one training run depends on; the page, tests, bench and export share it."""

    model: str = "signs_cnn"  # one of core.models.MODEL_NAMES; the course CNN learns SIGNS fast
    optimizer: str = "adam"  # one of OPTIMIZERS; Adam needs no lr tuning to start
    lr: float = 5e-3  # peak learning rate; with one-cycle and batch norm Adam takes 5e-3 and converges sooner
    lr_schedule: str = "one-cycle"  # "one-cycle" (OneCycleLR per batch) or "constant"
    batch_size: int = 32  # the course's batch size; 34 steps per 1080-image epoch (minus validation)
    epochs: int = 12  # enough for the course CNN to pass 95% test accuracy on the built-in set
    weight_decay: float = 0.0  # L2 penalty added by the optimizer; 0 as in the course
    dropout: float = 0.3  # before the last layer of the course CNN and between the MLP's layers
    seed: int = 0  # seeds weights, shuffling and augmentation: same seed, same run
    flip: bool = True  # RandomHorizontalFlip, the seed's augmentation (a hand sign mirrored is the same sign)
    rotation: float = 0.0  # random rotation up to ± this many degrees; 0 turns it off
    color_jitter: float = 0.0  # random brightness and contrast up to ± this fraction; 0 turns it off
    val_fraction: float = 0.2  # held out of train, stratified, for the validation curves
    device: str = "cpu"  # "cpu", "cuda:0", ..., "mps", or ALL_GPUS for DataParallel

    def to_json(self) -> str:
        """The config as indented JSON (saved beside the weights)."""
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> ClassifierConfig:
        """Parse `to_json` output; unknown keys are ignored, bad values get a sentence."""
        try:
            raw = json.loads(text)
        except (json.JSONDecodeError, TypeError):
            raise ClassifierError("The saved settings are not valid JSON.") from None
        if not isinstance(raw, dict):
            raise ClassifierError("The saved settings are not a JSON object.")
        known = {f.name: f for f in fields(cls)}
        values = {}
        for key, value in raw.items():
            if key not in known:
                continue
            expected = type(getattr(cls(), key))
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise ClassifierError(
                    f"The saved setting '{key}' should be a {expected.__name__}, not {value!r}."
                )
            values[key] = value
        return validate_config(cls(**values))


def validate_config(config: ClassifierConfig) -> ClassifierConfig:
    """Return `config` if every field is usable, else raise ClassifierError with a sentence."""
    try:
        check_model_name(config.model)
    except ModelError as error:
        raise ClassifierError(str(error)) from None
    if config.optimizer not in OPTIMIZERS:
        raise ClassifierError(
            f"There is no optimizer called '{config.optimizer}'. Pick one of: {', '.join(OPTIMIZERS)}."
        )
    if config.lr_schedule not in SCHEDULES:
        raise ClassifierError(
            f"There is no learning-rate schedule called '{config.lr_schedule}'. Pick one of: {', '.join(SCHEDULES)}."
        )
    if not (0 < config.lr <= 10 and math.isfinite(config.lr)):
        raise ClassifierError(f"The learning rate must be above 0 and at most 10, not {config.lr}.")
    if not 1 <= config.batch_size <= 4096:
        raise ClassifierError(f"The batch size must be between 1 and 4096, not {config.batch_size}.")
    if not 1 <= config.epochs <= 1000:
        raise ClassifierError(f"The number of epochs must be between 1 and 1000, not {config.epochs}.")
    if not 0 <= config.weight_decay <= 1:
        raise ClassifierError(f"Weight decay must be between 0 and 1, not {config.weight_decay}.")
    if not 0 <= config.dropout < 1:
        raise ClassifierError(f"Dropout must be at least 0 and below 1, not {config.dropout}.")
    if not 0 <= config.rotation <= 180:
        raise ClassifierError(f"Rotation must be between 0 and 180 degrees, not {config.rotation}.")
    if not 0 <= config.color_jitter <= 1:
        raise ClassifierError(f"Colour jitter must be between 0 and 1, not {config.color_jitter}.")
    if not 0 <= config.val_fraction <= 0.5:
        raise ClassifierError(
            f"The validation fraction must be between 0 and 0.5, not {config.val_fraction}."
        )
    return config


# ----------------------------------------------------------------------------------------- data


@dataclass
class TensorData:
    """A SIGNS split held as tensors: images (N, 3, 64, 64) float in [0, 1], labels (N,) int64."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    val_images: torch.Tensor
    val_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    classes: list[str] = field(default_factory=lambda: [str(i) for i in range(6)])


def stack_dataset(dataset) -> tuple[torch.Tensor, torch.Tensor]:
    """Read every (image, label) item of a Dataset into two tensors (N, 3, 64, 64) and (N,).

    A dataset that already holds its images as tensors (`float_images()` and `labels`, as
    core.signs_data's do) is read in one step.
    """
    if hasattr(dataset, "float_images") and hasattr(dataset, "labels"):
        return dataset.float_images().float(), torch.as_tensor(dataset.labels, dtype=torch.long)
    images, labels = [], []
    for image, label in dataset:
        images.append(torch.as_tensor(image, dtype=torch.float32))
        labels.append(int(label))
    if not images:
        return torch.zeros(0, 3, 64, 64), torch.zeros(0, dtype=torch.long)
    return torch.stack(images), torch.tensor(labels, dtype=torch.long)


def stratified_split(
    labels: torch.Tensor, fraction: float, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices (keep, held_out): `fraction` of each class held out, chosen by `seed`."""
    generator = torch.Generator().manual_seed(seed)
    keep, held = [], []
    for label in torch.unique(labels).tolist():
        members = torch.nonzero(labels == label).flatten()
        members = members[torch.randperm(len(members), generator=generator)]
        count = round(fraction * len(members))
        held.append(members[:count])
        keep.append(members[count:])
    if not keep:
        return torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long)
    return torch.sort(torch.cat(keep)).values, torch.sort(torch.cat(held)).values


def tensor_data(signs, val_fraction: float = 0.2, seed: int = 0) -> TensorData:
    """Turn anything with `.train`, `.test` and `.classes` (a SignsData) into TensorData.

    Validation is the data's own `.val` split when it has one (a dev_signs/ folder), else
    `val_fraction` of each class of train, chosen by `seed`.
    """
    train_images, train_labels = stack_dataset(signs.train)
    test_images, test_labels = stack_dataset(signs.test)
    classes = list(getattr(signs, "classes", [str(i) for i in range(6)]))
    if getattr(signs, "val", None) is not None and len(signs.val):  # a dev_signs/ folder came with it
        val_images, val_labels = stack_dataset(signs.val)
        return TensorData(train_images, train_labels, val_images, val_labels, test_images, test_labels, classes)
    keep, held = stratified_split(train_labels, val_fraction, seed)
    return TensorData(
        train_images[keep], train_labels[keep], train_images[held], train_labels[held],
        test_images, test_labels, classes,
    )


def augment_batch(images: torch.Tensor, config: ClassifierConfig, generator: torch.Generator) -> torch.Tensor:
    """Random flip / rotation / brightness-contrast per image, done on the whole batch at once.

    The random numbers come from `generator` (CPU, so runs repeat exactly) and the arithmetic runs
    on the images' device. Returns a new tensor; `images` is not changed.
    """
    batch = images.shape[0]
    device = images.device
    out = images
    if config.flip:
        mask = (torch.rand(batch, generator=generator) < 0.5).to(device)
        out = torch.where(mask[:, None, None, None], out.flip(-1), out)
    if config.rotation > 0:
        angles = (torch.rand(batch, generator=generator) * 2 - 1) * math.radians(config.rotation)
        cos, sin = torch.cos(angles), torch.sin(angles)
        theta = torch.stack(
            [torch.stack([cos, -sin, torch.zeros(batch)], 1), torch.stack([sin, cos, torch.zeros(batch)], 1)], 1
        ).to(device=device, dtype=out.dtype)  # (B, 2, 3)
        grid = F.affine_grid(theta, list(out.shape), align_corners=False)
        out = F.grid_sample(out, grid, padding_mode="border", align_corners=False)
    if config.color_jitter > 0:
        j = config.color_jitter
        brightness = (1 + (torch.rand(batch, generator=generator) * 2 - 1) * j).to(device)
        contrast = (1 + (torch.rand(batch, generator=generator) * 2 - 1) * j).to(device)
        mean = out.mean(dim=(1, 2, 3), keepdim=True)
        out = ((out - mean) * contrast[:, None, None, None] + mean) * brightness[:, None, None, None]
        out = out.clamp(0, 1)
    return out


# -------------------------------------------------------------------------------------- devices


def training_device(name: str) -> tuple[torch.device, list[int] | None]:
    """(device the data lives on, GPU ids for DataParallel or None) for a device choice."""
    if name == ALL_GPUS:
        gpus = [d for d in available_devices() if d.startswith("cuda:")]
        if len(gpus) < 2:
            raise ClassifierError(
                "DataParallel needs at least two GPUs and this server has "
                f"{len(gpus) or 'none'}. Pick a single device instead."
            )
        return torch.device("cuda", 0), [int(d.split(":")[1]) for d in gpus]
    try:
        return resolve_device(name), None
    except DeviceError as error:
        raise ClassifierError(str(error)) from None


def explain_runtime_error(error: BaseException, config: ClassifierConfig) -> ClassifierError:
    """Turn the errors a training step can raise into a sentence saying what to change."""
    text = str(error)
    if isinstance(error, torch.cuda.OutOfMemoryError) or "out of memory" in text.lower():
        return ClassifierError(
            f"The device {config.device} ran out of memory with batch size {config.batch_size} and "
            f"the {MODEL_INFO[config.model][0]}. Lower the batch size, pick a smaller model or use the CPU."
        )
    if "Expected more than 1 value per channel" in text:
        return ClassifierError(
            "A batch of 1 image cannot go through batch norm in training mode: it needs at least two "
            "images to compute a mean and a variance. Pick a batch size of 2 or more."
        )
    if "CUDA" in text or "device" in text.lower() or "MPS" in text:
        return ClassifierError(
            f"The device {config.device} stopped answering ({text.splitlines()[0][:160]}). "
            "It may have been taken away or reset: press Reset and pick another device."
        )
    return ClassifierError(f"Training failed: {text.splitlines()[0][:200] if text else type(error).__name__}.")


def _make_optimizer(config: ClassifierConfig, params) -> torch.optim.Optimizer:
    wd = config.weight_decay
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=wd)
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=config.lr, weight_decay=wd)
    if config.optimizer == "momentum":
        return torch.optim.SGD(params, lr=config.lr, momentum=0.9, weight_decay=wd)
    if config.optimizer == "adagrad":
        return torch.optim.Adagrad(params, lr=config.lr, weight_decay=wd)
    return torch.optim.RMSprop(params, lr=config.lr, weight_decay=wd)


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


# -------------------------------------------------------------------------------------- trainer


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


class ClassifierTrainer:
    """Holds model, optimizer, data and history; `run(n)` / `run_for(seconds)` advance it."""

    def __init__(self, config: ClassifierConfig, data: TensorData):
        self.config = validate_config(config)
        if len(data.train_labels) == 0:
            raise ClassifierError("There are no training images: pick or load a data set with some.")
        self.device, self.device_ids = training_device(config.device)
        torch.manual_seed(config.seed)
        dropout = config.dropout if config.model in DROPOUT_MODELS else 0.0
        try:
            self.model = build_model(config.model, dropout=dropout).to(self.device)
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
        self.net = nn.DataParallel(self.model, device_ids=self.device_ids) if self.device_ids else self.model
        self.optimizer = _make_optimizer(config, self.model.parameters())
        self.loss_fn = nn.CrossEntropyLoss()
        self.scheduler = None
        try:
            self.train_images = data.train_images.to(self.device)  # (N, 3, 64, 64)
            self.train_labels = data.train_labels.to(self.device)  # (N,)
            self.val_images = data.val_images.to(self.device)
            self.val_labels = data.val_labels.to(self.device)
        except RuntimeError as error:
            raise explain_runtime_error(error, config) from None
        self.classes = list(data.classes)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.epoch = 0  # finished epochs
        self.batch_losses: list[float] = []
        self.epochs: list[EpochRecord] = []
        self.train_seconds = 0.0  # time spent in training steps (not validation)
        self.images_seen = 0
        self._order: torch.Tensor | None = None
        self._position = 0
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
    def current_lr(self) -> float:
        """The learning rate the next batch will use."""
        return float(self.optimizer.param_groups[0]["lr"])

    # -- progress ---------------------------------------------------------------------------
    @property
    def batches_per_epoch(self) -> int:
        n, b = len(self.train_labels), self.config.batch_size
        full, rest = divmod(n, b)
        return full + (1 if rest > 1 or (rest == 1 and not self.needs_pairs) else 0)

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
                if self._position >= len(self._order):
                    new_epochs.append(self._finish_epoch())
                    self.net.train()
        except (RuntimeError, ValueError) as error:
            if isinstance(error, ClassifierError):
                raise
            raise explain_runtime_error(error, self.config) from None
        return StepReport(count, new_epochs, self.done)

    def _train_batch(self) -> None:
        if self._order is None or self._position >= len(self._order):
            self._order = torch.randperm(len(self.train_labels), generator=self.generator)
            self._position = 0
            if self.needs_pairs and len(self._order) % self.config.batch_size == 1:
                self._order = self._order[:-1]  # a last batch of 1 cannot pass batch norm: drop it
        tick = time.perf_counter()
        index = self._order[self._position : self._position + self.config.batch_size].to(self.device)
        self._position += len(index)
        images = self.train_images[index]  # (B, 3, 64, 64)
        labels = self.train_labels[index]  # (B,)
        images = augment_batch(images, self.config, self.generator)
        logits = self.net(images)  # (B, 6)
        loss = self.loss_fn(logits, labels)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        if self.scheduler is not None and self.batches_done + 1 < self._schedule_end:
            self.scheduler.step()
        loss_value = loss.item()  # .item() waits for the device, so the timing below is honest
        correct = (logits.argmax(1) == labels).sum().item()
        elapsed = time.perf_counter() - tick
        if not math.isfinite(loss_value):
            raise ClassifierError(
                f"The loss became {loss_value} at batch {self.batches_done + 1}: the learning rate "
                f"{self.config.lr:g} is too large for {OPTIMIZERS[self.config.optimizer]}. "
                "Lower it and press Reset."
            )
        self.batch_losses.append(loss_value)
        self.train_seconds += elapsed
        self.images_seen += len(index)
        self._epoch_seconds += elapsed
        self._epoch_loss += loss_value * len(index)
        self._epoch_correct += correct
        self._epoch_images += len(index)

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
            images_per_second=self._epoch_images / self._epoch_seconds if self._epoch_seconds else 0.0,
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
        self.config = validate_config(replace(self.config, epochs=self.config.epochs + int(more_epochs)))
        self._plan_schedule()


# ---------------------------------------------------------------------------- evaluation etc.


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
    num_classes: int = 6,
) -> Evaluation:
    """Loss, accuracy, per-class accuracy, confusion matrix and softmax for every image.

    Runs in `model.eval()` under `torch.no_grad()` in batches of EVAL_BATCH; the model's mode is
    restored afterwards.
    """
    device = torch.device(device) if device is not None else next(model.parameters()).device
    was_training = model.training
    model.eval()
    logits_parts = []
    try:
        with torch.no_grad():
            for start in range(0, len(labels), EVAL_BATCH):
                batch = images[start : start + EVAL_BATCH].to(device)
                logits_parts.append(model(batch).float().cpu())
    finally:
        model.train(was_training)
    labels = labels.cpu().long()
    logits = torch.cat(logits_parts) if logits_parts else torch.zeros(0, num_classes)
    loss = F.cross_entropy(logits, labels).item() if len(labels) else float("nan")
    probabilities = logits.softmax(dim=1)
    predictions = probabilities.argmax(dim=1)
    confusion = torch.zeros(num_classes, num_classes, dtype=torch.long)
    confusion.index_put_((labels, predictions), torch.ones_like(labels), accumulate=True)
    totals = confusion.sum(dim=1)
    per_class = [
        (confusion[c, c].item() / totals[c].item()) if totals[c] else None for c in range(num_classes)
    ]
    accuracy = (predictions == labels).float().mean().item() if len(labels) else float("nan")
    return Evaluation(loss, accuracy, per_class, confusion, probabilities, predictions, labels)


def predict(model: nn.Module, image: torch.Tensor) -> torch.Tensor:
    """Softmax probabilities (C,) for one image (3, 64, 64), in eval mode under no_grad."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            logits = model(image.unsqueeze(0).to(device))  # (1, C)
    finally:
        model.train(was_training)
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
    updates batch norm's running statistics, and the real model must not change.
    """
    device = next(model.parameters()).device
    twin = copy.deepcopy(model)
    generator = torch.Generator().manual_seed(seed)
    torch_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    train_rows, eval_rows = [], []
    try:
        with torch.no_grad():
            twin.train()
            for _ in range(repeats):
                pick = torch.randperm(len(companions), generator=generator)[:15]
                batch = torch.cat([companions[pick], image.unsqueeze(0)]).to(device)
                train_rows.append(twin(batch)[-1].softmax(0).float().cpu())
            twin.eval()
            for _ in range(repeats):
                eval_rows.append(twin(image.unsqueeze(0).to(device))[0].softmax(0).float().cpu())
    finally:
        torch.random.set_rng_state(torch_state)
    return torch.stack(train_rows), torch.stack(eval_rows)


# ----------------------------------------------------------------------------------- save/load

CHECKPOINT_FORMAT = "torch-playground-signs/1"


def save_checkpoint(model: nn.Module, config: ClassifierConfig, classes: list[str]) -> bytes:
    """The model's state_dict with its config (JSON text) and class names, as `.pt` bytes.

    Everything inside is a tensor, a string or a list of strings, so it loads back with
    `torch.load(..., weights_only=True)`.
    """
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    buffer = io.BytesIO()
    torch.save(
        {"format": CHECKPOINT_FORMAT, "config": config.to_json(), "classes": list(classes), "state_dict": state},
        buffer,
    )
    return buffer.getvalue()


def load_checkpoint(blob: bytes, fallback: ClassifierConfig) -> tuple[ClassifierConfig, dict, list[str]]:
    """Read `.pt` bytes: (config, state_dict checked against that config's model, classes).

    Accepts what `save_checkpoint` writes, or a bare state_dict (as the exported script saves),
    which is then matched against `fallback`'s model. Anything else is a ClassifierError.
    """
    if len(blob) > MAX_CHECKPOINT_BYTES:
        raise ClassifierError(
            f"The file is {len(blob) / 2**20:.0f} MB; weights for these models are at most "
            f"{MAX_CHECKPOINT_BYTES // 2**20} MB. Pick the .pt file this page saved."
        )
    try:
        loaded = torch.load(io.BytesIO(blob), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise ClassifierError(
            "The file holds Python objects other than tensors, so it was not loaded: only plain "
            "state_dicts are read, for safety. Save with torch.save(model.state_dict(), path)."
        ) from None
    except Exception:
        raise ClassifierError(
            "This file is not a PyTorch weights file. Upload a .pt file saved by this page or by "
            "torch.save(model.state_dict(), path)."
        ) from None
    config, classes = fallback, [str(i) for i in range(6)]
    if isinstance(loaded, dict) and loaded.get("format") == CHECKPOINT_FORMAT:
        config = replace(ClassifierConfig.from_json(loaded.get("config", "")), device=fallback.device)
        if isinstance(loaded.get("classes"), list):
            classes = [str(c) for c in loaded["classes"]][:6]
        state = loaded.get("state_dict")
    else:
        state = loaded
    if not isinstance(state, dict) or not state or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()
    ):
        raise ClassifierError(
            "The file is a PyTorch file but not a state_dict (a mapping of layer names to tensors). "
            "Save with torch.save(model.state_dict(), path)."
        )
    state = {k.removeprefix("module."): v for k, v in state.items()}  # saved from DataParallel
    check_state_dict(state, config)
    return config, state, classes


def check_state_dict(state: dict, config: ClassifierConfig) -> None:
    """Raise ClassifierError with a sentence unless `state` fits `config.model` exactly."""
    expected = build_model(config.model, dropout=0.0).state_dict()
    label = MODEL_INFO[config.model][0]
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"{len(missing)} layer(s) the {label} needs are missing (first: '{missing[0]}')")
        if unexpected:
            parts.append(f"{len(unexpected)} are not in the {label} (first: '{unexpected[0]}')")
        raise ClassifierError(
            f"These weights do not belong to the {label}: {' and '.join(parts)}. "
            "Pick the model they were trained with, or upload weights saved from this model."
        )
    for key, tensor in expected.items():
        if tuple(state[key].shape) != tuple(tensor.shape):
            raise ClassifierError(
                f"The weights do not fit the {label}: '{key}' has shape {tuple(state[key].shape)} in "
                f"the file but {tuple(tensor.shape)} in the model."
            )


def trainer_from_checkpoint(blob: bytes, fallback: ClassifierConfig, data: TensorData) -> ClassifierTrainer:
    """A trainer whose model holds the uploaded weights (ready to evaluate or to train further)."""
    config, state, _classes = load_checkpoint(blob, fallback)
    trainer = ClassifierTrainer(config, data)
    trainer.model.load_state_dict(state)
    return trainer


MAX_PHOTO_BYTES = 10 * 2**20
MAX_PHOTO_PIXELS = 40_000_000  # a 40-megapixel photo is the largest decoded


def photo_tensor(blob: bytes) -> torch.Tensor:
    """Decode an uploaded photo (JPEG/PNG/...) into a (3, 64, 64) float tensor in [0, 1].

    The whole photo is resized to 64×64 as the course's build_dataset.py does (no crop), so a
    square photo of one hand works best. Oversized or undecodable files get a sentence.
    """
    from PIL import Image, UnidentifiedImageError

    if len(blob) > MAX_PHOTO_BYTES:
        raise ClassifierError(
            f"The photo is {len(blob) / 2**20:.1f} MB; upload one under {MAX_PHOTO_BYTES // 2**20} MB."
        )
    try:
        with Image.open(io.BytesIO(blob)) as image:
            if image.width * image.height > MAX_PHOTO_PIXELS:
                raise ClassifierError(
                    f"The photo is {image.width}×{image.height} pixels; upload one under 40 megapixels."
                )
            small = image.convert("RGB").resize((64, 64), Image.BILINEAR)
    except ClassifierError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ClassifierError(
            "This file could not be read as a picture. Upload a JPEG or PNG photo of a hand."
        ) from None
    pixels = torch.frombuffer(bytearray(small.tobytes()), dtype=torch.uint8).reshape(64, 64, 3)
    return pixels.permute(2, 0, 1).float() / 255  # (3, 64, 64)
