"""What `python -m serve` will run, decided before anything starts: pure functions, tested alone.

A local replica is one `streamlit run app.py` on 127.0.0.1 (only nginx talks to it) with
PLAYGROUND_CORES / PLAYGROUND_MAX_JOBS / OMP_NUM_THREADS set to its share of the CPUs, so that N
replicas' training threads together use the box's cores once (core/serving/scheduling.py reads
them); with --pin each replica is also pinned to its own CPUs.

Several boxes: each app box runs `--no-proxy --replica-address 0.0.0.0` (its replicas only,
supervised there), and the front box runs nginx alone with `--replicas 0 --upstream HOST:PORT`
for each of them: remote replicas, which the front box routes to and watches but cannot restart.
"""

from __future__ import annotations

import ipaddress
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
    cpus: tuple[int, ...]  # its share of the CPUs (pinned to them with --pin; empty: remote)
    shares_cpus: bool = False  # more replicas than CPUs: some CPUs serve two replicas
    host: str = "127.0.0.1"  # where nginx and the supervisor reach it
    local: bool = True  # started and restarted by this supervisor (False: another box's)

    @property
    def name(self) -> str:
        """r0, r1, ...: the cookie value and X-Replica header nginx gives its students."""
        return f"r{self.index}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    @property
    def address(self) -> str:
        """host:port as nginx's `server` line names it ([v6]:port for an IPv6 address)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

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
    proxy: bool = True  # start nginx (False: an app box of a several-box layout)
    replica_bind: str = "127.0.0.1"  # --server.address of the local replicas

    @property
    def local(self) -> tuple[Replica, ...]:
        return tuple(r for r in self.replicas if r.local)

    @property
    def url(self) -> str:
        host = "localhost" if self.address in ("0.0.0.0", "::", "") else self.address
        return f"http://{host}:{self.port}"


def replica_ports(proxy_port: int, replicas: int, first: int | None = None) -> list[int]:
    """Consecutive ports for the replicas, from `first` (default: right after nginx's port)."""
    if not 0 <= replicas <= MAX_REPLICAS:
        raise ServeError(f"The number of replicas must be between 0 and {MAX_REPLICAS}.")
    if replicas == 0:
        return []
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


def parse_upstream(text: str) -> tuple[str, int]:
    """ "IP:PORT" (or "[v6]:PORT") of a replica on another box. An IP address, not a name:
    nginx reports the address that answered ($upstream_addr) by IP, and the sticky cookie is
    built from it."""
    host, _, port = text.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        host = ""
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ServeError(
            f"--upstream wants IP:PORT of a replica on another box, like 10.0.0.2:8502, not "
            f"{text!r} (an IP address: nginx names the replica that answered by its IP)."
        )
    return host, int(port)


def make_plan(
    replicas: int,
    *,
    port: int = 8501,
    address: str = "localhost",
    first_replica_port: int | None = None,
    cpus: Sequence[int] | None = None,
    run_dir: Path,
    upstreams: Sequence[str] = (),
    proxy: bool = True,
    replica_bind: str = "127.0.0.1",
    environ: Mapping[str, str] = os.environ,
) -> ServePlan:
    """The plan: `replicas` local ones on ports from `first_replica_port` (default port + 1),
    then one remote replica per `upstreams` entry."""
    remote = [parse_upstream(text) for text in upstreams]
    if replicas + len(remote) == 0:
        raise ServeError("Nothing to serve: give --replicas N, or --upstream HOST:PORT.")
    if not proxy and (remote or replicas == 0):
        raise ServeError("Without the proxy (--no-proxy) only local replicas can run.")
    ports = replica_ports(port, replicas, first_replica_port)
    groups = (
        split_cores(available_cpus() if cpus is None else list(cpus), replicas) if replicas else []
    )
    shared = replicas > len(set(available_cpus() if cpus is None else cpus))
    # nginx and the health polls reach a local replica on loopback, unless it listens on one
    # particular address only
    reach = "127.0.0.1" if replica_bind in ("0.0.0.0", "::", "", "localhost") else replica_bind
    local = [
        Replica(index, replica_port, group, shared, host=reach)
        for index, (replica_port, group) in enumerate(zip(ports, groups))
    ]
    others = [
        Replica(replicas + number, remote_port, (), host=host, local=False)
        for number, (host, remote_port) in enumerate(remote)
    ]
    if len({r.address for r in local + others}) != len(local) + len(others):
        raise ServeError("Two replicas have the same address: each --upstream must be different.")
    return ServePlan(
        address=address,
        port=port,
        replicas=tuple(local + others),
        run_dir=Path(run_dir),
        max_body_mb=max_upload_mb() + 1,  # the multipart envelope around the file
        cookie_secret=environ.get("STREAMLIT_SERVER_COOKIE_SECRET") or secrets.token_hex(32),
        proxy=proxy,
        replica_bind=replica_bind,
    )


def replica_command(
    replica: Replica, python: str = sys.executable, bind: str = "127.0.0.1"
) -> list[str]:
    return [
        python,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.port",
        str(replica.port),
        "--server.address",
        bind,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]


def replica_env(replica: Replica, plan: ServePlan, base: Mapping[str, str]) -> dict[str, str]:
    """The replica's environment: its share of the cores, and the cookie secret all replicas
    share (Streamlit signs cookies with it, so a student moved to another replica keeps them;
    on several boxes set STREAMLIT_SERVER_COOKIE_SECRET to the same value on each).
    PLAYGROUND_MAX_JOBS given by the caller is kept: it is then per replica."""
    cores = str(replica.cores)
    env = dict(base)
    env.update(
        PLAYGROUND_CORES=cores,
        OMP_NUM_THREADS=cores,
        MKL_NUM_THREADS=cores,
        STREAMLIT_SERVER_COOKIE_SECRET=plan.cookie_secret,
        PYTHONUNBUFFERED="1",
        PYTHONFAULTHANDLER="1",  # a crash in native code (torch) leaves every thread's stack in
        # the replica's log
    )
    env.setdefault("PLAYGROUND_MAX_JOBS", cores)
    return env


def describe(plan: ServePlan) -> list[str]:
    """Lines for the console: where students go and what each replica got."""
    if plan.proxy:
        lines = [f"Torch Playground behind nginx: open {plan.url} (Ctrl+C stops everything)."]
    else:
        lines = ["Torch Playground replicas for a front nginx elsewhere (Ctrl+C stops them):"]
    for replica in plan.replicas:
        if not replica.local:
            lines.append(f"  replica {replica.name}: {replica.url}, on another box")
            continue
        cpus = ",".join(str(cpu) for cpu in replica.cpus)
        where = (
            replica.url
            if plan.replica_bind == "127.0.0.1"
            else (f"port {replica.port} on {plan.replica_bind}")
        )
        lines.append(
            f"  replica {replica.name}: {where}, CPU {cpus}, "
            f"{replica.cores} training job(s) at once"
        )
    if plan.local and plan.local[0].shares_cpus:
        lines.append(
            "  More replicas than CPUs: replicas share CPUs and will slow each other down."
        )
    lines.append(f"  config and logs: {plan.run_dir}")
    return lines
