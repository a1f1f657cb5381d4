"""The fair training queue: students' training jobs share the machine's cores in turns.

A fixed number of slots, a first-come queue for the rest, round-robin turns, and forgetting
students who went away.

Pure Python (no streamlit) so it can be tested headless; the app keeps one instance per process.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


def machine_cores() -> int:
    """The cores this server may use: $PLAYGROUND_CORES (set by `python -m serve` for each replica
    of a box shared by several), else the CPUs this process may run on, else os.cpu_count()."""
    configured = os.environ.get("PLAYGROUND_CORES", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def default_capacity() -> int:
    """How many training jobs run at once: $PLAYGROUND_MAX_JOBS, else one per core."""
    configured = os.environ.get("PLAYGROUND_MAX_JOBS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return machine_cores()


def thread_shares(total: int, jobs: int) -> list[int]:
    """torch threads for each of `jobs` running jobs, earliest first, so that together they use
    the `total` threads once: equal shares, the remainder to the earliest jobs, at least 1 each
    (more jobs than threads, which only a PLAYGROUND_MAX_JOBS above the core count allows, get
    one thread each). One job alone gets all `total`."""
    total, jobs = max(1, total), max(0, jobs)
    if jobs == 0:
        return []
    share, rest = divmod(total, jobs)
    if share == 0:
        return [1] * jobs
    return [share + 1 if place < rest else share for place in range(jobs)]


def fair_shares(total: int, wants: list[int | None]) -> list[int]:
    """Cores for jobs that want at most `wants[i]` each (None: any number), earliest first:
    equal shares as `thread_shares` splits them, and what a job cannot use goes on to the
    others (a sin fit uses one core, so a SIGNS run beside it on four cores gets three). At
    least 1 each; more jobs than cores (PLAYGROUND_MAX_JOBS above the core count) get 1 each."""
    total = max(1, total)
    shares = [0] * len(wants)
    caps = [total if want is None else max(1, min(total, want)) for want in wants]
    left, active = total, list(range(len(wants)))
    while left > 0 and active:
        if left >= len(active):
            offers = thread_shares(left, len(active))
        else:  # fewer cores left than jobs still wanting: one each to the earliest
            offers = [1] * left + [0] * (len(active) - left)
        given = 0
        for job, offer in zip(active, offers, strict=True):
            taken = min(offer, caps[job] - shares[job])
            shares[job] += taken
            given += taken
        left -= given
        active = [job for job in active if shares[job] < caps[job]]
        if given == 0:
            break
    return [max(1, share) for share in shares]


@dataclass
class TrainingSlots:
    """Who may train now. Every training tick calls `request(who)`; 0 means "go", N > 0 means
    "N-th in line, wait". A holder gives its slot up after `quantum_s` when others wait, and
    anyone not heard from for `stale_s` is forgotten (closed tab, finished run)."""

    capacity: int = field(default_factory=default_capacity)
    quantum_s: float = 5.0  # a turn, when others are waiting
    stale_s: float = 10.0  # silence after which a holder or waiter is dropped
    clock: Callable[[], float] = time.monotonic
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _holders: dict[str, tuple[float, float]] = field(
        default_factory=dict
    )  # who -> (since, last seen)
    _waiting: dict[str, float] = field(default_factory=dict)  # who -> last seen, in arrival order
    _wants: dict[str, int | None] = field(default_factory=dict)  # who -> cores it can use

    def request(self, who: str) -> int:
        """0 when `who` may run a chunk of training now, else its 1-based place in the queue."""
        with self._lock:
            now = self.clock()
            self._forget_stale(now)
            if who in self._holders:
                since, _ = self._holders[who]
                if self._waiting and now - since >= self.quantum_s:
                    del self._holders[who]  # turn over: to the back of the line
                    self._waiting[who] = now
                else:
                    self._holders[who] = (since, now)
                    return 0
            else:
                self._waiting[who] = now  # a waiter keeps its place; a newcomer joins the back
            self._promote(now)
            if who in self._holders:
                return 0
            return list(self._waiting).index(who) + 1

    def release(self, who: str) -> None:
        """`who` stopped or finished training: free its slot or place."""
        with self._lock:
            self._holders.pop(who, None)
            self._waiting.pop(who, None)
            self._wants.pop(who, None)
            self._promote(self.clock())

    def knows(self, who: str) -> bool:
        """Whether `who` holds a slot or waits in line now."""
        with self._lock:
            return who in self._holders or who in self._waiting

    def cores_for(self, who: str, total: int, wants: int | None = None) -> int:
        """The cores `who`'s job may use now, for a job that can use at most `wants` (None: any
        number): its fair share of `total` among the jobs holding a slot (`fair_shares`, in the
        order they got it, each with what it last said it wants), so a job alone gets all it can
        use and several split them without oversubscribing the machine; 1 for a job that holds
        no slot. A job's results do not depend on it: core.parallel runs the same fixed pieces
        on any number of cores."""
        with self._lock:
            self._forget_stale(self.clock())
            holders = list(self._holders)
            if who not in holders:
                return 1
            self._wants[who] = wants
            shares = fair_shares(total, [self._wants.get(h) for h in holders])
            return shares[holders.index(who)]

    def status(self) -> tuple[int, int]:
        """(jobs running, jobs waiting)."""
        with self._lock:
            self._forget_stale(self.clock())
            return len(self._holders), len(self._waiting)

    def _forget_stale(self, now: float) -> None:
        for who in [w for w, (_, seen) in self._holders.items() if now - seen > self.stale_s]:
            del self._holders[who]
            self._wants.pop(who, None)
        for who in [w for w, seen in self._waiting.items() if now - seen > self.stale_s]:
            del self._waiting[who]

    def _promote(self, now: float) -> None:
        while self._waiting and len(self._holders) < self.capacity:
            who = next(iter(self._waiting))
            del self._waiting[who]
            self._holders[who] = (now, now)
