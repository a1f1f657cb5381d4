"""A student walks the course: from Home to the lessons map, then every card's link in turn
(each lesson's idea must be on screen without another click); a lecturer walks it on a projector
with the banner's "Next lesson" links alone. One screenshot per lesson and mode."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from harness import wait_for_script
from ui.lessons import LESSONS

SHOWS = """(text) => {
    const main = document.querySelector('[data-testid=stMain]');
    return !!main && main.innerText.includes(text);
}"""


# Streamlit scrolls its main container, so a screenshot holds one screen: bring the idea into it
# (the innermost visible element that shows the proof text).
SCROLL_TO = """(text) => {
    const main = document.querySelector('[data-testid=stMain]');
    let best = null;
    for (const e of main.querySelectorAll('*')) {
        if (e.offsetParent !== null && e.innerText && e.innerText.includes(text)) best = e;
    }
    if (best) best.scrollIntoView({block: 'center'});
    return !!best;
}"""


def assert_lesson_on_screen(page: Page, number: int) -> None:
    """The banner names lesson `number` and the page shows its idea (the lesson's proof text,
    visible: innerText leaves out closed expanders and hidden tabs), with no traceback."""
    lesson = LESSONS[number - 1]
    expect(page).to_have_url(re.compile(rf"[?&]lesson={lesson.key}(&|$)"))
    banner = page.locator(".st-key-lesson_banner")
    expect(banner).to_contain_text(f"Lesson {number} of {len(LESSONS)}", timeout=60_000)
    expect(banner).to_contain_text(lesson.title)
    wait_for_script(page)
    page.wait_for_function(SHOWS, arg=lesson.proof, timeout=90_000)
    expect(page.locator("[data-testid=stException]")).to_have_count(0)


def show_idea(page: Page, number: int) -> None:
    """Scroll the lesson's idea into view and let charts draw, for the screenshot."""
    page.wait_for_timeout(800)  # charts and graphs draw after the script
    # a rerun (a widget settling, lecturer mode learning the screen's size) may redraw the idea
    # meanwhile: wait for it to be back rather than look once
    page.wait_for_function(SCROLL_TO, arg=LESSONS[number - 1].proof, timeout=60_000)
    page.wait_for_timeout(300)


def open_link(page: Page, name: str) -> None:
    # the accessible name starts with the link's icon: match its end
    link = page.get_by_role("link", name=re.compile(rf"{re.escape(name)}$"))
    link.scroll_into_view_if_needed()
    link.click()


def test_every_lesson_card_from_home_puts_its_idea_on_screen(visit, settle, shot, shot_dir, axe):
    page = visit()
    open_link(page, "Open the lessons")
    expect(page).to_have_url(re.compile(r"/lessons"))
    settle()
    axe("lessons")
    shot("lessons")
    for number, lesson in enumerate(LESSONS, start=1):
        open_link(page, f"Open lesson {number}")
        assert_lesson_on_screen(page, number)
        show_idea(page, number)
        page.screenshot(path=str(shot_dir / f"lesson_{number:02d}_{lesson.key}.png"))
        open_link(page, "Back to lessons")
        expect(page.get_by_role("heading", name="Lessons")).to_be_visible()
        wait_for_script(page)


def test_a_lecturer_walks_the_whole_course_with_next_lesson(browser, app_url, shot_dir):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{app_url}/lessons?lecture=1")
        wait_for_script(page)
        expect(page.get_by_role("button", name="Leave lecturer mode")).to_be_visible()
        open_link(page, "Start at lesson 1")
        for number, lesson in enumerate(LESSONS, start=1):
            assert_lesson_on_screen(page, number)
            show_idea(page, number)
            page.screenshot(path=str(shot_dir / f"lecture_lesson_{number:02d}_{lesson.key}.png"))
            if number < len(LESSONS):
                open_link(page, f"Next lesson: {LESSONS[number].title}")
        expect(page.get_by_text("This is the last lesson of the course.")).to_be_visible()
    finally:
        context.close()
