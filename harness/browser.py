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


def wait_for_script(page, timeout_ms: float = 60_000) -> None:
    """Wait until the Streamlit app is mounted and no script run is in progress."""
    page.wait_for_selector("[data-testid=stApp]", timeout=timeout_ms)
    page.wait_for_function(
        "() => { const app = document.querySelector('[data-testid=stApp]');"
        " return app && app.getAttribute('data-test-script-state') === 'notRunning'"
        " && app.getAttribute('data-test-connection-state') === 'CONNECTED'; }",
        timeout=timeout_ms,
    )
