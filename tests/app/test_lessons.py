"""The lessons map: every idea of the course notes is a card on the Lessons page (linked from
Home's top); each card's link opens its page with a banner that names the lesson and leads on."""

import re
from urllib.parse import parse_qsl

from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP
from ui.lessons import GROUPS, LESSONS, PAGE_URLS, next_lesson


def page_links(at: AppTest) -> list:
    return [element.proto for element in at.get("page_link")]


def open_lesson(lesson) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(lesson.query)
    at.run()
    at.switch_page(lesson.page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_lessons_cover_all_eighteen_ideas_of_the_notes_in_every_group():
    assert {lesson.idea for lesson in LESSONS} == set(range(1, 19))
    assert {lesson.group for lesson in LESSONS} == set(GROUPS)
    for lesson in LESSONS:
        assert re.fullmatch(r"[a-z0-9-]+", lesson.key), lesson.key
        assert lesson.page in PAGE_URLS and lesson.proof
        assert len(lesson.idea_text) > 40 and lesson.try_this, lesson.key
    order = [GROUPS.index(lesson.group) for lesson in LESSONS]
    assert order == sorted(order)  # the notes' order: tensors first, pretrained models last


def test_home_links_to_the_lessons_at_its_top_and_the_page_lists_every_card():
    at = AppTest.from_file(APP, default_timeout=120).run()
    first = page_links(at)[0]
    assert first.page == "lessons" and "lessons" in first.label.lower()
    at.switch_page("app_pages/lessons.py").run()
    assert not at.exception
    links = page_links(at)
    start, cards = links[0], links[1:]
    assert dict(parse_qsl(start.query_string)) == LESSONS[0].query
    assert len(cards) == len(LESSONS)
    by_label = {link.label: link for link in cards}  # the tree lists a row's columns in turn
    for number, lesson in enumerate(LESSONS, start=1):
        link = by_label[f"Open lesson {number}"]
        assert link.page == PAGE_URLS[lesson.page]
        assert dict(parse_qsl(link.query_string)) == lesson.query
    headers = [header.value for header in at.header]
    assert headers == list(GROUPS)


def test_every_lesson_link_opens_its_page_with_a_banner_that_leads_on():
    for number, lesson in enumerate(LESSONS, start=1):
        at = open_lesson(lesson)
        banner = at.get("markdown")
        text = " ".join(element.value for element in banner)
        assert f"Lesson {number} of {len(LESSONS)}" in text and lesson.title in text, lesson.key
        links = page_links(at)
        assert any(link.page == "lessons" for link in links), lesson.key
        following = next_lesson(lesson.key)
        if following is None:
            assert "last lesson" in " ".join(c.value for c in at.caption)
        else:
            onward = [link for link in links if link.label.startswith("Next lesson")]
            assert len(onward) == 1, lesson.key
            assert onward[0].page == PAGE_URLS[following.page]
            assert dict(parse_qsl(onward[0].query_string)) == following.query


def test_an_unknown_lesson_gets_a_sentence_and_the_page_as_usual():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lesson"] = "<script>alert(1)</script>"
    at.run()
    at.switch_page("app_pages/tensors.py").run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "does not have" in warnings
    assert any(link.page == "lessons" for link in page_links(at))
    assert at.title[0].value.endswith("Tensor inspector")


def test_a_lesson_of_another_page_shows_no_banner_here():
    lesson = next(lesson for lesson in LESSONS if lesson.page != "app_pages/tensors.py")
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(lesson.query)
    at.run()
    at.switch_page("app_pages/tensors.py").run()
    assert not at.exception
    assert not any("Lesson " in m.value and " of " in m.value for m in at.get("markdown"))
