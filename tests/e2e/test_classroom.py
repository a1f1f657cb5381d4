"""A lecturer shares a link (the sin fit, SIGNS and the inspector reproduce exactly in another
browser) and switches to lecturer mode; a student reopens a closed tab in the same browser, and
a classmate opening the copied address gets a fresh session."""

import re
from urllib.parse import parse_qs, quote, urlparse

from playwright.sync_api import expect

from harness import wait_for_script
from tests.e2e.conftest import SCREENSHOTS


def share_link(page) -> str:
    """The link in the sidebar's "Share this experiment" box, as a student copies it."""
    page.get_by_text("Share this experiment").click()
    link = page.locator("[data-testid=stSidebar] [data-testid=stCode]").last.inner_text().strip()
    assert "sid=" not in link
    return link.replace("localhost", "127.0.0.1")


def stranger(browser):
    """A page in a new browser context: another student's browser, no cookies shared."""
    other = browser.new_context(viewport={"width": 1400, "height": 1000})
    fresh = other.new_page()
    fresh.set_default_timeout(60_000)
    return fresh


def metric(page, label: str) -> str:
    box = page.locator("[data-testid=stMetric]").filter(has_text=label).first
    return box.locator("[data-testid=stMetricValue]").inner_text().strip()


def test_share_link_reopens_the_same_inspector_pipeline(visit, settle, shot, page):
    pipe = quote('[{"op":"transpose","text":"0, 1"},{"op":"arithmetic","text":"2","name":"*"}]')
    page = visit(f"tensors?tns_constructor=randn&tns_shape=3%2C+4&tns_seed=7&tns_pipe={pipe}")
    expect(page.get_by_text("x = x * 2").first).to_be_visible()
    settle()
    link = share_link(page)
    assert "tns_seed=7" in link and "tns_pipe=" in link
    shot("classroom_share_link")
    mine = page.locator("[data-testid=stMain] [data-testid=stCode]").all_inner_texts()
    facts = page.locator("[data-testid=stMain] [data-testid=stTable]").first.inner_text()
    other = stranger(page.context.browser)
    other.goto(link)
    expect(other.get_by_text("x = x * 2").first).to_be_visible(timeout=30_000)
    wait_for_script(other)
    assert other.locator("[data-testid=stMain] [data-testid=stCode]").all_inner_texts() == mine
    assert other.locator("[data-testid=stMain] [data-testid=stTable]").first.inner_text() == facts
    other.context.close()


def train_sin_fit(page) -> str:
    progress = page.locator("[data-testid=stProgress]").first
    expect(progress).to_contain_text("step 0 of 300", timeout=60_000)
    page.get_by_role("button", name="Train").click()
    expect(progress).to_contain_text("step 300 of 300", timeout=60_000)
    wait_for_script(page)
    return metric(page, "Loss now")


def test_share_link_reproduces_a_sin_fit_run(visit, settle, page):
    page = visit(
        "sin-fit?fit_variant=optim&fit_optimizer=adam&fit_lr=0.01&fit_steps=300&fit_seed=5"
    )
    loss = train_sin_fit(page)
    link = share_link(page)
    assert "fit_optimizer=adam" in link and "fit_steps=300" in link and "fit_seed=5" in link
    other = stranger(page.context.browser)
    other.goto(link)
    assert train_sin_fit(other) == loss != "—"
    other.screenshot(path=str(SCREENSHOTS / "classroom_shared_sin_fit.png"))
    other.context.close()


def train_signs(page) -> tuple[str, str]:
    expect(page.get_by_text("Images per class")).to_be_visible(timeout=240_000)
    page.get_by_role("tab", name="3 · Train").click()
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_text("Training speed measured")).to_be_visible(timeout=120_000)
    wait_for_script(page)
    page.get_by_role("tab", name="4 · Results").click()
    expect(page.get_by_text("Test accuracy")).to_be_visible()
    return metric(page, "Test accuracy"), metric(page, "Test loss")


def test_share_link_reproduces_a_signs_run_on_the_built_in_data(visit, page):
    page.set_default_timeout(60_000)
    page = visit("signs?signs_model=mlp&signs_n_train=120&signs_n_test=60&signs_epochs=2")
    wait_for_script(page, timeout_ms=240_000)
    result = train_signs(page)
    link = share_link(page)
    assert "signs_model=mlp" in link and "signs_n_train=120" in link
    other = stranger(page.context.browser)
    other.goto(link)
    wait_for_script(other, timeout_ms=240_000)
    assert train_signs(other) == result
    other.screenshot(path=str(SCREENSHOTS / "classroom_shared_signs.png"), full_page=True)
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


def test_closed_tab_comes_back_in_the_same_browser_but_not_from_a_copied_url(visit, settle):
    page = visit("sin-fit?sid=an-old-link-with-someone-elses-session-id")
    progress = page.locator("[data-testid=stProgress]").first
    expect(progress).to_contain_text("step 0 of 2,000", timeout=60_000)
    page.get_by_role("button", name="Train").click()
    expect(progress).to_contain_text("step 2,000 of 2,000", timeout=60_000)
    settle()
    url = page.url  # what the student copies from the address bar into the class chat
    assert "sid" not in parse_qs(urlparse(url).query)
    context = page.context
    cookies = {c["name"]: c for c in context.cookies()}
    assert cookies["torch_playground_browser"]["sameSite"] == "Strict"
    assert cookies["torch_playground_browser"]["value"] not in url
    page.close()  # the student closes the tab mid-lecture...
    # ...a classmate opens the copied address in their own browser: a fresh page, not the run
    other = stranger(context.browser)
    other.goto(url)
    expect(other.locator("[data-testid=stProgress]").first).to_contain_text(
        "step 0 of 2,000", timeout=60_000
    )
    wait_for_script(other)
    expect(other.get_by_text("Welcome back")).to_have_count(0)
    other.screenshot(path=str(SCREENSHOTS / "classroom_copied_url_is_fresh.png"))
    other.context.close()
    # ...and the student reopens the same address in their own browser: the run is back.
    again = context.new_page()
    again.goto(url)
    expect(again.locator("[data-testid=stProgress]").first).to_contain_text(
        "step 2,000 of 2,000", timeout=60_000
    )
    expect(again.get_by_text("Compare runs")).to_be_visible()
    again.screenshot(path=str(SCREENSHOTS / "classroom_restored.png"))
