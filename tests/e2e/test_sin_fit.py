"""A student trains the sin(x) fit, watches the chart move, stops, and compares two runs."""

import re

from playwright.sync_api import expect


def wait_until_past(page, step: int) -> None:
    """Wait until the progress text shows a step count above `step`."""
    page.wait_for_function(
        """(step) => {
            const bar = document.querySelector('[data-testid=stProgress]');
            const found = bar && bar.innerText.match(/step ([\\d,]+) of/);
            return found && parseInt(found[1].replace(/,/g, '')) > step;
        }""",
        arg=step,
        timeout=60_000,
    )


def step_count(page) -> int:
    text = page.locator("[data-testid=stProgress]").first.inner_text()
    return int(re.search(r"step ([\d,]+) of", text).group(1).replace(",", ""))


def test_train_watch_stop_and_compare(visit, settle, shot):
    # Let the shared sidebar finish finding devices first: its 1 s poll firing while this page's
    # first (slow, torch-importing) run is in flight makes Streamlit show "Page not found".
    page = visit()
    page.wait_for_function("() => document.body.innerText.includes('Devices: ')", timeout=180_000)
    page.wait_for_function(
        "() => !document.body.innerText.includes('looking for')", timeout=180_000
    )
    page = visit("sin-fit")
    # the first visit imports plotly and pandas: wait for the page itself, not just the script state
    expect(page.locator("[data-testid=stProgress]").first).to_contain_text(
        "step 0 of 2,000", timeout=60_000
    )
    expect(page.get_by_role("heading", name="sin(x) fit")).to_be_visible()
    settle()
    shot("sin_fit_start")

    steps = page.get_by_label("Steps", exact=True)
    steps.fill("100000")
    steps.press("Enter")
    settle()

    page.get_by_role("button", name="Train").click()
    wait_until_past(page, 0)
    wait_until_past(page, step_count(page))  # the counter (and the charts) keep moving
    shot("sin_fit_training")

    page.get_by_role("button", name="Stop").click()
    settle()
    stopped_at = step_count(page)
    page.wait_for_timeout(1200)
    assert step_count(page) == stopped_at  # Stop really stopped it
    expect(page.get_by_text("Compare runs")).to_be_visible()

    lr = page.get_by_role("slider", name="Learning rate")
    lr.focus()
    lr.press("ArrowRight")
    settle()
    page.get_by_role("button", name="Train").click()
    wait_until_past(page, 0)
    page.get_by_role("button", name="Stop").click()
    settle()
    expect(page.get_by_text("Overlay these runs")).to_be_visible()
    expect(page.get_by_text("Loss of the chosen runs", exact=True)).to_be_visible()
    expect(page.locator("[data-testid=stException]")).to_have_count(0)
    page.get_by_text("Compare runs").scroll_into_view_if_needed()
    shot("sin_fit_compare")
