"""The SIGNS trainer's input pipeline: `python -m bench signs_pipeline`.

The page trains through a Dataset + DataLoader with torchvision v2 transforms per picture (as the
course does); the older way slices batches out of preloaded tensors and augments each batch at
once. Both are ClassifierTrainer (pipeline="loader" / "tensors"), driven in the page's
time-budget ticks, on the default built-in set, holding a training slot of the page's queue and
on the cores it grants (TrainingSlots.cores_for, as ui/classroom.job_cores sets them: all of
them to a job alone), alternated round by round. Measured for the default augmentation (flip only)
and for flip + rotation 15° + colour jitter 0.2.

Last line: ratio = loader / tensors images per second with the default settings (goal >= 0.95:
the DataLoader does not slow the page's default run), ratio_augmented the same with rotation and
jitter, input_ratio_augmented = the input preparation alone (core.signs.loader.time_pipelines),
and the cores used.
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import replace

import torch

from bench.report import emit
from core.classifier import ClassifierConfig, ClassifierTrainer, TensorData, tensor_data
from core.devices import CPU_THREADS, use_threads
from core.parallel import using_cores
from core.serving.scheduling import TrainingSlots, default_capacity
from core.signs.loader import time_pipelines
from core.signs_data import synthetic_signs

BATCHES = 12  # batches per measurement (384 images at batch size 32)
ROUNDS = 3  # alternated rounds; the median is reported
TICK_SECONDS = 0.7  # the page's fragment tick (ui/signs/training.TICK_SECONDS)


def measure(data: TensorData, config: ClassifierConfig, pipeline: str) -> float:
    """Images per second of BATCHES batches, run in ticks as the page's fragment runs them."""
    trainer = ClassifierTrainer(config, data, pipeline=pipeline)
    trainer.run(1)  # the first batch pays one-off costs (allocations) for either pipeline
    seen, start = trainer.images_seen, time.perf_counter()
    while trainer.batches_done < BATCHES + 1:
        trainer.run_for(TICK_SECONDS, max_batches=BATCHES + 1 - trainer.batches_done)
    return (trainer.images_seen - seen) / (time.perf_counter() - start)


def compare(data: TensorData, config: ClassifierConfig, label: str) -> dict:
    speed: dict[str, list[float]] = {"loader": [], "tensors": []}
    for round_number in range(ROUNDS):
        order = ("loader", "tensors") if round_number % 2 == 0 else ("tensors", "loader")
        for pipeline in order:
            speed[pipeline].append(measure(data, config, pipeline))
        emit({label: round_number + 1, **{k: round(v[-1], 1) for k, v in speed.items()}})
    median = {k: statistics.median(v) for k, v in speed.items()}
    return {
        "images_per_s": {k: round(v, 1) for k, v in median.items()},
        "ratio": round(median["loader"] / median["tensors"], 3),
    }


def main() -> None:
    slots = TrainingSlots(capacity=default_capacity())
    assert slots.request("bench") == 0  # the one job in this queue
    use_threads(1)  # as the page's script thread: the trainer's pieces run on the pool
    cores = slots.cores_for("bench", CPU_THREADS)
    config = ClassifierConfig(val_fraction=0.0)
    augmented = replace(config, rotation=15.0, color_jitter=0.2)
    emit(
        {
            "benchmark": "signs_pipeline",
            "cores": cores,
            "cpu_threads": CPU_THREADS,
            "load_average": os.getloadavg()[0],
            "model": config.model,
            "batch_size": config.batch_size,
        }
    )
    data = tensor_data(synthetic_signs(), val_fraction=0.0)  # the 1080 default training images
    with using_cores(cores):
        default = compare(data, config, "default_round")
        with_rotation = compare(data, augmented, "augmented_round")
        inputs = [
            time_pipelines(data.train_images, data.train_labels, augmented) for _ in range(ROUNDS)
        ]
    input_ratio = statistics.median(t.ratio for t in inputs)
    slots.release("bench")
    emit(
        {
            "benchmark": "signs_pipeline",
            "ratio": default["ratio"],
            "images_per_s": default["images_per_s"],
            "ratio_augmented": with_rotation["ratio"],
            "images_per_s_augmented": with_rotation["images_per_s"],
            "input_ratio_augmented": round(input_ratio, 3),
            "input_images": inputs[0].images,
            "cores": cores,
            "torch_threads": torch.get_num_threads(),
            "goal": "ratio >= 0.95 (the default run is not slowed by the DataLoader)",
            "load_average": os.getloadavg()[0],
        }
    )
