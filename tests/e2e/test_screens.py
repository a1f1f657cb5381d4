"""Every page on a projector in lecturer mode (1280×720 and 1920×1080) and on a phone (390×844):
screenshots to look at, checks that nothing is cut off or covered, and axe-core in both layouts."""

import pytest
from playwright.sync_api import expect

from harness import wait_for_script
from tests.e2e.conftest import check_axe

PAGES = {
    "home": ("", "Torch Playground"),
    "lessons": ("lessons", "Lessons"),
    "tensors": ("tensors", "Tensor inspector"),
    "autograd": ("autograd", "Autograd graph"),
    "sin_fit": ("sin-fit", "sin(x) fit"),
    "signs": ("signs", "SIGNS classifier"),
}
SIZES = {"projector_1280": (1280, 720), "projector_1920": (1920, 1080), "phone": (390, 844)}


def open_page(browser, app_url, size, path, lecture):
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(60_000)
    query = "?lecture=1" if lecture else ""
    page.goto(f"{app_url}/{path}{query}")
    wait_for_script(page, timeout_ms=240_000)
    return page


def screens(page, shot_dir, name: str) -> None:
    """The top of the page, then each chart and graph scrolled into view (Streamlit scrolls its
    own container, so a full-page screenshot holds only the first screen)."""
    page.mouse.move(0, 0)
    page.locator("[data-testid=stMain]").evaluate("(main) => main.scrollTo(0, 0)")
    page.screenshot(path=str(shot_dir / f"{name}.png"))
    charts = page.locator("[data-testid=stPlotlyChart], [data-testid=stGraphVizChart]").filter(
        visible=True
    )
    for index, chart in enumerate(charts.all()[:3]):
        chart.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        page.screenshot(path=str(shot_dir / f"{name}_chart{index}.png"))


def charts_fit(page) -> None:
    """Every plotly chart is drawn inside its box: no axis or bar cut off on the right, and the
    mode bar (shown on hover) never sits over the title or the legend."""
    for chart in page.locator("[data-testid=stPlotlyChart]").filter(visible=True).all():
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        svg = chart.locator("svg.main-svg").first.bounding_box()
        assert svg["x"] + svg["width"] <= box["x"] + box["width"] + 2, "a chart overflows its box"
        chart.hover()
        bar = chart.locator(".modebar").first
        if bar.count() and bar.is_visible():
            bar_box = bar.bounding_box()
            for part in chart.locator(".gtitle, .legend").all():
                other = part.bounding_box()
                if other is None:
                    continue
                apart = (
                    bar_box["x"] >= other["x"] + other["width"]
                    or other["x"] >= bar_box["x"] + bar_box["width"]
                    or bar_box["y"] >= other["y"] + other["height"]
                    or other["y"] >= bar_box["y"] + bar_box["height"]
                )
                assert apart, f"the mode bar {bar_box} covers {part.inner_text()[:40]!r} {other}"


@pytest.mark.parametrize("size", ["projector_1280", "projector_1920"])
@pytest.mark.parametrize("name", list(PAGES))
def test_lecturer_mode_screens(browser, app_url, shot_dir, size, name):
    path, heading = PAGES[name]
    page = open_page(browser, app_url, SIZES[size], path, lecture=True)
    expect(page.get_by_role("heading", name=heading).first).to_be_visible()
    page.wait_for_timeout(2500)  # charts and graphs draw after the script
    # the sidebar is folded away, not gone: its arrow opens it, and lecturer mode can be left
    expect(page.get_by_test_id("stExpandSidebarButton")).to_be_visible()
    expect(page.get_by_role("button", name="Leave lecturer mode")).to_be_visible()
    # the root font size the type follows, scaled to the screen
    page.wait_for_function(
        "() => parseFloat(getComputedStyle(document.documentElement).fontSize) >= 20"
    )
    if name == "autograd":  # the graph's own text is larger, not squeezed into a column
        label = page.locator("[data-testid=stGraphVizChart] svg text").first
        expect(label).to_be_attached()
        label.scroll_into_view_if_needed()
        assert label.bounding_box()["height"] >= 18
    charts_fit(page)
    screens(page, shot_dir, f"lecture_{size}_{name}")
    if size == "projector_1280":  # the larger type and charts pass axe too (once per page)
        check_axe(page, f"lecture_{name}")
    page.context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_phone_screens(browser, app_url, shot_dir, name):
    path, heading = PAGES[name]
    page = open_page(browser, app_url, SIZES["phone"], path, lecture=False)
    expect(page.get_by_role("heading", name=heading).first).to_be_visible()
    page.wait_for_timeout(2500)
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= SIZES["phone"][0] + 1, "the page scrolls sideways on a phone"
    if name == "autograd":
        legend = page.get_by_role("list", name="Legend of the node colours")
        legend.scroll_into_view_if_needed()
        item = legend.get_by_role("listitem").first
        assert item.evaluate("(e) => parseFloat(getComputedStyle(e).fontSize)") >= 12
        assert legend.bounding_box()["width"] <= SIZES["phone"][0]  # it wraps, at full size
    charts_fit(page)
    screens(page, shot_dir, f"phone_{name}")
    check_axe(page, f"phone_{name}")
    page.context.close()
