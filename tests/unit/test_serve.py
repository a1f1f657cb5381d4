"""serve's pure pieces: ports, the core split, each replica's environment, the restart policy,
and the nginx config (checked by `nginx -t` where nginx is installed)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from serve import nginx
from serve.plan import (
    ServeError,
    ServePlan,
    describe,
    make_plan,
    max_upload_mb,
    replica_command,
    replica_env,
    replica_ports,
    split_cores,
)
from serve.restart import ReplicaLife, RestartPolicy


def test_replica_ports_follow_the_proxy_port():
    assert replica_ports(8501, 3) == [8502, 8503, 8504]
    assert replica_ports(8080, 2, first=9000) == [9000, 9001]
    assert replica_ports(8501, 0) == []  # a front box: nginx alone
    with pytest.raises(ServeError, match="between 0 and"):
        replica_ports(8501, 65)
    with pytest.raises(ServeError, match="below 65536"):
        replica_ports(65534, 3)
    with pytest.raises(ServeError, match="among the replicas"):
        replica_ports(9001, 2, first=9000)


@pytest.mark.parametrize("cpus", [1, 2, 3, 8, 17])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4])
def test_core_split_uses_every_cpu_once_when_it_can(cpus, replicas):
    groups = split_cores(list(range(cpus)), replicas)
    assert len(groups) == replicas
    used = [cpu for group in groups for cpu in group]
    if replicas <= cpus:
        assert sorted(used) == list(range(cpus))  # each CPU to exactly one replica
        sizes = [len(group) for group in groups]
        assert max(sizes) - min(sizes) <= 1
    else:  # more replicas than CPUs: one CPU each, shared round-robin
        assert all(len(group) == 1 for group in groups)
        assert set(used) == set(range(cpus))


def test_core_split_keeps_a_cpuset_and_refuses_nonsense():
    assert split_cores([4, 5, 6, 7], 2) == [(4, 5), (6, 7)]
    with pytest.raises(ServeError):
        split_cores([], 2)
    with pytest.raises(ServeError):
        split_cores([0, 1], 0)


def make(tmp_path: Path, replicas: int = 2, cpus=(0, 1, 2, 3), **kwargs) -> ServePlan:
    return make_plan(replicas, port=18500, cpus=cpus, run_dir=tmp_path / "run", **kwargs)


def test_each_replica_gets_its_share_of_cores_threads_and_the_shared_secret(tmp_path):
    plan = make(tmp_path, replicas=3, cpus=range(8))
    envs = [replica_env(r, plan, {"PATH": "/usr/bin"}) for r in plan.replicas]
    assert [e["PLAYGROUND_CORES"] for e in envs] == ["3", "3", "2"]
    assert [e["PLAYGROUND_MAX_JOBS"] for e in envs] == ["3", "3", "2"]
    assert [e["OMP_NUM_THREADS"] for e in envs] == ["3", "3", "2"]
    assert sum(int(e["PLAYGROUND_CORES"]) for e in envs) == 8  # never oversubscribed
    assert len({e["STREAMLIT_SERVER_COOKIE_SECRET"] for e in envs}) == 1
    assert all(e["PATH"] == "/usr/bin" for e in envs)
    assert all(e["PYTHONFAULTHANDLER"] == "1" for e in envs)  # a native crash leaves its stacks
    # a capacity set by the lecturer is kept, per replica
    assert replica_env(plan.replicas[0], plan, {"PLAYGROUND_MAX_JOBS": "5"})[
        "PLAYGROUND_MAX_JOBS"
    ] == ("5")
    command = replica_command(plan.replicas[1], "python")
    assert command[command.index("--server.port") + 1] == "18502"
    assert command[command.index("--server.address") + 1] == "127.0.0.1"  # only nginx reaches it


def test_the_plan_says_where_to_go_and_warns_of_shared_cpus(tmp_path):
    lines = describe(make(tmp_path, replicas=3, cpus=(0, 1)))
    assert "http://localhost:18500" in lines[0]
    assert any("share CPUs" in line for line in lines)
    assert not any("share CPUs" in line for line in describe(make(tmp_path)))
    assert make(tmp_path, address="0.0.0.0").url == "http://localhost:18500"


def test_nginx_lets_the_apps_largest_upload_pass(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[server]\nmaxUploadSize = 20\n")
    assert max_upload_mb(config) == 20
    config.write_text("not toml [")
    assert max_upload_mb(config) == 200
    assert make(tmp_path).max_body_mb == max_upload_mb() + 1


def test_restart_backoff_doubles_to_a_cap_and_resets_after_a_stable_run():
    policy = RestartPolicy(first_delay_s=1, factor=2, max_delay_s=10, stable_s=60)
    assert [policy.delay(n) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    life = ReplicaLife()
    life.started(0)
    assert life.exited(5, policy) == 6  # crashed after 5 s: first delay
    assert not life.due(5.5) and life.due(6)
    life.started(6)
    assert life.exited(7, policy) == 9  # again at once: twice the delay
    life.started(9)
    assert life.exited(200, policy) == 201  # ran 191 s: the backoff starts over


def test_a_replica_counts_as_hung_only_after_its_start_and_several_failed_polls():
    policy = RestartPolicy(start_grace_s=90, hung_after=3)
    life = ReplicaLife()
    life.started(0)
    assert not any(life.health(False, t, policy) for t in (10, 20, 30, 40))  # importing torch
    assert life.health(False, 95, policy)  # still nothing after the grace: hung
    life.started(100)
    assert not life.health(True, 105, policy)
    assert not life.health(False, 107, policy) and not life.health(False, 109, policy)
    assert life.health(False, 111, policy)  # answered once, then three misses in a row
    life.started(120)
    life.health(True, 121, policy)
    life.health(False, 123, policy)
    assert not life.health(True, 125, policy) and life.failed_polls == 0


def blocks(text: str, head: str) -> dict[str, str]:
    """`upstream NAME { ... }` blocks of an nginx config by name."""
    return dict(re.findall(rf"{head} (\S+) \{{(.*?)\}}", text, flags=re.S))


def test_rendered_config_routes_each_cookie_to_its_replica_with_the_others_as_backups(tmp_path):
    plan = make(tmp_path, replicas=3, cpus=range(3))
    text = nginx.render(plan)
    assert "{{" not in text
    upstreams = blocks(text, "upstream")
    assert set(upstreams) == {"playground", "playground_r0", "playground_r1", "playground_r2"}
    assert [line.split()[1] for line in upstreams["playground"].split(";") if "server" in line] == [
        f"127.0.0.1:{r.port}" for r in plan.replicas
    ]  # a browser's first request: round robin over all replicas
    for replica in plan.replicas:
        servers = re.findall(r"server (\S+) ([^;]*);", upstreams[f"playground_{replica.name}"])
        assert servers[0] == (f"127.0.0.1:{replica.port}", "max_fails=1 fail_timeout=5s")
        assert {address for address, _ in servers[1:]} == {
            f"127.0.0.1:{r.port}" for r in plan.replicas if r != replica
        }
        assert all(flags.endswith("backup") for _, flags in servers[1:])
        assert re.search(rf"^\s+{replica.name} playground_{replica.name};$", text, re.M)
    assert "listen 127.0.0.1:18500;" in text
    assert f"client_max_body_size {plan.max_body_mb}m;" in text
    for needed in (
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $connection_upgrade;",
        "add_header X-Replica $replica_name always;",
        f"pid {plan.run_dir}/nginx.pid;",
        "daemon off;",
    ):
        assert needed in text
    assert "/etc/nginx" not in text and "/var/log" not in text


def test_a_template_with_an_unknown_placeholder_is_refused(tmp_path):
    with pytest.raises(ServeError, match="unknown value"):
        nginx.render(make(tmp_path), template="listen {{nope}};")


@pytest.mark.skipif(
    nginx.find_nginx() is None, reason="nginx is not installed (make test installs it as root)"
)
@pytest.mark.parametrize("address", ["localhost", "0.0.0.0", "::"])
def test_nginx_accepts_the_rendered_config(tmp_path, address):
    plan = make(tmp_path, replicas=2, address=address)
    config = nginx.write_config(plan)
    nginx.check_config(nginx.find_nginx(), config)  # `nginx -t`: raises a sentence if refused
    done = subprocess.run(
        [*nginx.nginx_command(nginx.find_nginx(), config), "-T"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "playground_r1" in done.stdout


@pytest.mark.skipif(
    nginx.find_nginx() is None, reason="nginx is not installed (make test installs it as root)"
)
def test_nginx_refusal_is_a_sentence(tmp_path):
    plan = make(tmp_path)
    config = nginx.write_config(plan)
    config.write_text(
        config.read_text().replace("upstream playground {", "upstream playground { bogus;")
    )
    with pytest.raises(ServeError, match="nginx refused the generated config"):
        nginx.check_config(nginx.find_nginx(), config)


def test_several_boxes_front_nginx_routes_to_other_boxes_replicas(tmp_path):
    """The front box: nginx alone (--replicas 0) in front of two boxes' replicas."""
    plan = make_plan(
        0,
        port=80,
        address="0.0.0.0",
        run_dir=tmp_path,
        upstreams=["10.0.0.2:8502", "10.0.0.2:8503", "[fd00::3]:8502"],
        environ={"STREAMLIT_SERVER_COOKIE_SECRET": "same on every box"},
    )
    assert plan.local == () and [r.name for r in plan.replicas] == ["r0", "r1", "r2"]
    assert plan.cookie_secret == "same on every box"
    text = nginx.render(plan)
    upstreams = blocks(text, "upstream")
    assert "server [fd00::3]:8502 max_fails=1 fail_timeout=5s;" in upstreams["playground_r2"]
    assert "server 10.0.0.2:8503 max_fails=1 fail_timeout=5s backup;" in upstreams["playground_r0"]
    assert r'"~(^|[ ,])\[fd00::3\]:8502$" r2;' in text
    assert "listen 80;" in text
    if nginx.find_nginx() is not None:
        nginx.check_config(nginx.find_nginx(), nginx.write_config(plan))


def test_an_app_box_runs_its_replicas_without_nginx_on_its_network_address(tmp_path):
    plan = make_plan(2, port=8501, run_dir=tmp_path, proxy=False, replica_bind="0.0.0.0")
    assert not plan.proxy and len(plan.local) == 2
    command = replica_command(plan.local[0], "python", plan.replica_bind)
    assert command[command.index("--server.address") + 1] == "0.0.0.0"
    assert "elsewhere" in describe(plan)[0]
    assert plan.local[0].url == "http://127.0.0.1:8502"  # health polled on loopback
    one_address = make_plan(1, run_dir=tmp_path, proxy=False, replica_bind="10.0.0.2")
    assert one_address.local[0].url == "http://10.0.0.2:8502"
    with pytest.raises(ServeError, match="only local replicas"):
        make_plan(0, run_dir=tmp_path, proxy=False, upstreams=["10.0.0.2:8502"])


@pytest.mark.parametrize(
    "text", ["box2:8502", "10.0.0.2", "10.0.0.2:99999", "10.0.0.2:85a", "10.0.0.2:1; evil"]
)
def test_upstreams_must_be_ip_and_port(tmp_path, text):
    with pytest.raises(ServeError, match="IP:PORT"):
        make_plan(0, run_dir=tmp_path, upstreams=[text])


def test_nothing_to_serve_and_duplicate_upstreams_are_refused(tmp_path):
    with pytest.raises(ServeError, match="Nothing to serve"):
        make_plan(0, run_dir=tmp_path)
    with pytest.raises(ServeError, match="same address"):
        make_plan(0, run_dir=tmp_path, upstreams=["10.0.0.2:8502", "10.0.0.2:8502"])


def test_without_nginx_serve_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(nginx, "find_nginx", lambda: None)
    with pytest.raises(ServeError, match="sudo apt-get install nginx"):
        nginx.require_nginx()
