"""A keyboard-only student (Tab, Enter, Space and typing, no mouse) goes from the home page to
the sin(x) fit, trains and stops; every stop on the way shows a focus ring."""

import re

from playwright.sync_api import expect

from harness import wait_for_script
from tests.e2e.test_sin_fit import step_count, wait_until_past

FOCUSED = """() => {
    const e = document.activeElement;
    const style = getComputedStyle(e);
    return {text: (e.getAttribute("aria-label") || e.innerText || "").trim().slice(0, 60),
            tag: e.tagName, outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
}"""


def has_ring(focused: dict) -> bool:
    return focused["outline"] != "none" and focused["width"] >= 2


def tab_to(page, matches, limit: int = 80, key: str = "Tab") -> int:
    """Press Tab (or `key`) until the focused element's text matches; each stop must show a
    focus ring. Returns the number of presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        focused = page.evaluate(FOCUSED)
        if focused["tag"] not in ("BODY", "MAIN") and not has_ring(focused):
            # the ring's CSS is sent again by every script run; a rerun that is still drawing
            # can leave a stop without it for a moment, so give the page a second to finish
            page.wait_for_timeout(300)
            wait_for_script(page)
            focused = page.evaluate(FOCUSED)
            assert has_ring(focused), focused
        if matches(focused["text"]):
            return presses
    raise AssertionError("never reached by Tab")


def test_keyboard_only_from_home_to_a_stopped_sin_fit_run(visit, settle, page):
    visit()
    page.wait_for_function("() => !document.body.innerText.includes('looking for')")
    settle()
    tab_to(page, lambda text: text.endswith("Open sin(x) fit"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/sin-fit"))
    progress = page.locator("[data-testid=stProgress]").first
    expect(progress).to_contain_text("step 0 of 2,000", timeout=60_000)
    settle()

    tab_to(page, lambda text: text == "Steps")
    page.keyboard.press("Control+A")
    page.keyboard.type("100000")
    page.keyboard.press("Enter")
    settle()
    expect(progress).to_contain_text("of 100,000")

    # back to the top, to Streamlit's "Skip to main content" link; from there Train is close
    tab_to(page, lambda text: text == "Skip to main content", key="Shift+Tab")
    page.keyboard.press("Enter")
    presses = tab_to(page, lambda text: text == "▶ Train")
    assert presses <= 6, f"{presses} Tabs from the skip link to Train"
    page.keyboard.press("Space")
    wait_until_past(page, 0)
    assert page.evaluate(FOCUSED)["text"] == "▶ Train"  # focus stays where the student was
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["text"] == "⏹ Stop"
    page.keyboard.press("Space")
    settle()
    stopped_at = step_count(page)
    assert 0 < stopped_at < 100_000
    page.wait_for_timeout(1200)
    assert step_count(page) == stopped_at  # it really stopped
    assert page.evaluate(FOCUSED)["text"] == "⏹ Stop"  # and the focus did not drop to the page
    expect(page.get_by_text("Compare runs")).to_be_visible()


def test_keyboard_only_signs_train_stop_and_reset_keep_the_focus(visit, settle, page):
    """On the SIGNS Train tab, Space on Train starts a run, Space on Stop ends it and Space on
    Reset forgets it; the focus stays on each button (none turns disabled under it), and Resume
    or Reset with no run say so in a sentence."""
    page.set_default_timeout(60_000)
    visit(
        # the course CNN for 50 epochs: a run still going when Stop is pressed (the MLP on two
        # cores finishes 20 epochs of 120 pictures in a few seconds)
        "signs?signs_tab=3+%C2%B7+Train&signs_model=signs_cnn&signs_n_train=120&signs_n_test=60"
        "&signs_epochs=50"
    )
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_visible(timeout=240_000)
    settle()
    tab_to(page, lambda text: text == "Train", limit=120)
    page.keyboard.press("Space")
    progress = page.locator("[data-testid=stProgress]").first
    expect(progress).to_contain_text("batch", timeout=60_000)
    assert page.evaluate(FOCUSED)["text"] == "Train"  # focus stays where the student was
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["text"] == "Stop"
    page.keyboard.press("Space")
    settle()
    assert page.evaluate(FOCUSED)["text"] == "Stop"  # and did not drop to the page
    stopped = progress.inner_text()
    assert "left" in stopped  # stopped part way (the line says how long was left)
    page.wait_for_timeout(1500)
    assert progress.inner_text() == stopped  # it really stopped

    # Reset forgets the run and keeps the focus; pressed again with no run, it says so (it is
    # never disabled, which would drop the focus to the page)
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["text"] == "Resume"
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["text"] == "Reset"
    page.keyboard.press("Space")
    settle()
    expect(page.get_by_text("Press Train to start with the settings of tab 2.")).to_be_visible()
    expect(page.locator("[data-testid=stProgress]")).to_have_count(0)
    assert page.evaluate(FOCUSED)["text"] == "Reset"
    page.keyboard.press("Space")
    settle()
    expect(page.get_by_text("Nothing to reset yet: press Train first.")).to_be_visible()
    assert page.evaluate(FOCUSED)["text"] == "Reset"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")
    settle()
    expect(page.get_by_text("Nothing to resume yet: press Train first.")).to_be_visible()
    assert page.evaluate(FOCUSED)["text"] == "Resume"
