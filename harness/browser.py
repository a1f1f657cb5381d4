"""Debian's Chromium for Playwright (no browser download), and waiting for a Streamlit script run."""

from __future__ import annotations

import shutil
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_available() -> bool:
    """True when Debian's chromium is installed."""
    return Path(CHROMIUM).exists()


_NOT_RUNNING = (
    "() => { const app = document.querySelector('[data-testid=stApp]');"
    " return app && app.getAttribute('data-test-script-state') === 'notRunning'"
    " && app.getAttribute('data-test-connection-state') === 'CONNECTED'; }"
)
# lecturer mode reports the viewport after its first run, and the report reruns the page
# (ui/viewport.py): until the server knows the size, the page is about to be redrawn
_VIEWPORT_KNOWN = (
    "() => !document.querySelector('.st-key-app_viewport')"
    " || !!document.documentElement.dataset.viewportKnown"
)


def wait_for_script(page, timeout_ms: float = 60_000) -> None:
    """Wait until the Streamlit app is mounted and no script run is in progress (in lecturer
    mode: also the rerun its viewport report causes)."""
    page.wait_for_selector("[data-testid=stApp]", timeout=timeout_ms)
    page.wait_for_function(_NOT_RUNNING, timeout=timeout_ms)
    page.wait_for_function(_VIEWPORT_KNOWN, timeout=timeout_ms)
    page.wait_for_function(_NOT_RUNNING, timeout=timeout_ms)
