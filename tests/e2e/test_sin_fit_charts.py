"""The sin(x) fit's charts in Chromium: no legend covers a title (desktop and lecturer mode),
the optimizer race from its lesson link, and the forget-zero_grad curve as a readable band."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ui.lessons import BY_KEY

# Every plotly chart on the page: the boxes of its legend and of its titles, and which overlap.
OVERLAPS = """() => {
    const box = (el) => { const r = el.getBoundingClientRect(); return r.width && r.height ? r : null; };
    const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const out = [];
    let charts = 0;
    for (const plot of document.querySelectorAll('.js-plotly-plot')) {
        charts += 1;
        const legend = plot.querySelector('g.legend');
        const legendBox = legend && box(legend);
        if (!legendBox) continue;
        for (const title of plot.querySelectorAll('.gtitle, .xtitle, .ytitle')) {
            const titleBox = box(title);
            if (titleBox && hit(legendBox, titleBox)) out.push(title.textContent);
        }
    }
    return {charts, out};
}"""


def race_done(page) -> None:
    page.wait_for_function(
        "() => document.body.innerText.includes('The race is over')", timeout=180_000
    )


@pytest.mark.parametrize(
    "lecture, width",
    [(False, 1400), (True, 1400), (False, 390)],
    ids=["desktop", "lecture", "phone"],
)
def test_the_race_lesson_and_no_legend_over_a_title(visit, settle, shot, page, axe, lecture, width):
    lesson = BY_KEY["sin-fit-optimizer-race"]
    page.set_viewport_size({"width": width, "height": 1000})
    visit(lesson.url + ("&lecture=1" if lecture else ""))
    expect(page.get_by_text(lesson.proof, exact=False)).to_be_visible(timeout=120_000)
    race_done(page)
    settle()
    page.wait_for_timeout(1500)  # plotly draws after the script
    found = page.evaluate(OVERLAPS)
    assert found["charts"] >= 4 and found["out"] == []
    page.get_by_text("🏁 Optimizer race: SGD, Adam").scroll_into_view_if_needed()
    shot(f"sin_fit_race{'_lecture' if lecture else ''}{'_phone' if width < 600 else ''}")
    if not lecture and width > 600:
        axe("sin_fit_race")  # the race, its table and notes meet WCAG 2.1 AA too


def test_forget_zero_grad_is_a_readable_band(visit, settle, shot, page):
    visit("sin-fit?fit_variant=nn&fit_lr=1e-06&fit_forget=True&fit_steps=2000")
    page.get_by_role("button", name="Train").click()
    page.wait_for_function(
        "() => document.body.innerText.includes('step 2,000 of 2,000')", timeout=180_000
    )
    settle()
    page.wait_for_timeout(1500)
    assert page.evaluate(OVERLAPS)["out"] == []
    expect(page.get_by_text("lowest to highest of each", exact=False).first).to_be_visible()
    page.locator(".js-plotly-plot").first.screenshot(
        path=str(shot("sin_fit_forget_zero_grad").with_name("sin_fit_forget_zero_grad_chart.png"))
    )
