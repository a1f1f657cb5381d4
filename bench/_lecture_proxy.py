"""`python -m bench lecture --through-proxy --replicas N`: the lecture through nginx.

The same class and tour as bench/lecture.py, against `python -m serve`'s deployment (N replicas
on consecutive loopback ports, nginx in front, started in this process by serve.Supervisor).
Each student's client behaves like a browser behind the proxy (bench/_st_client.py,
`proxied=True`): it loads the page over HTTP, keeps nginx's tp_replica cookie and sends it with
the websocket and every later request. Stickiness is checked twice: every response nginx gives
a student names its replica (X-Replica), and between pages and at the end the student fetches
/_stcore/health and the pictures on its screen (/media/..., which exist only in the memory of
the replica that drew them): all must come from one replica and every picture must load.

Last line: the lecture's figures plus replicas, cores, students_per_core, sessions_on_one_replica,
students_by_replica, media_checked, media_failed. Goal: completed == sessions, cross_talk == 0,
errors == 0, sessions_on_one_replica == sessions, p95_s < 2.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench._st_client import StreamlitClient, StreamlitClientError
from bench.lecture import (
    Hall,
    HealthProbe,
    Options,
    Student,
    _BackgroundSampler,
    drive,
    percentile,
    rounded,
)
from harness import free_ports
from serve import Supervisor, make_plan

MEDIA_PER_PROBE = 3  # pictures fetched per check: enough to prove they live on this replica


class ProxiedStudent(Student):
    """A student whose browser sits behind nginx: cookies, and a check of the replica."""

    def __init__(self, hall: Hall, index: int, url: str) -> None:
        super().__init__(hall, index, url)
        self.client = StreamlitClient(url, name=f"session {index}", proxied=True)
        self.media_checked = 0
        self.media_failed: list[str] = []

    async def probe(self) -> None:
        """Fetch health and the pictures on screen with this student's cookies."""
        status, _ = await self.client.get("/_stcore/health")
        self.expect(status == 200, f"/_stcore/health through the proxy answered {status}")
        for url in self.client.media_urls()[:MEDIA_PER_PROBE]:
            status, body = await self.client.get(url)
            self.media_checked += 1
            if status != 200 or not body:
                self.media_failed.append(f"{url} -> {status}")
                raise StreamlitClientError(
                    f"{self.stage}: the picture {url} answered {status} through the proxy"
                )

    async def go(self, page: str) -> None:
        await self.probe()  # the pictures of the page being left
        await super().go(page)

    async def tour(self) -> None:
        await super().tour()
        await self.probe()

    def replicas(self) -> set[str | None]:
        return {replica for _what, replica in self.client.replicas_seen}


class DeploymentRss(_BackgroundSampler):
    """Resident memory of every replica and nginx (with nginx's workers), every 0.25 s."""

    def __init__(self, supervisor: Supervisor) -> None:
        super().__init__()
        self.supervisor = supervisor
        self.max_bytes = 0

    def _loop(self) -> None:
        import psutil

        while not self._stop.is_set():
            total = 0
            for pid in self.supervisor.pids():
                with contextlib.suppress(psutil.Error):
                    process = psutil.Process(pid)
                    total += process.memory_info().rss
                    for child in process.children(recursive=True):
                        total += child.memory_info().rss
            self.max_bytes = max(self.max_bytes, total)
            self._stop.wait(0.25)


def run_through_proxy(options: Options, replicas: int, pin: bool = False) -> dict:
    """Start `python -m serve`'s deployment on loopback, drive the class through nginx, return
    the figures. All of the box's cores are split between the replicas (and pinned to it
    with `pin`)."""
    load_before = os.getloadavg()[0]
    first = free_ports(replicas + 1)
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as run_dir:
        plan = make_plan(replicas, port=first, address="127.0.0.1", run_dir=Path(run_dir))
        log: list[str] = []
        with (
            Supervisor(plan, log=log.append, pin=pin) as supervisor,
            DeploymentRss(supervisor) as rss,
        ):
            url = f"http://127.0.0.1:{plan.port}"
            with HealthProbe(url) as health:
                students: list[ProxiedStudent] = []

                def student(hall: Hall, index: int, url: str) -> ProxiedStudent:
                    students.append(ProxiedStudent(hall, index, url))
                    return students[-1]

                started = time.perf_counter()
                hall = asyncio.run(drive(url, options, student_class=student))
                wall = time.perf_counter() - started
            restarts = sum(life.restarts for life in supervisor.lives.values())
        exits = sum(supervisor.exits.values())  # counted by stop() too
        crash_logs = {  # the end of a crashed replica's log (its faulthandler stacks)
            name: (plan.run_dir / f"replica-{name}.log").read_text(errors="replace")[-1500:]
            for name, count in supervisor.exits.items()
            if count
        }
    latencies = [i.seconds for i in hall.interactions]
    training = [i.seconds for i in hall.interactions if i.while_training]
    on_one = [s for s in students if len(s.replicas()) == 1 and None not in s.replicas()]
    switched = [s for s in students if s not in on_one]
    by_replica = Counter(next(iter(s.replicas())) for s in on_one)
    cores = sum(r.cores for r in plan.replicas) if not plan.replicas[0].shares_cpus else None
    result = {
        "sessions": options.sessions,
        "completed": hall.completed,
        "cross_talk": hall.cross_talk,
        "errors": len(hall.errors),
        "replicas": replicas,
        "pinned": pin,
        "cores": cores or os.cpu_count(),
        "students_per_core": round(options.sessions / (cores or os.cpu_count()), 1),
        "p50_s": rounded(percentile(latencies, 0.5)),
        "p95_s": rounded(percentile(latencies, 0.95)),
        "p95_training_s": rounded(percentile(training, 0.95)),
        "max_s": rounded(max(latencies, default=None)),
        "interactions": len(latencies),
        "sessions_on_one_replica": len(on_one),
        "students_by_replica": dict(sorted(by_replica.items())),
        "replica_switches": [
            f"session {s.index}: {sorted(map(str, s.replicas()))}" for s in switched
        ][:5],
        "media_checked": sum(s.media_checked for s in students),
        "media_failed": [m for s in students for m in s.media_failed][:5],
        "replica_restarts": restarts,
        "replica_exits": exits,  # crashes: a replica that died during the class
        "health_p95_s": rounded(percentile(health.samples, 0.95)),
        "page_load_p50_s": rounded(percentile(hall.page_loads, 0.5)),
        "tour_p50_s": rounded(percentile(hall.tours, 0.5)),
        "max_rss_mb": round(rss.max_bytes / 2**20, 1),
        "wall_s": round(wall, 1),
        "load_avg_before": round(load_before, 1),
        "load_avg_after": round(os.getloadavg()[0], 1),
        "sin_steps": options.sin_steps,
        "think_s": options.think,
        "pages": list(options.pages),
        "goal": "completed == sessions, cross_talk == 0, errors == 0, "
        "sessions_on_one_replica == sessions, p95_s < 2",
    }
    result["goal_met"] = bool(
        result["completed"] == options.sessions
        and not result["cross_talk"]
        and not result["errors"]
        and result["sessions_on_one_replica"] == options.sessions
        and (result["p95_s"] or 0) < 2.0
    )
    result["error_samples"] = hall.errors[:5]
    result["replica_crash_logs"] = crash_logs
    result["supervisor_log"] = [line for line in log if " started on port " not in line][-5:]
    return result
