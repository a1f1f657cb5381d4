"""Every page on a projector in lecturer mode (1280×720 and 1920×1080) and on a phone (390×844):
screenshots to look at, checks that nothing is cut off or covered, and axe-core in both layouts.
In lecturer mode the charts follow the viewport the browser reports (ui/viewport.py): larger
and taller on the larger projector, never taller than the screen, and the report costs one
rerun after the page loads and none while a run trains or the window moves by a few pixels."""

import pytest
from playwright.sync_api import expect
from streamlit.proto.BackMsg_pb2 import BackMsg

from harness import wait_for_script
from tests.e2e.conftest import check_axe
from ui.classroom import lecture_text_px

PAGES = {
    "home": ("", "Torch Playground"),
    "lessons": ("lessons", "Lessons"),
    "tensors": ("tensors", "Tensor inspector"),
    "autograd": ("autograd", "Autograd graph"),
    "sin_fit": ("sin-fit", "sin(x) fit"),
    "signs": ("signs", "SIGNS classifier"),
}
SIZES = {"projector_1280": (1280, 720), "projector_1920": (1920, 1080), "phone": (390, 844)}


def watch_reruns(page) -> list[str]:
    """The rerun requests the browser sends from now on: "" for a whole-app rerun, else the id
    of the fragment that reruns (a live chart's tick)."""
    sent: list[str] = []

    def on_frame(payload) -> None:
        if isinstance(payload, bytes | bytearray):
            message = BackMsg()
            message.ParseFromString(bytes(payload))
            if message.WhichOneof("type") == "rerun_script":
                sent.append(message.rerun_script.fragment_id)

    page.on("websocket", lambda socket: socket.on("framesent", on_frame))
    return sent


def open_page(browser, app_url, size, path, lecture, query: str = ""):
    """A page in a fresh browser context at `size`; in lecturer mode it waits for the viewport
    report's rerun too (the first run draws the charts at the fallback 1.4×)."""
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(60_000)
    reruns = watch_reruns(page)
    params = "&".join(part for part in (query, "lecture=1" if lecture else "") if part)
    page.goto(f"{app_url}/{path}" + (f"?{params}" if params else ""))
    wait_for_script(page, timeout_ms=240_000)
    if lecture:
        deadline = 100  # tenths of a second
        while "" not in reruns and deadline:
            page.wait_for_timeout(100)
            deadline -= 1
        assert "" in reruns, "the viewport reporter never reported"
        page.wait_for_timeout(300)
        wait_for_script(page, timeout_ms=240_000)
    page.reruns = reruns
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
    viewport = page.viewport_size
    header = page.get_by_test_id("stHeader").bounding_box()
    room = viewport["height"] - (header["height"] if header else 0)
    for chart in page.locator("[data-testid=stPlotlyChart]").filter(visible=True).all():
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        svg = chart.locator("svg.main-svg").first.bounding_box()
        assert svg["x"] + svg["width"] <= box["x"] + box["width"] + 2, "a chart overflows its box"
        assert svg["y"] + svg["height"] <= box["y"] + box["height"] + 2, "a chart spills below"
        assert svg["x"] + svg["width"] <= viewport["width"], "a chart runs off the screen"
        assert svg["height"] <= room, f"a chart {svg['height']} px tall on {room} px of screen"
        for part in chart.locator(".legend, .xtitle, .ytitle, .gtitle").all():
            other = part.bounding_box()
            if other is not None:  # the legend and the axis titles are drawn whole
                assert other["x"] >= svg["x"] - 2 and other["y"] >= svg["y"] - 2, other
                assert other["x"] + other["width"] <= svg["x"] + svg["width"] + 2, other
                assert other["y"] + other["height"] <= svg["y"] + svg["height"] + 2, other
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


_MEASURE = """() => {
    const chart = [...document.querySelectorAll('[data-testid=stPlotlyChart]')]
        .find((c) => c.offsetParent !== null && c.querySelector('.xtick text'));
    if (!chart) return null;
    chart.scrollIntoView({block: 'nearest'});
    const svg = chart.querySelector('svg.main-svg').getBoundingClientRect();
    const tick = chart.querySelector('.xtick text');
    return {height: svg.height, text: parseFloat(getComputedStyle(tick).fontSize)};
}"""


def chart_measures(page, graph: bool = False) -> dict:
    """The first plotly chart's drawn height and tick-label size, or the graph's text height
    (measured in one go: a live chart is redrawn, and its element replaced, on every tick)."""
    if not graph:
        page.wait_for_function(_MEASURE)
        return page.evaluate(_MEASURE) or page.evaluate(_MEASURE)
    label = page.locator("[data-testid=stGraphVizChart] svg text").first
    label.scroll_into_view_if_needed()
    graph = page.locator("[data-testid=stGraphVizChart]").first
    svg = graph.locator("svg").first.bounding_box()
    assert svg["x"] + svg["width"] <= graph.bounding_box()["x"] + graph.bounding_box()["width"] + 2
    return {"height": svg["height"], "text": label.bounding_box()["height"]}


def after_a_run(page, name: str) -> None:
    """The sin fit trains its 2,000 steps; SIGNS trains its small MLP to the end."""
    if name == "sin_fit":
        page.get_by_role("button", name="▶ Train").click()
        expect(page.locator("[data-testid=stProgress]").first).to_contain_text(
            "2,000 of 2,000", timeout=120_000
        )
    elif name == "signs":
        page.get_by_role("button", name="Train", exact=True).click()
        expect(page.get_by_text("Training speed measured")).to_be_visible(timeout=120_000)
    page.wait_for_timeout(1500)
    wait_for_script(page)


RUNS = {
    "sin_fit": ("sin-fit", ""),
    "signs": (
        "signs",
        "signs_tab=3+%C2%B7+Train&signs_model=mlp&signs_n_train=120&signs_n_test=60&signs_epochs=3",
    ),
    "autograd": ("autograd", ""),
}


@pytest.mark.parametrize("name", list(RUNS))
def test_lecturer_charts_follow_the_viewport(browser, app_url, shot_dir, name):
    """At 1920×1080 a chart is taller and its text larger than at 1280×720, and its text is the
    page's own text size; at both it fits its box and the screen (after a run: the sin fit, SIGNS;
    the autograd graph as the page opens)."""
    path, query = RUNS[name]
    measured = {}
    for size in ("projector_1280", "projector_1920"):
        page = open_page(browser, app_url, SIZES[size], path, lecture=True, query=query)
        after_a_run(page, name)
        measured[size] = chart_measures(page, graph=name == "autograd")
        text = lecture_text_px(SIZES[size][0])
        if name == "autograd":  # points: a label's box is a little taller than its font
            assert text <= measured[size]["text"] <= 1.6 * text, measured
        else:
            assert measured[size]["text"] == pytest.approx(round(text), abs=0.5), measured
        charts_fit(page)
        screens(page, shot_dir, f"lecture_run_{size}_{name}")
        page.context.close()
    small, large = measured["projector_1280"], measured["projector_1920"]
    assert large["text"] > small["text"], measured
    if name != "autograd":  # a graph's height is its layout's, not the screen's
        assert large["height"] > small["height"], measured


def test_the_viewport_report_reruns_only_for_a_real_resize(browser, app_url):
    """Once the page has its size, a training run's ticks, a resize by a few pixels and the
    reporter itself cause no whole-app rerun and take no keyboard focus; a real resize causes
    exactly one, and the charts follow it."""
    page = open_page(
        browser, app_url, SIZES["projector_1280"], "sin-fit", lecture=True, query="fit_steps=100000"
    )
    before = chart_measures(page)
    stop = page.get_by_role("button", name="⏹ Stop")
    page.get_by_role("button", name="▶ Train").click()
    page.wait_for_function(
        "() => /step [1-9]/.test(document.querySelector('[data-testid=stProgress]').innerText)"
    )
    stop.focus()
    page.reruns.clear()
    page.wait_for_timeout(2500)
    page.set_viewport_size({"width": 1285, "height": 724})  # a few pixels
    page.wait_for_timeout(1500)
    assert page.reruns and "" not in page.reruns, page.reruns  # only the live fragment's ticks
    assert page.evaluate("() => document.activeElement.innerText.trim()") == "⏹ Stop"
    page.reruns.clear()
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_timeout(1500)
    wait_for_script(page)
    assert page.reruns.count("") == 1, page.reruns
    assert page.evaluate("() => document.activeElement.innerText.trim()") == "⏹ Stop"
    stop.press("Space")
    page.wait_for_timeout(500)
    wait_for_script(page)
    after = chart_measures(page)
    assert after["height"] > before["height"] and after["text"] > before["text"], (before, after)
    page.context.close()
