"""A student opens the autograd page, clicks presets, steps through backward() and types a bad
program; the page draws graphs, highlights steps and answers errors with a sentence."""

from playwright.sync_api import expect

from core.graph.palette import ACTIVE, DONE

CHART = "[data-testid=stGraphVizChart]"


def expect_graph_with(page, text: str) -> None:
    """Wait until a graph drawn in the browser has a label containing `text`. The browser lays a
    chart out once it is on screen, and a rerun may replace it, so keep scrolling it into view."""
    label = page.locator(f"{CHART} svg text", has_text=text).first
    for _ in range(60):
        chart = page.locator(CHART).first
        if chart.count():
            chart.scroll_into_view_if_needed()
        if label.count():
            break
        page.wait_for_timeout(500)
    expect(label).to_be_attached()


def test_presets_draw_graphs_and_step_through_highlights(visit, settle, shot):
    page = visit("autograd")
    expect(page.get_by_role("heading", name="Autograd graph")).to_be_visible()
    expect_graph_with(page, "MeanBackward0")
    page.locator(CHART).first.scroll_into_view_if_needed()
    shot("autograd_mean")

    page.get_by_role("button", name="2-layer MLP + loss").click()
    settle()
    expect_graph_with(page, "MmBackward0")
    page.locator(CHART).first.scroll_into_view_if_needed()
    shot("autograd_mlp")

    slider = page.get_by_role("slider", name="Backward step")
    slider.focus()
    page.keyboard.press("Home")
    settle()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    settle()
    expect(page.get_by_text("Step 3 of").first).to_be_visible()
    # the node being processed is outlined in vermillion, the ones done before it in blue
    expect(page.locator(f"{CHART} svg [stroke='{ACTIVE}']").first).to_be_attached()
    expect(page.locator(f"{CHART} svg [stroke='{DONE}']").first).to_be_attached()
    page.locator(CHART).first.scroll_into_view_if_needed()
    shot("autograd_step")


def test_bad_program_shows_a_sentence_and_the_page_keeps_working(visit, settle, shot):
    page = visit("autograd")
    editor = page.get_by_role("textbox", name="Program")
    editor.fill("import os\nx = 1")
    page.get_by_role("button", name="Run", exact=True).click()
    settle()
    message = page.get_by_text("Imports are not part of this language").first
    expect(message).to_be_visible()
    message.scroll_into_view_if_needed()
    shot("autograd_error")
    page.get_by_role("button", name="Error: non-scalar").click()
    settle()
    expect(page.get_by_text("backward() needs a single number").first).to_be_visible()
    expect_graph_with(page, "MulBackward0")
    page.get_by_role("button", name="y = x + 2").click()
    settle()
    expect_graph_with(page, "AddBackward0")


def test_module_graph(visit, settle, shot):
    page = visit("autograd")
    page.get_by_text("An nn.Module").click()
    settle()
    expect_graph_with(page, "AddmmBackward0")
    shot("autograd_module")

    # the CNN through the page's share link (its settings travel in the URL)
    page = visit("autograd?ag_mode=An+nn.Module&ag_module=signs_cnn")
    expect(page.get_by_text("core.signs.models.SignsCNN")).to_be_visible()
    expect_graph_with(page, "features.0.0: Conv2d 3→32, 3×3")  # one box per layer
    page.locator(CHART).first.scroll_into_view_if_needed()
    shot("autograd_cnn")

    cap = page.get_by_label("Node cap")
    cap.fill("20")
    cap.press("Enter")
    settle()
    expect_graph_with(page, "features.0: Conv2d 3→32, 3×3")
    expect(page.get_by_text("each block of layers is drawn as one purple box")).to_be_visible()
    page.locator(CHART).first.scroll_into_view_if_needed()
    shot("autograd_cnn_collapsed")
