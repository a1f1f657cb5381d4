"""`python -m bench startup`: seconds from `streamlit run` to an interactive page, vs importing torch.

Times the home page and the tensor inspector becoming interactive in Chromium, against
`python -c "import torch"` timed in the same run.

Goal: ratio = home_s / import_torch_s <= 1.0 (the home page never waits for torch).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from bench.report import emit
from harness import CHROMIUM, CHROMIUM_ARGS, streamlit_server, wait_for_script

ROUNDS = 3


def time_import_torch() -> float:
    """Seconds for a fresh interpreter to `import torch`."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return time.perf_counter() - started


def time_page(browser, path: str, ready_selector: str) -> tuple[float, float]:
    """Seconds from launching a fresh server until it answers its health check, and until `path`
    is interactive (script done, content shown)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        with streamlit_server() as (url, _process, started_at):
            healthy_s = time.perf_counter() - started_at
            page.goto(f"{url}/{path}")
            wait_for_script(page)
            page.wait_for_selector(ready_selector, state="visible", timeout=60_000)
            return healthy_s, time.perf_counter() - started_at
    finally:
        context.close()


def main() -> None:
    from playwright.sync_api import sync_playwright

    samples = {"home_s": [], "inspector_s": [], "import_torch_s": [], "server_healthy_s": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        for round_number in range(ROUNDS):
            samples["import_torch_s"].append(time_import_torch())
            healthy_s, home_s = time_page(browser, "", "text=Open Tensor inspector")
            samples["server_healthy_s"].append(healthy_s)
            samples["home_s"].append(home_s)
            samples["inspector_s"].append(
                time_page(browser, "tensors", "[data-testid=stMain] [data-testid=stCode]")[1]
            )
            emit(
                {
                    "round": round_number,
                    **{name: round(values[-1], 3) for name, values in samples.items()},
                }
            )
        browser.close()
    result = {name: round(statistics.median(values), 3) for name, values in samples.items()}
    result["ratio"] = round(result["home_s"] / result["import_torch_s"], 3)
    result["goal"] = "ratio <= 1.0"
    emit(result)
