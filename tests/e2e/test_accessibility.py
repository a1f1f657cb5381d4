"""axe-core's WCAG 2.1 A and AA rules on every page, as a student leaves it after using it:
no critical or serious violation in the app's own content (contrast, text alternatives, names)."""

import re

from playwright.sync_api import expect

from tests.e2e.test_signs import open_signs


def open_expanders(page) -> None:
    """Open every closed expander on screen, so that what is folded away (tables, code) is
    checked too."""
    closed = page.locator("[data-testid=stExpander] details:not([open]) > summary").filter(
        visible=True
    )
    for _ in range(30):
        if closed.count() == 0:
            return
        closed.first.click()
        page.wait_for_timeout(150)


def test_home_inspector_and_autograd_pass_axe(visit, settle, axe):
    visit()
    axe("home")
    page = visit("tensors")
    expect(page.get_by_role("heading", name="Tensor inspector")).to_be_visible()
    open_expanders(page)
    axe("tensors")
    page.get_by_role("tab", name="Image as tensor").click()
    settle()
    axe("tensors_image")
    page = visit("autograd")
    expect(page.locator("[data-testid=stGraphVizChart] svg").first).to_be_attached()
    page.get_by_role("button", name="2-layer MLP + loss").click()
    settle()
    slider = page.get_by_role("slider", name="Backward step")
    slider.focus()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    settle()
    open_expanders(page)
    axe("autograd_step")


def test_sin_fit_after_two_runs_passes_axe(visit, settle, axe):
    page = visit("sin-fit")
    progress = page.locator("[data-testid=stProgress]").first
    expect(progress).to_contain_text("step 0 of 2,000", timeout=60_000)
    axe("sin_fit_start")
    for _ in range(2):  # two finished runs: the comparison chart overlays them
        page.get_by_role("button", name="Train").click()
        expect(progress).to_contain_text("step 2,000 of 2,000", timeout=90_000)
        settle()
    # the overlay of both runs, and the one-run overlay it replaces gone (redrawn after a run)
    expect(page.get_by_label(re.compile(r"^Loss per step of 2 runs"))).to_be_visible()
    expect(page.get_by_text("Loss of the chosen runs", exact=True)).to_have_count(1)
    open_expanders(page)
    expect(page.get_by_text("Loss at milestones as a table")).to_be_visible()
    axe("sin_fit_trained")


def test_signs_after_training_passes_axe(app_url, settle, axe, page):
    open_signs(page, app_url)
    axe("signs_data")
    page.get_by_role("tab", name="2 · Model").click()
    page.locator("[data-testid=stSelectbox]").filter(
        has=page.get_by_text("Model", exact=True)
    ).click()
    page.get_by_role("option", name="MLP").click()
    settle()
    epochs = page.get_by_role("slider", name="Epochs")
    epochs.focus()
    epochs.press("Home")
    settle()
    axe("signs_model")
    page.get_by_role("tab", name="3 · Train").click()
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_text("Training speed measured")).to_be_visible(timeout=90_000)
    settle()
    open_expanders(page)
    axe("signs_trained")
    page.get_by_role("tab", name="4 · Results").click()
    expect(page.get_by_text("Confusion matrix").first).to_be_visible()
    settle()
    open_expanders(page)
    axe("signs_results")
    page.get_by_role("tab", name="5 · Save & export").click()
    settle()
    axe("signs_export")
