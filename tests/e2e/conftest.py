"""End-to-end fixtures: one real `streamlit run` per test session, Debian's Chromium, screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    chromium_available,
    streamlit_server,
    wait_for_script,
)

SCREENSHOTS = Path(__file__).parent / "screenshots"
# Code blocks and charts load their renderers lazily after the script finishes: allow for it.
expect.set_options(timeout=20_000)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not chromium_available():
        pytest.skip("Debian's chromium is not installed (make test installs it when run as root)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


@pytest.fixture(scope="session")
def app_url(browser):
    """A real streamlit server for the whole test session, warmed up (torch imported) by one
    visit to the inspector so that the first test does not pay for it."""
    if not chromium_available():
        pytest.skip("Debian's chromium is not installed")
    with streamlit_server() as (url, _process, _started):
        warm = browser.new_page()
        warm.goto(f"{url}/tensors")
        warm.wait_for_selector("[data-testid=stMain] [data-testid=stCode]", timeout=120_000)
        warm.close()
        yield url


@pytest.fixture
def visit(page: Page, app_url: str):
    """visit("tensors") opens that page and waits until its script has finished."""
    page.set_default_timeout(30_000)

    def _visit(path: str = "") -> Page:
        page.goto(f"{app_url}/{path}")
        wait_for_script(page)
        return page

    return _visit


@pytest.fixture
def settle(page: Page):
    """settle() waits for the current script run to finish and checks no traceback is shown."""

    def _settle() -> Page:
        page.wait_for_timeout(300)
        wait_for_script(page)
        expect(page.locator("[data-testid=stException]")).to_have_count(0)
        return page

    return _settle


@pytest.fixture
def shot(page: Page):
    """shot("name") saves a full-page screenshot to tests/e2e/screenshots/name.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shot(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot
