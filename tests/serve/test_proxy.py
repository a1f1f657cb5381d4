"""`python -m serve` for real: two replicas behind Debian's nginx on loopback. A browser-like
client (bench/_st_client.py behind the proxy) stays on one replica; a replica killed with SIGKILL
is restarted by the supervisor, its students go to the other replica meanwhile and the cookie
follows them, and the restarted replica serves sessions again."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import signal
import time

import pytest

from bench._st_client import StreamlitClient, StreamlitClientError
from harness import free_ports
from serve import Supervisor, make_plan
from serve.nginx import find_nginx
from serve.restart import RestartPolicy
from serve.supervisor import healthy

pytestmark = [
    pytest.mark.proxy,
    pytest.mark.slow,
    pytest.mark.skipif(
        find_nginx() is None, reason="nginx is not installed (make test installs it as root)"
    ),
]


async def session(url: str, cookies: dict | None = None) -> StreamlitClient:
    """A student opening the home page through the proxy; returns the connected client."""
    client = StreamlitClient(url, name="student", proxied=True, cookies=dict(cookies or {}))
    await client.open("")
    assert not client.exceptions, client.exceptions
    assert client.pages, "the navigation message did not arrive through the proxy"
    return client


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout:.0f} s")
        time.sleep(0.25)


async def scenario(supervisor: Supervisor, url: str) -> None:
    # 1. a browser gets a replica, keeps to it for the page, the websocket and other requests
    student = await session(url)
    mine = student.cookies.get("tp_replica")
    assert mine in ("r0", "r1"), student.cookies
    status, _ = await student.get("/_stcore/health")
    assert status == 200
    assert {replica for _what, replica in student.replicas_seen} == {mine}
    assert [what for what, _ in student.replicas_seen] == ["/", "websocket", "/_stcore/health"]
    other = "r1" if mine == "r0" else "r0"
    old_pid = supervisor.pid(mine)

    # 2. its replica dies: the websocket drops; the browser's next request (its reconnect) goes
    # to the other replica, and the cookie now names that one
    os.kill(old_pid, signal.SIGKILL)
    with pytest.raises(StreamlitClientError):
        await student.wait_for(lambda: False, timeout=30)
    await student.close()
    status, _ = await student.get("/_stcore/health")
    assert status == 200
    assert student.replicas_seen[-1] == ("/_stcore/health", other)
    assert student.cookies["tp_replica"] == other
    moved = await session(url, student.cookies)
    assert {replica for _what, replica in moved.replicas_seen} == {other}
    await moved.close()

    # 3. the supervisor restarts the killed replica, and it serves sessions again
    replica = next(r for r in supervisor.plan.replicas if r.name == mine)
    await asyncio.to_thread(
        wait_until,
        lambda: supervisor.pid(mine) not in (None, old_pid) and healthy(replica.url, 2),
        90,
        f"replica {mine} was not restarted",
    )
    assert supervisor.lives[mine].restarts == 1 and supervisor.exits[mine] == 1
    # nginx itself left the failed replica alone for fail_timeout (5 s), then tries it again
    deadline = time.monotonic() + 30
    while True:
        probe = StreamlitClient(url, proxied=True, cookies={"tp_replica": mine})
        status, _ = await probe.get("/_stcore/health")
        if status == 200 and probe.replicas_seen[-1][1] == mine:
            break
        assert time.monotonic() < deadline, "nginx did not send students to the restarted replica"
        await asyncio.sleep(0.5)
    back = await session(url, {"tp_replica": mine})
    assert {replica for _what, replica in back.replicas_seen} == {mine}
    await back.close()


def test_two_replicas_behind_nginx_sticky_and_restarted(tmp_path):
    first = free_ports(3)
    plan = make_plan(2, port=first, address="127.0.0.1", run_dir=tmp_path / "run")
    log: list[str] = []
    policy = RestartPolicy(first_delay_s=0.5, start_grace_s=60)
    with Supervisor(plan, policy=policy, log=log.append, poll_s=0.25, pin=True) as supervisor:
        assert {r.cores for r in plan.replicas} == {max(1, len(os.sched_getaffinity(0)) // 2)}
        for replica in plan.replicas:  # --pin: each on its own share of the cores
            assert os.sched_getaffinity(supervisor.pid(replica.name)) == set(replica.cpus)
        # Own thread: the browser tests' sync Playwright may have left an event loop on this one.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, scenario(supervisor, f"http://127.0.0.1:{first}")).result()
        pids = supervisor.pids()
    assert any("exited with code -9" in line for line in log), log
    assert log[-1] == "stopped nginx and the replicas"
    for pid in pids:  # nothing left behind
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_front_nginx_in_front_of_another_boxs_replicas(tmp_path):
    """The several-box layout on loopback: an "app box" supervisor runs a replica without nginx
    (--no-proxy), a "front box" supervisor runs nginx alone with it as an upstream."""
    first = free_ports(3)
    app_box = make_plan(1, port=first, run_dir=tmp_path / "app", proxy=False)
    replica = app_box.local[0]
    front = make_plan(
        0,
        port=first + 2,
        address="127.0.0.1",
        run_dir=tmp_path / "front",
        upstreams=[f"127.0.0.1:{replica.port}"],
    )
    log: list[str] = []
    with Supervisor(app_box, log=log.append), Supervisor(front, log=log.append, poll_s=0.25):
        assert front.replicas[0].local is False

        async def visit() -> StreamlitClient:
            client = await session(f"http://127.0.0.1:{front.port}")
            await client.close()
            return client

        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            client = pool.submit(asyncio.run, visit()).result()
        assert {name for _what, name in client.replicas_seen} == {"r0"}
        assert client.cookies["tp_replica"] == "r0"
        wait_until(
            lambda: any("answers /_stcore/health" in line for line in log), 10, "no health poll"
        )
    assert "stopped the replicas" in log


UPSTREAM = """
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

class Replica(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()

    def do_POST(self):  # reads the whole body, answers its size
        size = len(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(str(size).encode())

    def log_message(self, *args):
        pass

HTTPServer(("127.0.0.1", int(sys.argv[1])), Replica).serve_forever()
"""


def test_nginx_passes_an_upload_the_app_accepts_and_refuses_a_bigger_one(tmp_path):
    """nginx's own default (1 MB) would refuse a SIGNS zip; the generated config lets the app's
    server.maxUploadSize through, streamed to the replica (no temp file: its workers may run as
    nobody, who cannot write in a private run folder such as this test's)."""
    import subprocess
    import sys
    import urllib.error
    import urllib.request

    from serve import nginx

    first = free_ports(2)
    plan = make_plan(1, port=first, address="127.0.0.1", run_dir=tmp_path / "run")
    upstream = subprocess.Popen([sys.executable, "-c", UPSTREAM, str(first + 1)])
    proxy = subprocess.Popen(nginx.nginx_command(nginx.find_nginx(), nginx.write_config(plan)))
    try:
        wait_until(lambda: healthy_http(f"http://127.0.0.1:{first}/"), 20, "nginx did not answer")

        def post(size: int) -> tuple[int, bytes]:
            request = urllib.request.Request(
                f"http://127.0.0.1:{first}/up", b"x" * size, method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=60) as reply:
                    return reply.status, reply.read()
            except urllib.error.HTTPError as error:
                return error.code, b""

        size = (plan.max_body_mb - 1) * 2**20 + 12_345
        assert post(size) == (200, str(size).encode())  # all of it reached the replica
        assert post((plan.max_body_mb + 1) * 2**20)[0] == 413  # refused by nginx
    finally:
        proxy.terminate()
        upstream.terminate()
        proxy.wait(timeout=10)
        upstream.wait(timeout=10)


def healthy_http(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False
