"""core.serving.scheduling: slots, queue order, round-robin turns, forgetting students who left."""

import threading

from core.serving.scheduling import TrainingSlots, threads_per_job


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


def test_capacity_and_threads():
    slots, _ = make(capacity=2)
    assert [slots.request(w) for w in "abc"] == [0, 0, 1]
    assert threads_per_job(1) >= 1 and threads_per_job(10**6) == 1


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
