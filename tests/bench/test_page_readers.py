"""What the benchmarks read off the SIGNS page: its progress line (bench signs follows the batch
count, bench lecture the images/s) and the data caption, parsed from the page's own text."""

from __future__ import annotations

import pytest

from bench.lecture import signs_speed, signs_speed_figures
from bench.signs import PROGRESS
from core.signs import ClassifierConfig, ClassifierTrainer, synthetic_signs, tensor_data
from ui.signs.training import progress_line


@pytest.fixture(scope="module")
def trainer():
    data = tensor_data(synthetic_signs(n_train=120, n_test=60), val_fraction=0.2)
    trainer = ClassifierTrainer(ClassifierConfig(model="mlp", epochs=2, batch_size=16), data)
    trainer.run(7)  # into the second epoch (6 batches of 96 images per epoch)
    return trainer


def test_the_signs_bench_reads_the_batch_count(trainer):
    match = PROGRESS.match(progress_line(trainer))
    assert match is not None
    assert int(match.group(3)) == trainer.batches_done == 7
    assert int(match.group(4)) == trainer.total_batches
    assert int(match.group(1)) == trainer.epoch + 1 == 2


def test_the_lecture_bench_reads_the_speed_a_student_got(trainer):
    caption = "Built-in hands · 96 train, 24 validation, 60 test images"
    page, clock = signs_speed([progress_line(trainer), caption], seconds=4.0)
    assert page == round(trainer.images_per_second)
    assert clock == 96 / 4.0
    assert signs_speed(["nothing here"], 4.0) == (None, None)
    figures = signs_speed_figures([(page, clock), (None, None), (2 * page, 2 * clock)])
    assert figures["signs_images_per_s_min"] == page
    assert figures["signs_wall_images_per_s_p50"] in (clock, 2 * clock)
