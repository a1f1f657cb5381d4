"""What `python -m serve` will run, decided before anything starts: pure functions, tested alone.

A replica is one `streamlit run app.py` on 127.0.0.1 (only nginx talks to it), pinned to its own
CPUs, with PLAYGROUND_CORES / PLAYGROUND_MAX_JOBS / OMP_NUM_THREADS set to its share, so that N
replicas together use the box's cores once (core/serving/scheduling.py reads them)."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the project's root, where app.py is
MAX_REPLICAS = 64
DEFAULT_MAX_UPLOAD_MB = 200  # Streamlit's own default of server.maxUploadSize


class ServeError(ValueError):
    """A setting of `python -m serve` that cannot work, as a sentence."""


@dataclass(frozen=True)
class Replica:
    index: int
    port: int
    cpus: tuple[int, ...]  # the CPUs it is pinned to
    shares_cpus: bool = False  # more replicas than CPUs: some CPUs serve two replicas

    @property
    def name(self) -> str:
        """r0, r1, ...: the cookie value and X-Replica header nginx gives its students."""
        return f"r{self.index}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def cores(self) -> int:
        return len(self.cpus)


@dataclass(frozen=True)
class ServePlan:
    address: str  # where nginx listens (students' browsers come here)
    port: int
    replicas: tuple[Replica, ...]
    run_dir: Path  # nginx.conf, pid file, logs of nginx and of each replica
    max_body_mb: int = DEFAULT_MAX_UPLOAD_MB  # nginx's client_max_body_size: uploads pass
    cookie_secret: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)

    @property
    def url(self) -> str:
        host = "localhost" if self.address in ("0.0.0.0", "::", "") else self.address
        return f"http://{host}:{self.port}"


def replica_ports(proxy_port: int, replicas: int, first: int | None = None) -> list[int]:
    """Consecutive ports for the replicas, from `first` (default: right after nginx's port)."""
    if not 1 <= replicas <= MAX_REPLICAS:
        raise ServeError(f"The number of replicas must be between 1 and {MAX_REPLICAS}.")
    if not 1 <= proxy_port <= 65535:
        raise ServeError(f"Port {proxy_port} is not a TCP port (1-65535).")
    first = proxy_port + 1 if first is None else first
    ports = list(range(first, first + replicas))
    if first < 1 or ports[-1] > 65535:
        raise ServeError(
            f"{replicas} replicas from port {first} do not fit below 65536: choose a lower port."
        )
    if proxy_port in ports:
        raise ServeError(
            f"nginx's port {proxy_port} is among the replicas' ports {first}-{ports[-1]}."
        )
    return ports


def split_cores(cpus: Sequence[int], replicas: int) -> list[tuple[int, ...]]:
    """Split the CPUs into `replicas` contiguous groups whose sizes differ by at most one. With
    more replicas than CPUs each replica gets one CPU and the CPUs are shared round-robin."""
    cpus = sorted(set(cpus))
    if not cpus:
        raise ServeError("No CPU to run the replicas on.")
    if replicas < 1:
        raise ServeError("At least one replica is needed.")
    if replicas > len(cpus):
        return [(cpus[index % len(cpus)],) for index in range(replicas)]
    size, extra = divmod(len(cpus), replicas)
    groups, start = [], 0
    for index in range(replicas):
        end = start + size + (1 if index < extra else 0)
        groups.append(tuple(cpus[start:end]))
        start = end
    return groups


def available_cpus() -> list[int]:
    """The CPUs this process may run on (a container's cpuset, taskset), else 0..cpu_count-1."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def max_upload_mb(config: Path = ROOT / ".streamlit" / "config.toml") -> int:
    """server.maxUploadSize from the app's Streamlit config: nginx must let such uploads pass."""
    try:
        import tomllib  # Python 3.11+; on 3.10 nginx gets Streamlit's default
    except ImportError:
        return DEFAULT_MAX_UPLOAD_MB
    try:
        settings = tomllib.loads(config.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return DEFAULT_MAX_UPLOAD_MB
    value = settings.get("server", {}).get("maxUploadSize", DEFAULT_MAX_UPLOAD_MB)
    return value if isinstance(value, int) and value > 0 else DEFAULT_MAX_UPLOAD_MB


def make_plan(
    replicas: int,
    *,
    port: int = 8501,
    address: str = "localhost",
    first_replica_port: int | None = None,
    cpus: Sequence[int] | None = None,
    run_dir: Path,
) -> ServePlan:
    ports = replica_ports(port, replicas, first_replica_port)
    cpus = available_cpus() if cpus is None else list(cpus)
    groups = split_cores(cpus, replicas)
    shared = replicas > len(set(cpus))
    return ServePlan(
        address=address,
        port=port,
        replicas=tuple(
            Replica(index, replica_port, group, shared)
            for index, (replica_port, group) in enumerate(zip(ports, groups))
        ),
        run_dir=Path(run_dir),
        max_body_mb=max_upload_mb() + 1,  # the multipart envelope around the file
    )


def replica_command(replica: Replica, python: str = sys.executable) -> list[str]:
    return [
        python,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.port",
        str(replica.port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]


def replica_env(replica: Replica, plan: ServePlan, base: Mapping[str, str]) -> dict[str, str]:
    """The replica's environment: its share of the cores, and the cookie secret all replicas
    share (Streamlit signs cookies with it, so a student moved to another replica keeps them).
    PLAYGROUND_MAX_JOBS given by the caller is kept: it is then per replica."""
    cores = str(replica.cores)
    env = dict(base)
    env.update(
        PLAYGROUND_CORES=cores,
        PLAYGROUND_REPLICA=replica.name,
        OMP_NUM_THREADS=cores,
        MKL_NUM_THREADS=cores,
        STREAMLIT_SERVER_COOKIE_SECRET=plan.cookie_secret,
        PYTHONUNBUFFERED="1",
    )
    env.setdefault("PLAYGROUND_MAX_JOBS", cores)
    return env


def describe(plan: ServePlan) -> list[str]:
    """Lines for the console: where students go and what each replica got."""
    lines = [f"Torch Playground behind nginx: open {plan.url} (Ctrl+C stops everything)."]
    for replica in plan.replicas:
        cpus = ",".join(str(cpu) for cpu in replica.cpus)
        lines.append(
            f"  replica {replica.name}: {replica.url}, CPU {cpus}, "
            f"{replica.cores} training job(s) at once"
        )
    if plan.replicas and plan.replicas[0].shares_cpus:
        lines.append(
            "  More replicas than CPUs: replicas share CPUs and will slow each other down."
        )
    lines.append(f"  config and logs: {plan.run_dir}")
    return lines
