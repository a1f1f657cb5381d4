"""A student in Chromium behind `python -m serve`: an upload and the picture drawn from it go to
the student's replica; then that replica is killed mid-lecture, the page reconnects by itself to
the other replica, and the settings in the address bar come back."""

from __future__ import annotations

import os
import signal

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from harness import free_ports, wait_for_script
from serve import Supervisor, make_plan
from serve.nginx import find_nginx
from serve.restart import RestartPolicy

pytestmark = [
    pytest.mark.proxy,
    pytest.mark.slow,
    pytest.mark.skipif(
        find_nginx() is None, reason="nginx is not installed (make test installs it as root)"
    ),
]

SETTINGS = "tensors?tns_constructor=ones&tns_shape=3%2C+2&tns_dtype=float64"
CODE = "x = torch.ones(3, 2, dtype=torch.float64)"


def replica_cookie(page: Page) -> str | None:
    return next((c["value"] for c in page.context.cookies() if c["name"] == "tp_replica"), None)


def test_a_student_whose_replica_dies_reconnects_with_the_urls_settings(page: Page, tmp_path, shot):
    first = free_ports(3)
    plan = make_plan(2, port=first, address="127.0.0.1", run_dir=tmp_path / "run")
    log: list[str] = []
    with Supervisor(plan, policy=RestartPolicy(first_delay_s=0.5), log=log.append) as supervisor:
        page.goto(f"http://127.0.0.1:{first}/{SETTINGS}")
        wait_for_script(page, timeout_ms=120_000)
        expect(page.get_by_text(CODE).first).to_be_visible(timeout=60_000)
        mine = replica_cookie(page)
        assert mine in ("r0", "r1")

        # an upload (PUT /_stcore/upload_file/<session>) and the picture made from it (/media/..)
        # exist only on the student's replica: both must reach it
        picture = tmp_path / "mine.png"
        Image.new("RGB", (40, 30), (200, 30, 30)).save(picture)
        page.get_by_role("tab", name="Image as tensor").click()
        page.get_by_text("upload my own").click()
        wait_for_script(page)
        page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(picture))
        expect(page.get_by_text("40×30 pixels").first).to_be_visible(timeout=60_000)
        shown = page.locator("[data-testid=stImage] img").first
        expect(shown).to_be_visible()
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0", arg=shown.element_handle()
        )
        shot("proxy_upload_on_its_replica")
        assert replica_cookie(page) == mine
        page.get_by_role("tab", name="Build & transform").click()
        # the tab is in the address once its rerun is back: the new replica reopens that tab
        page.wait_for_url(lambda url: "tns_tab=build" in url, timeout=60_000)
        wait_for_script(page)
        other = "r1" if mine == "r0" else "r0"

        os.kill(supervisor.pid(mine), signal.SIGKILL)
        # the frontend notices, asks for health (the other replica answers, and the cookie
        # follows), reconnects its websocket there and reruns the page with the address's query
        for _ in range(120):
            if replica_cookie(page) == other:
                break
            page.wait_for_timeout(500)
        assert replica_cookie(page) == other, "the browser was not moved to the live replica"
        wait_for_script(page, timeout_ms=120_000)
        expect(page.get_by_text(CODE).first).to_be_visible(timeout=60_000)
        assert "tns_dtype=float64" in page.url
        expect(page.locator("[data-testid=stException]")).to_have_count(0)
        shot("proxy_failover_reconnected")
    # seen by the supervisor's poll ("exited ... restarting"), or, when the browser had moved on
    # before the next poll, at stop ("had exited")
    exited = (f"replica {mine} exited", f"replica {mine} had exited")
    assert any(line.startswith(exited) for line in log), log
