"""core.devices.use_threads: each script thread keeps its own torch thread count (read back from
torch itself after both threads trained), which is what lets two students' jobs have different
shares in one server process."""

import threading

import torch

from core.devices import CPU_THREADS, describe_device, use_threads


def _train_a_bit() -> None:
    x = torch.randn(16, 3, 64, 64)
    torch.nn.functional.conv2d(x, torch.randn(8, 3, 3, 3)).sum()
    torch.randn(600, 600) @ torch.randn(600, 600)


def test_cpu_description_states_the_servers_threads_whatever_this_thread_uses():
    assert CPU_THREADS >= 1
    assert describe_device("cpu") == f"cpu ({CPU_THREADS} core{'s' * (CPU_THREADS != 1)})"
    seen = {}

    def job():
        use_threads(1)
        seen["label"] = describe_device("cpu")

    thread = threading.Thread(target=job)
    thread.start()
    thread.join()
    assert (
        seen["label"] == f"cpu ({CPU_THREADS} core{'s' * (CPU_THREADS != 1)})"
    )  # the picker and sidebar agree


def test_each_thread_keeps_its_own_count():
    counts, started, go = {}, threading.Barrier(2), threading.Event()

    def job(name, wanted):
        use_threads(wanted)
        started.wait()  # both have set theirs before either trains or reads it back
        go.wait()
        _train_a_bit()
        counts[name] = torch.get_num_threads()

    threads = [threading.Thread(target=job, args=(n, w)) for n, w in (("one", 1), ("two", 2))]
    for thread in threads:
        thread.start()
    go.set()
    for thread in threads:
        thread.join()
    assert counts == {"one": 1, "two": 2}
