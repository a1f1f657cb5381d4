"""The built-in pretrained SIGNS model: the small course CNN trained for a few epochs on the
built-in hands, from a fixed seed, so that a lesson can start from a trained model at once.

`python -m core.signs.pretrained` rebuilds the file beside this module
(core/signs/pretrained_small_cnn.pt, about 300 KB) and prints its test accuracy; the same torch
build on the same kind of CPU writes the same tensors on any number of cores (the trainer's
fixed pieces, core.parallel; tests/unit/test_signs_checkpoint.py checks it).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from core.signs.checkpoint import save_checkpoint
from core.signs.config import ClassifierConfig
from core.signs.data import TensorData, tensor_data
from core.signs.hands import synthetic_signs
from core.signs.train import ClassifierTrainer

PRETRAINED_FILE = Path(__file__).with_name("pretrained_small_cnn.pt")
PRETRAINED_CONFIG = ClassifierConfig(model="small_cnn", epochs=6, seed=0)  # lr 5e-3, one-cycle
# The built-in set it learns from, as the SIGNS page's Data tab draws it by default.
PRETRAINED_DATA = {"n_train": 1080, "n_test": 120, "seed": 0}
PRETRAINED_VAL = 0.2  # the validation share (split with seed 0, as the page does)
# How the page names that data set (ui.signs.data_source.built_in's key), saved in the file.
PRETRAINED_TRAINED_ON = "built-in/{n_train}/{n_test}/{seed}/{val}".format(
    **PRETRAINED_DATA, val=PRETRAINED_VAL
)


def pretrained_data() -> TensorData:
    """The built-in hands the pretrained model learnt from (train, validation and test)."""
    signs = synthetic_signs(**PRETRAINED_DATA)
    return tensor_data(signs, val_fraction=PRETRAINED_VAL, seed=0)


def train_pretrained(data: TensorData | None = None) -> ClassifierTrainer:
    """Train the pretrained model from its fixed seed (the same bits on any number of cores)."""
    data = data if data is not None else pretrained_data()
    trainer = ClassifierTrainer(PRETRAINED_CONFIG, data)
    trainer.run(trainer.total_batches)
    return trainer


def build_pretrained(data: TensorData | None = None) -> bytes:
    """The pretrained checkpoint's bytes, trained afresh (some seconds)."""
    data = data if data is not None else pretrained_data()
    trainer = train_pretrained(data)
    return save_checkpoint(trainer.model, trainer.config, data.classes, PRETRAINED_TRAINED_ON)


def pretrained_checkpoint() -> bytes:
    """The shipped pretrained checkpoint (the file `python -m core.signs.pretrained` wrote)."""
    return PRETRAINED_FILE.read_bytes()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PRETRAINED_FILE)
    args = parser.parse_args(argv)
    from core.signs.checkpoint import trainer_from_checkpoint
    from core.signs.evaluate import evaluate

    data = pretrained_data()
    blob = build_pretrained(data)
    args.out.write_bytes(blob)
    trainer = trainer_from_checkpoint(blob, PRETRAINED_CONFIG, data)
    result = evaluate(trainer.model, data.test_images, data.test_labels)
    print(f"wrote {args.out} ({len(blob):,} bytes): test accuracy {result.accuracy:.1%}")


if __name__ == "__main__":
    main()
