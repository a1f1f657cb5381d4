"""Every session's memory is released when it ends: students who trained, drew graphs and
uploaded a SIGNS zip close their tabs, and the server's resident memory comes back near where
it started once their work is forgotten (a real `streamlit run`, the lecture benchmark's
protocol client)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import time
import zipfile

import numpy as np
import psutil
import pytest
from PIL import Image

from bench._st_client import StreamlitClient
from bench.lecture import StderrTail
from harness import streamlit_server

STUDENTS = 4
SERVER_FLAGS = [
    "--server.disconnectedSessionTTL=1",  # Streamlit forgets a closed tab after 1 s (default 120)
    "--server.enableXsrfProtection=false",  # the protocol client sends no XSRF cookie on upload
]
GRACE = {"PLAYGROUND_GRACE_S": "1"}  # our store forgets a closed tab's work after 1 s (default 900)


def signs_zip(per_class: int = 150) -> bytes:
    """A SIGNS-layout zip of noisy 64x64 JPEGs: 900 train and 120 test pictures."""
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for label in range(6):
            for i in range(per_class + 20):
                pixels = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
                picture = io.BytesIO()
                Image.fromarray(pixels).save(picture, format="JPEG", quality=80)
                split = "train_signs" if i < per_class else "test_signs"
                archive.writestr(f"{split}/{label}_IMG_{label * 1000 + i}.jpg", picture.getvalue())
    return buffer.getvalue()


def rss(process: psutil.Process) -> int:
    return process.memory_info().rss


async def student(url: str, upload: bytes) -> StreamlitClient:
    """A student who trains a sin fit, draws an MLP's graph and uploads a SIGNS zip."""
    client = StreamlitClient(url, name="student")
    await client.open("sin-fit")
    await client.set("fit_steps", 3000)
    await client.click("fit_train")
    await client.wait_for(
        lambda: any(t.startswith("step 3,000 of 3,000") for t in client.texts("progress")), 300
    )
    await client.switch_page("autograd")
    await client.click("ag_preset_mlp")
    await client.switch_page("signs")
    await client.set("signs_source", "Upload a zip")
    await client.upload("signs_upload", "SIGNS.zip", upload)
    assert any("JPEG folders, 900 train" in t for t in client.texts("markdown")), client.texts()
    assert not client.exceptions, client.exceptions
    return client


async def visit(url: str) -> None:
    """A short visit: its first run makes the store expire the closed tabs' work."""
    client = StreamlitClient(url, name="visitor")
    await client.open("")
    await client.close()


async def lecture(url: str, process: psutil.Process, upload: bytes) -> dict:
    # Warm up first (torch, the pages' modules, the built-in data), then forget that student.
    warm = await student(url, upload)
    await warm.close()
    await asyncio.sleep(3)
    await visit(url)
    await asyncio.sleep(1)
    start = rss(process)
    clients = await asyncio.gather(*(student(url, upload) for _ in range(STUDENTS)))
    peak = rss(process)
    for client in clients:
        await client.close()
    # Wait (a bounded number of rounds, not a timing assertion) until the work is forgotten.
    end = rss(process)
    for _ in range(30):
        await asyncio.sleep(2)
        await visit(url)
        end = rss(process)
        if end - start < 0.25 * (peak - start):
            break
    return {"start": start, "peak": peak, "end": end}


@pytest.mark.slow
def test_closed_sessions_give_their_memory_back():
    upload = signs_zip()
    with streamlit_server(SERVER_FLAGS, GRACE) as (url, server, _started):
        log = StderrTail(server.stderr)
        process = psutil.Process(server.pid)
        # Own thread: the browser tests' sync Playwright may have left an event loop on this one.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            memory = pool.submit(asyncio.run, lecture(url, process, upload)).result()
        time.sleep(0.1)
        assert not log.problems(), log.problems()
    grew = memory["peak"] - memory["start"]
    left = memory["end"] - memory["start"]
    mb = {key: round(value / 2**20) for key, value in memory.items()}
    assert grew > STUDENTS * 20 * 2**20, mb  # the students really held memory
    assert left < 0.25 * grew, mb  # and it came back when they left
