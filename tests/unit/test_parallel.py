"""core.parallel and the SIGNS trainer's pieces: a run uses the cores it is given, and its numbers
do not depend on how many — checked bit for bit across core counts, and against plain torch."""

from __future__ import annotations

import copy
import threading
import time

import pytest
import torch
import torch.nn.functional as F

from core.classifier import ClassifierConfig, ClassifierTrainer, evaluate, tensor_data
from core.parallel import cores, piece_sizes, run_pieces, using_cores
from core.signs.loader import train_loader
from core.signs.models import build_model
from core.signs_data import synthetic_signs


@pytest.fixture(scope="module")
def data():
    return tensor_data(synthetic_signs(n_train=96, n_test=12, seed=2), val_fraction=0.0)


def test_pieces_come_back_in_order_and_never_use_more_workers_than_granted():
    busy, peak, lock = [0], [0], threading.Lock()

    def piece(value: int):
        def run() -> int:
            with lock:
                busy[0] += 1
                peak[0] = max(peak[0], busy[0])
            time.sleep(0.02)
            with lock:
                busy[0] -= 1
            return value * value

        return run

    assert run_pieces([piece(i) for i in range(7)], workers=2) == [i * i for i in range(7)]
    assert peak[0] == 2
    peak[0] = 0
    with using_cores(1):
        assert cores() == 1
        assert run_pieces([piece(i) for i in range(3)]) == [0, 1, 4]  # the grant is the default
    assert peak[0] == 1
    assert run_pieces([]) == []


def test_a_grant_holds_on_its_own_thread_only_and_ends_with_its_block():
    outside = cores()
    seen = {}
    with using_cores(3):
        thread = threading.Thread(target=lambda: seen.setdefault("other", cores()))
        thread.start()
        thread.join()
        with using_cores(1):
            assert cores() == 1
        assert cores() == 3
    assert cores() == outside and seen["other"] == outside


def test_a_failing_piece_raises_after_every_piece_has_stopped():
    finished = []

    def slow() -> None:
        time.sleep(0.05)
        finished.append("slow")

    def broken() -> None:
        raise ValueError("this piece fails")

    with pytest.raises(ValueError, match="this piece fails"):
        run_pieces([broken, slow], workers=2)
    assert finished == ["slow"]


def test_pieces_run_single_threaded_and_a_piece_may_split_itself():
    threads = run_pieces([torch.get_num_threads] * 2, workers=2)
    assert threads == [1, 1]
    nested = run_pieces([lambda: run_pieces([lambda: 1, lambda: 2], workers=2)], workers=1)
    assert nested == [[1, 2]]  # run in place: a worker never waits for another worker


@pytest.mark.parametrize(
    ("batch", "sizes"),
    [
        (1, [1]),
        (15, [15]),
        (31, [31]),
        (32, [16, 16]),
        (33, [17, 16]),
        (64, [16] * 4),
        (256, [64] * 4),
    ],
)
def test_a_batch_is_cut_by_its_size_alone(batch, sizes):
    assert piece_sizes(batch) == sizes


def weights(trainer: ClassifierTrainer) -> dict:
    return {k: v.clone() for k, v in trainer.model.state_dict().items()}


@pytest.mark.parametrize("model", ["signs_cnn", "mlp"])
def test_the_same_seed_gives_the_same_bits_on_one_two_or_three_cores(data, model):
    config = ClassifierConfig(model=model, batch_size=64, epochs=1, rotation=10.0, val_fraction=0.0)
    runs = []
    for count in (1, 2, 3):
        trainer = ClassifierTrainer(config, data)
        with using_cores(count):
            trainer.run(2)  # batches of 64 and 32: four pieces, then two
        runs.append((list(trainer.batch_losses), weights(trainer)))
    for losses, state in runs[1:]:
        assert losses == runs[0][0]
        assert all(torch.equal(state[k], runs[0][1][k]) for k in state)


def first_batch(config: ClassifierConfig, data) -> tuple[torch.Tensor, torch.Tensor]:
    """The trainer's first batch: its DataLoader drawn from a generator seeded as the trainer's."""
    loader = train_loader(
        data.train_images, data.train_labels, config, torch.Generator().manual_seed(config.seed)
    )
    return next(iter(loader))


def test_pieces_give_torchs_full_batch_step_for_a_model_without_batch_norm(data):
    """TinyVGG (no batch norm, no dropout): the summed pieces' gradients are the full batch's,
    so one SGD step lands where torch's own step on the whole batch does."""
    config = ClassifierConfig(
        model="tinyvgg",
        optimizer="sgd",
        lr=0.05,
        lr_schedule="constant",
        batch_size=64,
        flip=False,
        epochs=1,
        val_fraction=0.0,
    )
    images, labels = first_batch(config, data)
    model = build_model("tinyvgg", generator=torch.Generator().manual_seed(config.seed))
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    with torch.no_grad():
        expected = {n: p - 0.05 * p.grad for n, p in model.named_parameters()}
    trainer = ClassifierTrainer(config, data)
    with using_cores(2):
        trainer.run(1)
    assert piece_sizes(64) == [16] * 4
    assert trainer.batch_losses[0] == pytest.approx(loss.item(), rel=1e-5)
    for name, value in trainer.model.named_parameters():
        torch.testing.assert_close(value, expected[name], rtol=1e-5, atol=1e-6)


def test_batch_norm_normalises_each_piece_and_keeps_the_pieces_mean_statistics(data):
    """The course CNN (dropout off): torch modules run on each piece by hand — one copy of the
    model per piece, the mean loss's share backpropagated, gradients summed, the running
    statistics averaged — give the trainer's step."""
    config = ClassifierConfig(
        model="signs_cnn",
        optimizer="sgd",
        lr=0.05,
        lr_schedule="constant",
        batch_size=32,
        dropout=0.0,
        flip=False,
        epochs=1,
        val_fraction=0.0,
    )
    images, labels = first_batch(config, data)
    model = build_model("signs_cnn", dropout=0.0, generator=torch.Generator().manual_seed(0))
    copies = [model, copy.deepcopy(model)]
    for twin, x, y in zip(copies, images.split(16), labels.split(16), strict=True):
        (F.cross_entropy(twin(x), y) * 0.5).backward()
    with torch.no_grad():
        expected = {
            n: p - 0.05 * (p.grad + q.grad)
            for (n, p), q in zip(model.named_parameters(), copies[1].parameters(), strict=True)
        }
        for name, buffer in model.named_buffers():
            if buffer.is_floating_point():
                expected[name] = (buffer + copies[1].get_buffer(name)) / 2
    trainer = ClassifierTrainer(config, data)
    with using_cores(2):
        trainer.run(1)
    state = trainer.model.state_dict()
    for name, value in expected.items():
        torch.testing.assert_close(state[name], value, rtol=1e-5, atol=1e-6, msg=name)
    assert state["features.0.1.num_batches_tracked"].item() == 1


def test_a_new_head_gets_new_copies_and_evaluation_is_the_same_on_any_cores(data):
    config = ClassifierConfig(batch_size=32, epochs=2, val_fraction=0.0)
    trainer = ClassifierTrainer(config, data)
    trainer.run(1)
    trainer.model.classifier[-1] = torch.nn.Linear(128, 6)  # as fine-tuning swaps the head
    trainer.optimizer = torch.optim.SGD(trainer.model.parameters(), lr=0.01)
    trainer.run(1)
    assert trainer.batches_done == 2
    with using_cores(1):  # 96 images: two pieces of EVAL_BATCH
        one = evaluate(trainer.model, data.train_images, data.train_labels)
    with using_cores(2):
        two = evaluate(trainer.model, data.train_images, data.train_labels)
    assert torch.equal(one.probabilities, two.probabilities) and one.loss == two.loss


def test_copies_given_back_mid_run_change_nothing(data):
    """A stopped run frees its pieces' model copies; the next batch makes them again and their
    dropout masks go on where they stopped: the same bits as a run never stopped."""
    config = ClassifierConfig(batch_size=32, epochs=1, dropout=0.3, val_fraction=0.0)
    straight, stopped = ClassifierTrainer(config, data), ClassifierTrainer(config, data)
    straight.run(3)
    stopped.run(1)
    stopped.free_copies()
    stopped.run(2)
    assert straight.batch_losses == stopped.batch_losses
    assert all(torch.equal(v, weights(straight)[k]) for k, v in weights(stopped).items())


def test_freezing_layers_mid_run_copies_the_model_anew(data):
    """Copies follow which parameters train: frozen ones get no gradient from any piece."""
    trainer = ClassifierTrainer(ClassifierConfig(batch_size=32, epochs=2, val_fraction=0.0), data)
    trainer.run(1)
    frozen = trainer.model.features[0][0].weight
    frozen.requires_grad_(False)
    before = frozen.detach().clone()
    trainer.run(1)
    assert frozen.grad is None and torch.equal(frozen, before)
    assert trainer.batches_done == 2
