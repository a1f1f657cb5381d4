"""The processes of `python -m serve`: N replicas and nginx, watched and restarted.

One loop (`poll`, every second) notices a replica that exited and starts it again after the
restart policy's delay; health polls of each replica's /_stcore/health run beside it in a small
thread pool, and a replica that stops answering is killed and restarted like one that died.
nginx, a foreground child, is restarted the same way. `stop()` ends them all: nginx first (no new
connections), then the replicas (SIGTERM, then SIGKILL after a grace period).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from serve import nginx
from serve.plan import ROOT, Replica, ServeError, ServePlan, replica_command, replica_env
from serve.restart import ReplicaLife, RestartPolicy

HEALTH_TIMEOUT_S = 10.0


def healthy(url: str, timeout: float = HEALTH_TIMEOUT_S) -> bool:
    """True when `url`/_stcore/health answers ok."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as reply:
            return reply.status == 200 and reply.read().strip() == b"ok"
    except OSError:
        return False


def _log(line: str) -> None:
    print(f"serve {time.strftime('%H:%M:%S')} {line}", file=sys.stderr, flush=True)


class Supervisor:
    def __init__(
        self,
        plan: ServePlan,
        *,
        python: str = sys.executable,
        policy: RestartPolicy = RestartPolicy(),
        log: Callable[[str], None] = _log,
        pin: bool = False,
        poll_s: float = 1.0,
        health_every_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.plan, self.python, self.policy, self.log = plan, python, policy, log
        self.pin, self.poll_s, self.health_every_s, self.clock = pin, poll_s, health_every_s, clock
        self.processes: dict[str, subprocess.Popen | None] = {r.name: None for r in plan.local}
        self.lives = {r.name: ReplicaLife() for r in plan.replicas}
        self.exits = {r.name: 0 for r in plan.local}  # exits not asked for (crashes, kills)
        self.nginx_process: subprocess.Popen | None = None
        self.nginx_life = ReplicaLife()
        self._nginx_binary: str | None = None
        self._config: Path | None = None
        self._health: dict[str, concurrent.futures.Future] = {}
        self._last_health: dict[str, float] = {}
        self._remote_ok: dict[str, bool] = {}  # another box's replica: did it answer last time
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=max(1, len(plan.replicas)), thread_name_prefix="serve-health"
        )
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------------------- starting

    def start(self, wait_s: float = 180.0) -> None:
        """Check nginx and its config, start the local replicas, wait until they answer health,
        then start nginx. Raises ServeError (a sentence) when something cannot work."""
        self.plan.run_dir.mkdir(parents=True, exist_ok=True)
        if self.plan.proxy:
            self._nginx_binary = nginx.require_nginx()
            self._config = nginx.write_config(self.plan)
            nginx.check_config(self._nginx_binary, self._config)
        for replica in self.plan.local:
            self._spawn(replica)
        deadline = time.monotonic() + wait_s
        waiting = list(self.plan.local)
        while waiting:
            for replica in list(waiting):
                process = self.processes[replica.name]
                if process is not None and process.poll() is not None:
                    self.stop()
                    raise ServeError(
                        f"Replica {replica.name} exited with code {process.returncode} while "
                        f"starting: see {self._log_path(replica)}."
                    )
                if healthy(replica.url, timeout=2):
                    self.lives[replica.name].health(True, self.clock(), self.policy)
                    waiting.remove(replica)
            if self._stopping.is_set():
                self.stop()
                raise ServeError("Stopped while the replicas were starting.")
            if waiting and time.monotonic() > deadline:
                self.stop()
                names = ", ".join(r.name for r in waiting)
                raise ServeError(f"Replica(s) {names} did not answer within {wait_s:.0f} s.")
            if waiting:
                time.sleep(0.25)
        if not self.plan.proxy:
            return
        self._spawn_nginx()
        time.sleep(0.2)
        if self.nginx_process.poll() is not None:
            self.stop()
            raise ServeError(
                f"nginx exited at once (is port {self.plan.port} taken?): see "
                f"{self.plan.run_dir / 'nginx-error.log'}."
            )

    def _log_path(self, replica: Replica) -> Path:
        return self.plan.run_dir / f"replica-{replica.name}.log"

    def _spawn(self, replica: Replica) -> None:
        with open(self._log_path(replica), "ab") as output:
            process = subprocess.Popen(
                replica_command(replica, self.python, self.plan.replica_bind),
                cwd=ROOT,
                env=replica_env(replica, self.plan, os.environ),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl+C reaches the supervisor, which stops them in order
            )
        if self.pin and hasattr(os, "sched_setaffinity"):
            with contextlib.suppress(OSError):  # the interpreter has not started a thread yet
                os.sched_setaffinity(process.pid, replica.cpus)
        self.processes[replica.name] = process
        self.lives[replica.name].started(self.clock())
        self._last_health[replica.name] = self.clock()
        self.log(f"replica {replica.name} started on port {replica.port} (pid {process.pid})")

    def _spawn_nginx(self) -> None:
        output = open(self.plan.run_dir / "nginx-console.log", "ab")  # noqa: SIM115 - child's
        with output:
            self.nginx_process = subprocess.Popen(
                nginx.nginx_command(self._nginx_binary, self._config),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.nginx_life.started(self.clock())
        self.log(f"nginx listening on {self.plan.url} (pid {self.nginx_process.pid})")

    # ------------------------------------------------------------------------------ watching

    def poll(self) -> None:
        """One round: restart what exited (after its delay), collect and start health polls."""
        with self._lock:
            if self._stopping.is_set():
                return
            now = self.clock()
            for replica in self.plan.replicas:
                if replica.local:
                    self._watch(replica, now)
                else:
                    self._watch_remote(replica, now)
            if self.plan.proxy:
                self._watch_nginx(now)

    def _watch(self, replica: Replica, now: float) -> None:
        name, life = replica.name, self.lives[replica.name]
        process = self.processes[name]
        if process is not None and process.poll() is not None:
            self.exits[name] += 1
            when = life.exited(now, self.policy) - now
            self.log(
                f"replica {name} exited with code {process.returncode}; restarting it in "
                f"{when:.0f} s (see {self._log_path(replica)})"
            )
            self.processes[name] = None
            self._health.pop(name, None)
            return
        if process is None:
            if life.due(now):
                life.restarts += 1
                self._spawn(replica)
            return
        ok = self._poll_health(replica, now)
        if ok is not None and life.health(ok, now, self.policy):
            self.log(
                f"replica {name} has not answered /_stcore/health {life.failed_polls} times "
                "in a row: killing it to restart it"
            )
            self._kill(process)

    def _poll_health(self, replica: Replica, now: float) -> bool | None:
        """The result of the last health poll when it came back (starting the next one when it
        is due), else None."""
        name = replica.name
        future = self._health.get(name)
        if future is not None and future.done():
            del self._health[name]
            return future.result()
        if future is None and now - self._last_health.get(name, 0.0) >= self.health_every_s:
            self._last_health[name] = now
            self._health[name] = self._pool.submit(healthy, replica.url)
        return None

    def _watch_remote(self, replica: Replica, now: float) -> None:
        """Another box's replica: its own supervisor restarts it; here nginx's backups carry its
        students meanwhile, and the log says when it goes and comes back."""
        ok = self._poll_health(replica, now)
        if ok is None or ok == self._remote_ok.get(replica.name):
            return
        self._remote_ok[replica.name] = ok
        state = "answers /_stcore/health" if ok else "does not answer /_stcore/health"
        self.log(f"replica {replica.name} at {replica.url} {state}")

    def _watch_nginx(self, now: float) -> None:
        process = self.nginx_process
        if process is None:
            if self.nginx_life.due(now):
                self.nginx_life.restarts += 1
                self._spawn_nginx()
        elif process.poll() is not None:
            when = self.nginx_life.exited(now, self.policy) - now
            self.log(
                f"nginx exited with code {process.returncode}; restarting it in {when:.0f} s "
                f"(see {self.plan.run_dir / 'nginx-error.log'})"
            )
            self.nginx_process = None

    def run(self) -> None:
        """Poll until `request_stop()` or `stop()` is called (a signal handler, another thread)."""
        while not self._stopping.wait(self.poll_s):
            try:
                self.poll()
            except Exception as error:  # noqa: BLE001 - the watch must go on; say what happened
                self.log(f"supervisor error (watching goes on): {error!r}")

    def request_stop(self) -> None:
        """Make `run()` return; safe in a signal handler (call `stop()` afterwards)."""
        self._stopping.set()

    def pid(self, name: str) -> int | None:
        """The process id of replica `name` (r0, r1, ...) now, None while it is down."""
        process = self.processes.get(name)
        return None if process is None or process.poll() is not None else process.pid

    def pids(self) -> list[int]:
        """Every live process of the deployment: the replicas and nginx (not its workers)."""
        live = [self.pid(r.name) for r in self.plan.local]
        if self.nginx_process is not None and self.nginx_process.poll() is None:
            live.append(self.nginx_process.pid)
        return [pid for pid in live if pid is not None]

    # ------------------------------------------------------------------------------ stopping

    @staticmethod
    def _kill(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)

    def stop(self, grace_s: float = 10.0) -> None:
        """nginx first (SIGQUIT: it finishes its requests), then every replica (SIGTERM, SIGKILL
        after `grace_s`)."""
        self._stopping.set()
        with self._lock:
            running = [p for p in [self.nginx_process, *self.processes.values()] if p is not None]
            for name, process in self.processes.items():
                if process is not None and process.poll() is not None:  # died since the last poll
                    self.exits[name] += 1
                    self.log(f"replica {name} had exited with code {process.returncode}")
            if self.nginx_process is not None:
                self._kill(self.nginx_process, signal.SIGQUIT)
            for process in self.processes.values():
                if process is not None:
                    self._kill(process, signal.SIGTERM)
            deadline = time.monotonic() + grace_s
            for process in running:
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    self._kill(process)
                    process.wait()
            self._pool.shutdown(wait=False, cancel_futures=True)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self.log("stopped nginx and the replicas" if self.plan.proxy else "stopped the replicas")

    # --------------------------------------------------------------- in a thread (tests, bench)

    def __enter__(self) -> Supervisor:
        self.start()
        self._thread = threading.Thread(target=self.run, name="serve-supervisor", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
