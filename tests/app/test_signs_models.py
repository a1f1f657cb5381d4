"""AppTest for the SIGNS page's model side: tabs bound to the link, the lessons of ideas 4, 12,
17 and 18, saving and loading weights, and results never scored silently on other data."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP

SMALL = {"signs_n_train": "120", "signs_n_test": "60"}


def open_signs(params: dict) -> AppTest:
    """The app opened with `params` in its link, switched to the SIGNS page."""
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(params)
    at.run()
    at.switch_page("app_pages/signs.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_tabs_follow_the_link_and_a_new_lesson_link_selects_its_tab():
    at = open_signs({**SMALL, "signs_tab": "4 · Results"})
    assert at.session_state["signs_tab"] == "4 · Results"
    # a lesson link on the page already open: its tab is selected again
    at.query_params.update({"signs_tab": "5 · Save & export", "lesson": "another"})
    at.run()
    assert not at.exception
    assert at.session_state["signs_tab"] == "5 · Save & export"
    at.run()
    assert at.session_state["signs_tab"] == "5 · Save & export"
    # a lesson link naming no tab opens the first one (its parameter is dropped: the default)
    del at.query_params["signs_tab"]
    at.query_params["lesson"] = "a-third"
    at.run()
    assert at.session_state["signs_tab"] == "1 · Data"


def test_a_nonsense_tab_in_the_link_opens_the_first_tab():
    at = open_signs({**SMALL, "signs_tab": "9 · Nowhere"})
    assert at.session_state["signs_tab"] == "1 · Data"
