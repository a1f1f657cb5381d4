"""core.serving.scheduling: slots, queue order, round-robin turns, forgetting students who left."""

import os
import threading

from core.serving.scheduling import TrainingSlots, fair_shares, thread_shares


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def make(capacity=1):
    clock = FakeClock()
    return TrainingSlots(capacity=capacity, quantum_s=5, stale_s=10, clock=clock), clock


def test_first_come_first_served_and_places_are_kept():
    slots, _ = make(capacity=1)
    assert slots.request("a") == 0
    assert slots.request("b") == 1
    assert slots.request("c") == 2
    assert slots.request("b") == 1  # asking again keeps b's place
    assert slots.status() == (1, 2)


def test_release_hands_the_slot_to_the_next_in_line():
    slots, _ = make(capacity=1)
    slots.request("a"), slots.request("b"), slots.request("c")
    slots.release("a")
    assert slots.request("b") == 0
    assert slots.request("c") == 1


def test_turns_rotate_when_others_wait():
    slots, clock = make(capacity=1)
    slots.request("a")
    slots.request("b")
    clock.now = 4
    assert slots.request("a") == 0 and slots.request("b") == 1
    clock.now = 6
    assert slots.request("a") == 1  # a's turn is over: b goes, a waits
    assert slots.request("b") == 0


def test_no_turnover_when_nobody_waits():
    slots, clock = make(capacity=1)
    slots.request("a")
    clock.now = 100
    assert slots.request("a") == 0


def test_students_who_left_are_forgotten():
    slots, clock = make(capacity=1)
    slots.request("a")
    slots.request("b")
    clock.now = 11  # a closed the tab: no tick for longer than stale_s
    assert slots.request("b") == 0
    assert slots.status() == (1, 0)


def test_capacity():
    slots, _ = make(capacity=2)
    assert [slots.request(w) for w in "abc"] == [0, 0, 1]


def test_thread_shares_use_every_thread_once():
    for total in range(1, 17):
        assert thread_shares(total, 1) == [total]  # a student alone gets the whole machine
        for jobs in range(1, total + 1):
            shares = thread_shares(total, jobs)
            assert len(shares) == jobs and sum(shares) == total  # never oversubscribed
            assert max(shares) - min(shares) <= 1 and shares == sorted(shares, reverse=True)
    assert thread_shares(2, 2) == [1, 1] and thread_shares(16, 3) == [6, 5, 5]
    assert thread_shares(4, 0) == []
    assert thread_shares(2, 5) == [1] * 5  # more jobs than threads (PLAYGROUND_MAX_JOBS): one each


def test_a_job_alone_gets_every_core_and_jobs_side_by_side_share_them():
    slots, clock = make(capacity=2)
    assert slots.cores_for("a", 2) == 1  # no slot yet: it trains nothing
    slots.request("a")
    assert slots.cores_for("a", 2) == 2  # alone: all of them
    slots.request("b")
    slots.request("c")  # queued: capacity 2 keeps the machine from being oversubscribed
    assert slots.status() == (2, 1)
    assert [slots.cores_for(w, 2) for w in "abc"] == [1, 1, 1]
    slots.release("a")
    assert slots.request("c") == 0
    assert slots.cores_for("b", 2) + slots.cores_for("c", 2) == 2
    clock.now = 30  # b and c went away without releasing: forgotten
    slots.request("d")
    assert slots.status() == (1, 0) and slots.cores_for("d", 2) == 2


def test_shares_of_many_cores_follow_thread_shares_in_the_order_jobs_got_a_slot():
    slots, _ = make(capacity=3)
    for who in "abc":
        slots.request(who)
    assert [slots.cores_for(w, 16) for w in "abc"] == thread_shares(16, 3) == [6, 5, 5]
    slots.release("a")
    assert [slots.cores_for(w, 16) for w in "bc"] == [8, 8]
    many, _ = make(capacity=4)
    for who in "abcd":
        many.request(who)
    assert [many.cores_for(w, 2) for w in "abcd"] == [1] * 4  # more jobs than cores: one each


def test_cores_a_job_cannot_use_go_to_the_others():
    assert fair_shares(4, [None, 1]) == [3, 1]  # SIGNS beside a sin fit
    assert fair_shares(4, [2, None]) == [2, 2]
    assert fair_shares(8, [2, 1, None]) == [2, 1, 5]
    assert fair_shares(16, [None, None, None]) == thread_shares(16, 3)
    assert fair_shares(2, [None] * 5) == [1] * 5  # more jobs than cores: one each
    for total in range(1, 9):
        for wants in ([None, 1, 3], [1, 1], [4, None, 2, 1]):
            shares = fair_shares(total, wants)
            assert all(s >= 1 for s in shares)
            assert sum(shares) <= max(total, len(wants))  # never oversubscribed
            capped = [w if w is not None else total for w in wants]
            assert all(s <= max(1, c) for s, c in zip(shares, capped, strict=True))


def test_a_job_says_what_it_can_use_and_the_others_get_the_rest():
    slots, _ = make(capacity=2)
    slots.request("signs")
    slots.request("sin")
    assert slots.cores_for("sin", 4, wants=1) == 1
    assert slots.cores_for("signs", 4, wants=None) == 3
    assert slots.cores_for("signs", 4, wants=2) == 2  # a batch of two pieces
    slots.release("sin")
    assert slots.cores_for("signs", 4, wants=2) == 2


def test_many_threads_never_exceed_capacity():
    slots = TrainingSlots(capacity=3)
    running, peak, lock = set(), [0], threading.Lock()

    def student(name):
        for _ in range(200):
            if slots.request(name) == 0:
                with lock:
                    running.add(name)
                    peak[0] = max(peak[0], len(running))
                with lock:
                    running.discard(name)
                slots.release(name)

    threads = [threading.Thread(target=student, args=(f"s{i}",)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak[0] <= 3
    assert slots.status() == (0, 0)


def test_cores_capacity_and_threads_follow_the_environment(monkeypatch):
    """A replica started by `python -m serve` with PLAYGROUND_CORES=1 trains one job on one
    thread, whatever the box has; PLAYGROUND_MAX_JOBS still overrides the capacity."""
    from core.serving import default_capacity, machine_cores

    monkeypatch.delenv("PLAYGROUND_MAX_JOBS", raising=False)
    monkeypatch.setenv("PLAYGROUND_CORES", "3")
    assert machine_cores() == 3
    assert default_capacity() == 3
    assert thread_shares(machine_cores(), 1) == [3] and thread_shares(machine_cores(), 3) == [
        1,
        1,
        1,
    ]
    monkeypatch.setenv("PLAYGROUND_MAX_JOBS", "2")
    assert default_capacity() == 2
    monkeypatch.setenv("PLAYGROUND_CORES", "not a number")
    monkeypatch.delenv("PLAYGROUND_MAX_JOBS")
    assert machine_cores() == len(os.sched_getaffinity(0))
