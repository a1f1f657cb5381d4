"""A lecturer shares a link and switches to lecturer mode; a student reopens a closed tab."""

import re
from pathlib import Path

from playwright.sync_api import expect


def test_share_link_reopens_the_same_experiment(visit, settle, shot, page, app_url):
    page = visit("tensors?tns_constructor=ones&tns_shape=3%2C+2&tns_dtype=float64")
    expect(page.get_by_text("x = torch.ones(3, 2, dtype=torch.float64)").first).to_be_visible()
    page.get_by_text("Share this experiment").click()
    link = page.locator("[data-testid=stSidebar] [data-testid=stCode]").inner_text().strip()
    assert "tns_shape=3%2C+2" in link and "sid=" not in link
    shot("classroom_share_link")
    other = page.context.browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    other.goto(link.replace("localhost", "127.0.0.1"))
    expect(other.get_by_text("x = torch.ones(3, 2, dtype=torch.float64)").first).to_be_visible(
        timeout=30_000
    )
    other.context.close()


def test_lecturer_mode_folds_the_sidebar_and_enlarges(visit, settle, shot):
    page = visit("tensors")
    page.get_by_role("button", name="Lecturer mode").click()
    settle()
    expect(page).to_have_url(re.compile(r"lecture=1"))
    root = "() => parseFloat(getComputedStyle(document.documentElement).fontSize)"
    assert page.evaluate(root) >= 20
    expand = page.get_by_test_id("stExpandSidebarButton")  # folded away, one click from open
    expect(expand).to_be_visible()
    expand.click()
    expect(page.get_by_text("Share this experiment")).to_be_visible()
    shot("classroom_lecturer_mode")
    page.get_by_role("button", name="Leave lecturer mode").click()
    settle()
    expect(page.locator("[data-testid=stSidebar]")).to_be_visible()


def test_closed_tab_comes_back_with_its_run(visit, settle):
    page = visit("sin-fit")
    progress = page.locator("[data-testid=stProgress]").first
    expect(progress).to_contain_text("step 0 of 2,000", timeout=60_000)
    page.get_by_role("button", name="Train").click()
    expect(progress).to_contain_text("step 2,000 of 2,000", timeout=60_000)
    settle()
    url = page.url
    assert "sid=" in url
    context = page.context
    page.close()  # the student closes the tab mid-lecture...
    again = context.new_page()  # ...and opens the same address again
    again.goto(url)
    expect(again.locator("[data-testid=stProgress]").first).to_contain_text(
        "step 2,000 of 2,000", timeout=60_000
    )
    expect(again.get_by_text("Compare runs")).to_be_visible()
    again.screenshot(path=str(Path(__file__).parent / "screenshots" / "classroom_restored.png"))
