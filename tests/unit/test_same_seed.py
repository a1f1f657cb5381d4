"""Same seed, same run — even while other students train in the same process, and whether a
run has every core to itself or one core beside others.

Every session's thread shares torch's global generator. These tests train the SIGNS classifier
and the sin fit in several threads at once and check that a run depends on its seed only: bit
for bit the losses and final weights of the same run done alone, torch's global generator left
as it was, and nothing changed by someone else seeding it meanwhile. The run alone trains on
every core, the students side by side on one core each, as the training queue shares them. They use only the public
entry points (core.classifier, core.sin_fit, core.signs_data).
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from dataclasses import replace

import pytest
import torch

from core.classifier import ClassifierConfig, ClassifierTrainer, compare_modes, tensor_data
from core.devices import CPU_THREADS, use_threads
from core.parallel import using_cores
from core.signs_data import synthetic_signs
from core.sin_fit import SineFitConfig, SineFitTrainer

# The course CNN (batch norm, dropout) and the MLP (two dropouts), with the default flip and a
# rotation, so that initialisation, shuffling, augmentation and dropout all draw numbers; the
# CNN's batches of 32 are cut into two pieces (core.parallel), the MLP's 16 are one.
SIGNS_CONFIGS = (
    ClassifierConfig(model="signs_cnn", epochs=1, batch_size=32, rotation=10.0),
    ClassifierConfig(model="mlp", epochs=2, batch_size=16, lr=1e-3, lr_schedule="constant"),
)
# autograd: torch.randn coefficients; nn and optim: nn.Linear's default initialisation
SIN_CONFIGS = (
    SineFitConfig(variant="autograd", steps=120),
    SineFitConfig(variant="nn", steps=120, noise=0.1),
    SineFitConfig(variant="optim", optimizer="adam", lr=1e-3, steps=120),
)


@pytest.fixture(scope="module")
def data():
    """48 built-in training images (16 held out to validate)."""
    return tensor_data(synthetic_signs(n_train=64, n_test=12, seed=1), val_fraction=0.25, seed=0)


@pytest.fixture(scope="module")
def alone(data):
    """Seed 7's run with nothing else training, on every core."""
    return student(7, data, cores=CPU_THREADS)


@contextmanager
def switching_often():
    """Let Python switch threads every few microseconds, so the threads' steps interleave."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def student(seed: int, data, start: threading.Barrier | None = None, cores: int = 1) -> dict:
    """What one student's session does: build every trainer, then train them turn by turn
    (the page's ticks), and report every loss and the final weights. Like the page's script
    thread (ui/classroom.job_cores), it keeps one torch thread and grants its SIGNS trainers
    `cores` for their pieces."""
    previous = torch.get_num_threads()
    use_threads(1)
    try:
        with using_cores(cores):
            return _train(seed, data, start)
    finally:
        use_threads(previous)


def _train(seed: int, data, start: threading.Barrier | None) -> dict:
    signs = [ClassifierTrainer(replace(c, seed=seed), data) for c in SIGNS_CONFIGS]
    if start is not None:
        start.wait()
    sins = [SineFitTrainer(replace(c, seed=seed)) for c in SIN_CONFIGS]
    while not all(t.done for t in signs) or not all(t.finished for t in sins):
        for trainer in signs:
            trainer.run(2)
        for trainer in sins:
            trainer.run(40)
    return {
        "signs_losses": [list(t.batch_losses) for t in signs],
        "signs_weights": [{k: v.clone() for k, v in t.model.state_dict().items()} for t in signs],
        "sin_losses": [list(t.loss_history) for t in sins],
        "sin_weights": [torch.as_tensor(t.coefficients) for t in sins],
    }


def assert_same_run(ours: dict, alone: dict) -> None:
    """Losses equal exactly, every weight and buffer torch.equal."""
    assert ours["signs_losses"] == alone["signs_losses"]
    assert ours["sin_losses"] == alone["sin_losses"]
    for mine, theirs in zip(ours["signs_weights"], alone["signs_weights"], strict=True):
        assert mine.keys() == theirs.keys()
        assert all(torch.equal(mine[k], theirs[k]) for k in mine)
    for mine, theirs in zip(ours["sin_weights"], alone["sin_weights"], strict=True):
        assert torch.equal(mine, theirs)


def test_two_students_with_one_seed_get_the_run_alone_while_a_third_trains(data, alone):
    results: dict[str, dict] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def session(name: str, seed: int) -> None:
        try:
            results[name] = student(seed, data, start)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
            start.abort()

    threads = [
        threading.Thread(target=session, args=(name, seed))
        for name, seed in (("first", 7), ("second", 7), ("other", 8))
    ]
    with switching_often():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors, errors
    assert_same_run(results["first"], alone)
    assert_same_run(results["second"], alone)
    assert results["other"]["signs_losses"] != alone["signs_losses"]  # the seed does matter
    assert results["other"]["sin_losses"] != alone["sin_losses"]


def test_training_leaves_torchs_global_generator_as_it_was(data):
    torch.manual_seed(1234)
    before = torch.random.get_rng_state()
    result = student(3, data)
    model = ClassifierTrainer(SIGNS_CONFIGS[0], data).model
    compare_modes(model, data.val_images[0], data.train_images, repeats=3)
    assert torch.equal(torch.random.get_rng_state(), before)
    assert result["signs_losses"][0]


def test_someone_seeding_the_global_generator_in_between_changes_nothing(data, alone):
    previous = torch.get_num_threads()
    use_threads(1)  # as the page's script thread
    try:
        signs = [ClassifierTrainer(replace(c, seed=7), data) for c in SIGNS_CONFIGS]
        for trainer in signs:
            while not trainer.done:
                torch.manual_seed(99)  # another session seeds torch's generator between ticks
                torch.rand(10)
                trainer.run(2)
    finally:
        use_threads(previous)
    assert [t.batch_losses for t in signs] == alone["signs_losses"]
    for trainer, weights in zip(signs, alone["signs_weights"], strict=True):
        assert all(torch.equal(v, weights[k]) for k, v in trainer.model.state_dict().items())


def test_sin_fit_starts_from_its_seed_while_another_thread_seeds_torch():
    """A sin fit is seeded when it is built: build many while another thread keeps re-seeding
    torch's global generator and drawing from it; every one starts from the same coefficients."""
    configs = [replace(c, seed=11) for c in SIN_CONFIGS]
    expected = [SineFitTrainer(c).coefficients for c in configs]
    stop = threading.Event()

    def other_session() -> None:
        seed = 0
        while not stop.is_set():
            seed += 1
            torch.manual_seed(seed)
            torch.rand(3)

    thread = threading.Thread(target=other_session)
    with switching_often():
        thread.start()
        try:
            starts = [[SineFitTrainer(c).coefficients for c in configs] for _ in range(150)]
        finally:
            stop.set()
            thread.join()
    for start in starts:
        for got, want in zip(start, expected, strict=True):
            assert torch.equal(torch.as_tensor(got), torch.as_tensor(want))
