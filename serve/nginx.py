"""The nginx in front of the replicas: its config rendered from nginx.conf.template into the run
folder (never /etc/nginx), checked with `nginx -t`, and the binary found (Debian's package)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from serve.plan import ServeError, ServePlan

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
# passive health checks (open-source nginx has no active ones): a replica that refuses or times
# out once is left alone for FAIL_TIMEOUT_S, then tried again; the supervisor polls health itself
MAX_FAILS, FAIL_TIMEOUT_S = 1, 5
MISSING = (
    "nginx is not installed: install Debian's package with `sudo apt-get install nginx` "
    "(`make serve` does it when run as root), then start again."
)


def find_nginx() -> str | None:
    """The nginx binary on PATH or in /usr/sbin (not on a normal user's PATH on Debian)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def _server(address: str, backup: bool = False) -> str:
    line = f"        server {address} max_fails={MAX_FAILS} fail_timeout={FAIL_TIMEOUT_S}s"
    return line + (" backup;" if backup else ";")


def _listen(plan: ServePlan) -> str:
    if plan.address in ("0.0.0.0", ""):
        return str(plan.port)
    if plan.address == "::":
        return f"[::]:{plan.port}"
    host = "127.0.0.1" if plan.address == "localhost" else plan.address
    return f"{host}:{plan.port}"


def render(plan: ServePlan, template: str | None = None) -> str:
    """nginx.conf for this plan. Every {{name}} of the template must be filled."""
    addresses = [replica.address for replica in plan.replicas]
    groups = []
    for replica, own in zip(plan.replicas, addresses):
        others = [_server(a, backup=True) for a in addresses if a != own]
        groups.append(
            "\n".join(
                [f"    upstream playground_{replica.name} {{", _server(own), *others, "    }"]
            )
        )
    values = {
        "run_dir": str(plan.run_dir),
        "worker_connections": "4096",
        "max_body_mb": str(plan.max_body_mb),
        "listen": _listen(plan),
        "all_servers": "\n".join(_server(a) for a in addresses),
        "replica_groups": "\n".join(groups),
        "cookie_routes": "\n".join(f"        {r.name} playground_{r.name};" for r in plan.replicas),
        "answered_by": "\n".join(
            f'        "~(^|[ ,]){re.escape(r.address)}$" {r.name};' for r in plan.replicas
        ),
    }
    text = TEMPLATE.read_text() if template is None else template

    def fill(match: re.Match) -> str:
        try:
            return values[match.group(1)]
        except KeyError:
            raise ServeError(
                f"The nginx template names an unknown value {match.group(0)}."
            ) from None

    return PLACEHOLDER.sub(fill, text)


def write_config(plan: ServePlan) -> Path:
    """Render into plan.run_dir/nginx.conf (with the temp folders nginx's workers write to)."""
    plan.run_dir.mkdir(parents=True, exist_ok=True)
    plan.run_dir.chmod(0o755)  # nginx's workers (nobody, when started as root) enter it
    (plan.run_dir / "temp").mkdir(exist_ok=True)
    path = plan.run_dir / "nginx.conf"
    path.write_text(render(plan))
    return path


def nginx_command(nginx: str, config: Path) -> list[str]:
    """nginx in the foreground (the config says `daemon off`), its prefix and early log in the run
    folder, so nothing of the system's nginx (/etc/nginx, /var/log/nginx) is used."""
    prefix = config.parent
    return [nginx, "-p", str(prefix), "-e", str(prefix / "nginx-error.log"), "-c", str(config)]


def check_config(nginx: str, config: Path) -> None:
    """`nginx -t` on the rendered config; its complaint as a sentence."""
    done = subprocess.run(
        [*nginx_command(nginx, config), "-t"], capture_output=True, text=True, timeout=30
    )
    if done.returncode != 0:
        raise ServeError(
            f"nginx refused the generated config {config}: {done.stderr.strip()[-600:]}"
        )


def require_nginx() -> str:
    nginx = find_nginx()
    if nginx is None:
        raise ServeError(MISSING)
    return nginx
