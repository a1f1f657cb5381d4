"""End-to-end fixtures: one real `streamlit run` per test session, Debian's Chromium, screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
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
def shot_dir() -> Path:
    """The folder screenshots go to (for pages opened in a context of their own)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def shot(page: Page):
    """shot("name") saves a full-page screenshot to tests/e2e/screenshots/name.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shot(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


# axe-core from the npm registry, fetched by `make axe` (part of `make test`) into an ignored folder.
AXE_JS = ROOT / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Parts of the page kept out of the check because they are Streamlit's own chrome, not the
# app's content (none needed so far).
AXE_EXCLUDE: list[str] = []
_AXE_RUN = """async ([tags, exclude]) => {
    const result = await axe.run(
        {exclude: exclude.map((selector) => [selector])},
        {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
    // WCAG 1.4.3 exempts the text of an inactive (disabled) control from the contrast rule.
    const inactive = (node) => {
        const element = document.querySelector(node.target[0]);
        const box = element && element.closest("[data-testid=stElementContainer]");
        return !!box && !!box.querySelector(":disabled, [aria-disabled=true]");
    };
    return result.violations
        .filter((v) => v.impact === "critical" || v.impact === "serious")
        .map((v) => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.filter((n) => v.id !== "color-contrast" || !inactive(n))
                .map((n) => `${n.html.slice(0, 120)} -- ${n.failureSummary}`)}))
        .filter((v) => v.nodes.length > 0);
}"""


def check_axe(page: Page, name: str) -> None:
    """Run axe-core's WCAG 2.1 A/AA rules on `page` as it is and fail on any critical or
    serious violation, naming each element; a screenshot (axe_<name>.png) is saved first."""
    if not AXE_JS.exists():
        pytest.skip("axe-core is not installed: `make axe` fetches it from the npm registry")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(1500)  # charts and code blocks draw after the script finishes
    wait_for_script(page)
    page.screenshot(path=str(SCREENSHOTS / f"axe_{name}.png"), full_page=True)
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    violations = page.evaluate(_AXE_RUN, [AXE_TAGS, AXE_EXCLUDE])
    report = "\n".join(
        f"{v['impact']} {v['id']} ({v['help']}):\n  " + "\n  ".join(v["nodes"][:12])
        for v in violations
    )
    assert not violations, f"axe-core on {name}:\n{report}"


@pytest.fixture
def axe(page: Page):
    """axe("name") runs check_axe on the test's page."""
    if not AXE_JS.exists():
        pytest.skip("axe-core is not installed: `make axe` fetches it from the npm registry")
    return lambda name: check_axe(page, name)
