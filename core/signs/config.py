"""ClassifierConfig, the choices it offers (optimizers, schedules, ALL_GPUS) and its checks."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from core.optimizers import DEFAULT_MOMENTUM, OPTIMIZER_LABELS
from core.signs.models import ModelError, check_model_name
from core.validation import in_range, require, typed_fields

ALL_GPUS = "all GPUs"  # device choice: nn.DataParallel over every visible GPU (seed 001)
OPTIMIZER_NAMES = ("adam", "sgd", "momentum", "adagrad", "rmsprop")  # offered here, in this order
OPTIMIZERS = {name: OPTIMIZER_LABELS[name] for name in OPTIMIZER_NAMES} | {
    "momentum": f"SGD with momentum {DEFAULT_MOMENTUM:g}"  # the fixed momentum, named
}
SCHEDULES = {
    "one-cycle": "one cycle",  # OneCycleLR: warm up to the learning rate, then anneal
    "constant": "constant",
}


class ClassifierError(ValueError):
    """Anything the trainer cannot do, explained in a sentence that says what to change."""


@dataclass(frozen=True)
class ClassifierConfig:
    """Everything one training run depends on; the page, tests, bench and export share it."""

    model: str = (
        "signs_cnn"  # one of core.signs.models.MODEL_NAMES; the course CNN learns SIGNS fast
    )
    optimizer: str = "adam"  # one of OPTIMIZERS; Adam needs no lr tuning to start
    lr: float = 5e-3  # peak learning rate; with one-cycle and batch norm Adam takes 5e-3 and converges sooner
    lr_schedule: str = "one-cycle"  # "one-cycle" (OneCycleLR per batch) or "constant"
    batch_size: int = (
        32  # the course's batch size; 34 steps per 1080-image epoch (minus validation)
    )
    epochs: int = 12  # enough for the course CNN to pass 95% test accuracy on the built-in set
    weight_decay: float = 0.0  # L2 penalty added by the optimizer; 0 as in the course
    dropout: float = 0.3  # before the last layer of the course CNN and between the MLP's layers
    seed: int = 0  # seeds weights, shuffling and augmentation: same seed, same run
    flip: bool = True  # RandomHorizontalFlip, the seed's augmentation (a hand sign mirrored is the same sign)
    rotation: float = 0.0  # random rotation up to ± this many degrees; 0 turns it off
    color_jitter: float = (
        0.0  # random brightness and contrast up to ± this fraction; 0 turns it off
    )
    val_fraction: float = 0.2  # held out of train, stratified, for the validation curves
    device: str = "cpu"  # "cpu", "cuda:0", ..., "mps", or ALL_GPUS for DataParallel
    num_classes: int = 6  # outputs of the last layer: the data's classes (SIGNS: 6; own signs 2-10)

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
        require(isinstance(raw, dict), "The saved settings are not a JSON object.", ClassifierError)
        return validate_config(cls(**typed_fields(cls, raw, ClassifierError)))


def validate_config(config: ClassifierConfig) -> ClassifierConfig:
    """Return `config` if every field is usable, else raise ClassifierError with a sentence."""
    try:
        check_model_name(config.model)
    except ModelError as error:
        raise ClassifierError(str(error)) from None
    c, error = config, ClassifierError
    require(
        c.optimizer in OPTIMIZERS,
        f"There is no optimizer called '{c.optimizer}'. Pick one of: {', '.join(OPTIMIZERS)}.",
        error,
    )
    require(
        c.lr_schedule in SCHEDULES,
        f"There is no learning-rate schedule called '{c.lr_schedule}'. "
        f"Pick one of: {', '.join(SCHEDULES)}.",
        error,
    )
    checks = [
        (
            c.lr,
            0,
            10,
            f"The learning rate must be above 0 and at most 10, not {c.lr}.",
            True,
            False,
        ),
        (c.batch_size, 1, 4096, f"The batch size must be between 1 and 4096, not {c.batch_size}."),
        (c.epochs, 1, 1000, f"The number of epochs must be between 1 and 1000, not {c.epochs}."),
        (c.weight_decay, 0, 1, f"Weight decay must be between 0 and 1, not {c.weight_decay}."),
        (c.dropout, 0, 1, f"Dropout must be at least 0 and below 1, not {c.dropout}.", False, True),
        (
            c.num_classes,
            2,
            10,
            f"The number of classes must be between 2 and 10, not {c.num_classes}.",
        ),
        (c.rotation, 0, 180, f"Rotation must be between 0 and 180 degrees, not {c.rotation}."),
        (c.color_jitter, 0, 1, f"Colour jitter must be between 0 and 1, not {c.color_jitter}."),
        (
            c.val_fraction,
            0,
            0.5,
            f"The validation fraction must be between 0 and 0.5, not {c.val_fraction}.",
        ),
    ]
    for value, low, high, sentence, *open_ends in checks:
        low_open, high_open = open_ends or (False, False)
        in_range(value, low, high, sentence, error, low_open=low_open, high_open=high_open)
    return config
