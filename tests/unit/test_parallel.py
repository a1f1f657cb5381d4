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
from core.parallel import cores, meeting, piece_sizes, run_pieces, run_together, using_cores
from core.piece_norm import whole_batch_norm
from core.signs.loader import train_loader
from core.signs.models import build_model
from core.signs_data import synthetic_signs


@pytest.fixture(scope="module")
def data():
    return tensor_data(synthetic_signs(n_train=96, n_test=12, seed=2), val_fraction=0.0)


class Busy:
    """Counts the pieces computing at once: `work(seconds)` inside a piece, `peak` the most seen."""

    def __init__(self) -> None:
        self.busy = self.peak = 0
        self._lock = threading.Lock()

    def work(self, seconds: float) -> None:
        with self._lock:
            self.busy += 1
            self.peak = max(self.peak, self.busy)
        time.sleep(seconds)
        with self._lock:
            self.busy -= 1


def test_pieces_come_back_in_order_and_never_use_more_workers_than_granted():
    counter = Busy()

    def piece(value: int):
        def run() -> int:
            counter.work(0.02)
            return value * value

        return run

    assert run_pieces([piece(i) for i in range(7)], workers=2) == [i * i for i in range(7)]
    assert counter.peak == 2
    counter.peak = 0
    with using_cores(1):
        assert cores() == 1
        assert run_pieces([piece(i) for i in range(3)]) == [0, 1, 4]  # the grant is the default
    assert counter.peak == 1
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


def test_pieces_run_together_meet_and_take_turns_on_fewer_cores():
    """run_together starts every piece at once; at a meeting each gets every piece's value in
    order, and with one core granted they still never compute two at a time."""
    counter = Busy()

    def piece(value: int):
        def run() -> list:
            seen = []
            for round_number in range(3):
                counter.work(0.01)
                seen.append(meeting().share(round_number, value * 10 + round_number))
            return seen

        return run

    for granted in (1, 3):
        counter.peak = 0
        results = run_together([piece(i) for i in range(3)], workers=granted)
        assert results == [[[0, 10, 20], [1, 11, 21], [2, 12, 22]]] * 3
        assert counter.peak == granted
    assert meeting() is None  # outside a piece there is nobody to meet


def test_a_piece_that_fails_before_its_meeting_releases_the_others():
    def waits() -> list:
        return meeting().share("stats", 1)

    def broken() -> None:
        raise ValueError("this piece fails")

    started = time.perf_counter()
    with pytest.raises(ValueError, match="this piece fails"):
        run_together([waits, broken, waits], workers=3)
    with pytest.raises(ValueError, match="this piece fails"):  # whichever piece it is
        run_together([waits, waits, broken], workers=1)
    assert time.perf_counter() - started < 5  # nobody waited for the broken piece
    assert run_together([lambda: 1, lambda: 2]) == [1, 2]  # the workers were given back


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
    model.to(memory_format=torch.channels_last)  # laid out as the trainer keeps it on a CPU
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


@pytest.mark.parametrize("cores_given", [1, 2])
def test_batch_norm_over_the_pieces_is_torchs_batch_norm_over_the_whole_batch(data, cores_given):
    """The course CNN (dropout off), batch of 64 in four pieces: the pieces meet at every batch
    norm layer, so the trainer's step (loss, weights, running statistics) is torch's own
    full-batch step, on one core (the pieces taking turns) as on two."""
    config = ClassifierConfig(
        model="signs_cnn",
        optimizer="sgd",
        lr=0.05,
        lr_schedule="constant",
        batch_size=64,
        dropout=0.0,
        flip=False,
        epochs=1,
        val_fraction=0.0,
    )
    images, labels = first_batch(config, data)
    model = build_model("signs_cnn", dropout=0.0, generator=torch.Generator().manual_seed(0))
    model.to(memory_format=torch.channels_last)  # laid out as the trainer keeps it on a CPU
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    with torch.no_grad():
        expected = {n: p - 0.05 * p.grad for n, p in model.named_parameters()}
        expected.update(model.named_buffers())
    trainer = ClassifierTrainer(config, data)
    with using_cores(cores_given):
        trainer.run(1)
    assert piece_sizes(64) == [16] * 4
    assert trainer.batch_losses[0] == pytest.approx(loss.item(), rel=1e-6)
    state = trainer.model.state_dict()
    # Up to float32 rounding, which torch's channels-last batch norm kernels make larger than its
    # default ones (measured: their sums over 16 images and over 64 put the weights up to 7e-5
    # apart here; the formula itself is exact in float64, see the next test). Normalising each
    # piece over itself instead (ghost batches) moves them by 7e-3, and the loss by 4e-3.
    for name, value in expected.items():
        torch.testing.assert_close(
            state[name], value, rtol=1e-5, atol=2e-4, msg=lambda m, name=name: f"{name}: {m}"
        )
    assert state["features.0.1.num_batches_tracked"].item() == 1


def test_whole_batch_norm_matches_torch_for_1d_and_2d_without_affine_and_with_cumulative_momentum():
    """core.piece_norm on its own, against torch's batch norm of the whole batch: outputs, every
    gradient and the running statistics, for layers of every kind the models use, and for the
    channels-last layout the trainer keeps on a CPU (in float64 there: its float32 kernels add
    up in another order than the default layout's, so only float64 shows the formula exact)."""
    generator = torch.Generator().manual_seed(3)
    layers = [
        torch.nn.BatchNorm2d(5),
        torch.nn.BatchNorm1d(7, affine=False),
        torch.nn.BatchNorm1d(7, momentum=None),
        torch.nn.BatchNorm2d(5).double(),
    ]
    shapes = [(24, 5, 6, 6), (24, 7), (24, 7), (24, 5, 6, 6)]
    for layer, shape in zip(layers, shapes, strict=True):
        dtype = layer.running_mean.dtype
        tolerance = (
            {"rtol": 1e-5, "atol": 1e-5}
            if dtype == torch.float32
            else {"rtol": 1e-12, "atol": 1e-12}
        )
        if layer.affine:
            torch.nn.init.normal_(layer.weight, generator=generator)
            torch.nn.init.normal_(layer.bias, generator=generator)
        x = torch.randn(shape, generator=generator, dtype=dtype) * 3 + 1
        dy = torch.randn(shape, generator=generator, dtype=dtype)
        if dtype == torch.float64:
            x = x.contiguous(memory_format=torch.channels_last)
            dy = dy.contiguous(memory_format=torch.channels_last)
        whole = copy.deepcopy(layer)
        xw = x.clone().requires_grad_(True)
        expected = whole(xw)
        expected.backward(dy)
        copies = [layer, copy.deepcopy(layer), copy.deepcopy(layer)]
        xs = [part.clone().requires_grad_(True) for part in x.split([10, 8, 6])]

        def piece(twin: torch.nn.Module, part: torch.Tensor, grad: torch.Tensor):
            def run() -> torch.Tensor:
                out = twin(part)
                out.backward(grad)
                return out.detach()

            return run

        pieces = [piece(*p) for p in zip(copies, xs, dy.split([10, 8, 6]), strict=True)]
        with whole_batch_norm(copies):
            outs = run_together(pieces, workers=2)
        torch.testing.assert_close(torch.cat(outs), expected.detach(), **tolerance)
        torch.testing.assert_close(torch.cat([t.grad for t in xs]), xw.grad, **tolerance)
        if layer.affine:
            grads = [sum(c.weight.grad for c in copies), sum(c.bias.grad for c in copies)]
            torch.testing.assert_close(grads[0], whole.weight.grad, **tolerance)
            torch.testing.assert_close(grads[1], whole.bias.grad, **tolerance)
        for twin in copies:  # every copy updated its statistics as the whole batch did
            torch.testing.assert_close(twin.running_mean, whole.running_mean)
            torch.testing.assert_close(twin.running_var, whole.running_var)
            assert twin.num_batches_tracked.item() == whole.num_batches_tracked.item()
        assert "forward" not in vars(layer)  # the layers are plain batch norm again


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
