"""Work split into fixed pieces, run on as many cores as a job has: same bits on 1 core or 8.

PyTorch's own CPU parallelism splits an operation among its threads, and with another thread
count a sum is added up in another order: the same seed gives another run (measured: the SIGNS
CNN's weights differ by up to 0.02 after two epochs on 1 and on 2 threads). So a job here never
changes torch's thread count: every piece of work runs single-threaded on a worker thread of one
process-wide pool (torch releases the GIL inside its operations, so the workers use the cores
at once), and the pieces are fixed by the data, never by how many cores are free. A job with one
core runs its pieces one after the other; a job alone on a 2-core server runs two at a time;
the results are combined in the pieces' order either way, so they are the same bits.
`run_pieces` runs independent pieces (evaluation); `run_together` starts a batch's pieces at once
so that they can meet mid-way and share values (batch norm's statistics: core.piece_norm).

How many cores a job may use is set around its work with `using_cores(n)` (the training queue's
share, see core.serving.TrainingSlots.cores_for); code that sets nothing, such as a script or
a benchmark alone in its process, gets every core torch found (CPU_THREADS).

Pure Python and torch (no streamlit).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

import torch

from core.devices import CPU_THREADS

T = TypeVar("T")

_here = threading.local()  # .cores: the cores granted to the job running on this thread
_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
# Workers enough for every job of a full queue to use its share at once (the queue never grants
# more cores in all than CPU_THREADS, but PLAYGROUND_MAX_JOBS may allow more jobs than cores).
POOL_WORKERS = max(8, 2 * CPU_THREADS)
_PREFIX = "torch-piece"


def _one_thread() -> None:
    # Kept per worker thread (OpenMP's per-thread count). torch also takes it as the count of
    # threads started later, so a server's new script threads start with one thread too, as
    # ui.classroom.job_cores sets them anyway; threads that already ran an op keep theirs.
    torch.set_num_threads(1)


def _workers() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                POOL_WORKERS, thread_name_prefix=_PREFIX, initializer=_one_thread
            )
        return _pool


_default = [CPU_THREADS]  # the grant of work outside any `using_cores` block


def set_default_cores(count: int) -> None:
    """The cores of work outside any `using_cores` block, process-wide: a server sets 1, so that
    what is not training (a Results tab's evaluation) never takes the cores the queue granted."""
    _default[0] = max(1, int(count))


def cores() -> int:
    """The cores the job on this thread may use now: its `using_cores` grant, else the default
    (all of torch's threads for a script or benchmark alone; see `set_default_cores`)."""
    return max(1, getattr(_here, "cores", _default[0]))


@contextmanager
def using_cores(count: int) -> Iterator[int]:
    """Within the block, work started on this thread runs on at most `count` cores."""
    before = getattr(_here, "cores", None)
    _here.cores = max(1, int(count))
    try:
        yield _here.cores
    finally:
        if before is None:
            del _here.cores
        else:
            _here.cores = before


class Meeting:
    """Where the pieces of one `run_together` call meet: `share(key, value)` waits until every
    piece has given its value for `key` and returns them all in the pieces' order. A piece
    gives back its core while it waits, so a job granted fewer cores than it has pieces still
    gets through (the pieces take turns between meetings)."""

    def __init__(self, count: int, cores: int) -> None:
        self.count = count
        self._barrier = threading.Barrier(count)
        self._permits = threading.Semaphore(cores)
        self._lock = threading.Lock()
        self._slots: dict[object, list] = {}

    def share(self, key: object, value: object) -> list:
        index = _here.meeting[1]
        with self._lock:
            slot = self._slots.setdefault(key, [None] * self.count)
        slot[index] = value
        self._permits.release()
        try:
            self._barrier.wait(MEETING_TIMEOUT_S)
        finally:
            self._permits.acquire()
        if any(value is None for value in slot):
            raise RuntimeError(f"the pieces did not all meet at {key!r}")
        return list(slot)

    def abort(self) -> None:
        """A piece failed: the others stop waiting for it (threading.BrokenBarrierError)."""
        self._barrier.abort()


MEETING_TIMEOUT_S = 600.0  # a safety net only: pieces of one batch meet within milliseconds


def meeting() -> Meeting | None:
    """The meeting of the `run_together` piece running on this thread, else None."""
    place = getattr(_here, "meeting", None)
    return None if place is None else place[0]


_group_pool: ThreadPoolExecutor | None = None
_group_free = threading.Condition()
_group_workers = [POOL_WORKERS]  # workers not yet reserved by a run_together call


def run_together(pieces: Sequence[Callable[[], T]], workers: int | None = None) -> list[T]:
    """Run every piece on a worker thread of its own, all started at once so that they can meet
    (`meeting().share`), at most `workers` (default `cores()`) computing at a time, and return
    their results in order. The workers of a call are reserved all together (a call never holds
    some while waiting for the rest, so calls from many jobs cannot block each other). An
    exception in a piece breaks its meeting and is raised here once every piece has stopped."""
    global _group_pool
    count = len(pieces)
    if count <= 1 or count > POOL_WORKERS:
        raise ValueError(f"run_together takes 2 to {POOL_WORKERS} pieces, not {count}")
    width = max(1, min(count, workers if workers is not None else cores()))
    place = Meeting(count, width)
    results: list = [None] * count

    def run(index: int) -> None:
        _here.meeting = (place, index)
        place._permits.acquire()
        try:
            results[index] = pieces[index]()
        except BaseException:
            place.abort()
            raise
        finally:
            place._permits.release()
            del _here.meeting

    with _group_free:
        _group_free.wait_for(lambda: _group_workers[0] >= count)
        _group_workers[0] -= count
        if _group_pool is None:
            _group_pool = ThreadPoolExecutor(
                POOL_WORKERS, thread_name_prefix=_PREFIX, initializer=_one_thread
            )
    try:
        futures = [_group_pool.submit(run, index) for index in range(count)]
        errors = [future.exception() for future in futures]  # waits for all of them
    finally:
        with _group_free:
            _group_workers[0] += count
            _group_free.notify_all()
    raised = [error for error in errors if error is not None]
    if raised:  # the piece that failed, not the others it left waiting at a broken meeting
        broken = threading.BrokenBarrierError
        raise next((e for e in raised if not isinstance(e, broken)), raised[0])
    return results


def run_pieces(pieces: Sequence[Callable[[], T]], workers: int | None = None) -> list[T]:
    """Run every piece single-threaded on the pool, at most `workers` (default: `cores()`) at
    once, and return their results in the pieces' order. Runner r takes pieces r, r + w, ...
    in turn, so a job never holds more workers than it was granted. An exception in a piece is
    raised here, after every runner has stopped (nothing keeps using the job's tensors)."""
    if not pieces:
        return []
    if threading.current_thread().name.startswith(_PREFIX):  # a piece splitting itself further
        return [piece() for piece in pieces]
    width = max(1, min(len(pieces), workers if workers is not None else cores()))
    results: list = [None] * len(pieces)

    def runner(first: int) -> None:
        for index in range(first, len(pieces), width):
            results[index] = pieces[index]()

    futures = [_workers().submit(runner, first) for first in range(width)]
    errors = [future.exception() for future in futures]  # waits for all of them
    for error in errors:
        if error is not None:
            raise error
    return results


# Training batches are split into pieces of at least PIECE_IMAGES images, at most MAX_PIECES:
# a fixed rule of the batch size alone (never of the free cores), so one seed gives one run.
# The pieces of a batch run together (run_together) and meet at every batch norm layer to share
# their statistics (core.piece_norm), so batch norm still normalises over the whole batch.
# Each piece trains on a copy of the model, so MAX_PIECES also bounds a session's model copies.
PIECE_IMAGES = 16
MAX_PIECES = 4


def piece_sizes(batch: int) -> list[int]:
    """How a training batch of `batch` images is split: as even as torch.chunk splits it."""
    count = max(1, min(MAX_PIECES, batch // PIECE_IMAGES))
    return [len(part) for part in torch.arange(batch).chunk(count)]
