"""The banner a page shows when a lesson link opened it: which lesson, what to try, and the
links that walk a class through the course in order (next lesson, back to the lessons map)."""

from __future__ import annotations

import streamlit as st

LESSONS_PAGE = "app_pages/lessons.py"


def lesson_banner(url_path: str) -> None:
    """Draw the banner above the page if the URL names a lesson of the running page (its
    `url_path` in app.py's navigation). An unknown lesson gets a sentence."""
    key = st.query_params.get("lesson")
    if not key:
        return
    # imported here, not at the top: some pages' lessons take their presets from core modules
    # that import torch, and app.py must not wait for torch on a page without a lesson
    from ui.lessons import BY_KEY, LESSONS, PAGE_URLS, next_lesson

    lesson = BY_KEY.get(key)
    if lesson is None:
        st.warning(
            f"The link names a lesson this playground does not have ({key[:40]!r}); "
            "the page opens as usual. The lessons page lists them all."
        )
        st.page_link(LESSONS_PAGE, label="Back to lessons", icon="📚")
        return
    if PAGE_URLS[lesson.page] != url_path:
        return  # the student went on to another page; the lesson stays where it was
    # A page link to the page already open does not put its query string into the address
    # bar unless the run writes a parameter: write one, so the URL (and a copied link) names
    # this lesson and its settings, not the previous lesson's.
    st.query_params["lesson"] = lesson.key
    number = LESSONS.index(lesson) + 1
    with st.container(border=True, key="lesson_banner"):
        st.markdown(
            f"**📘 Lesson {number} of {len(LESSONS)} · {lesson.group}: {lesson.title}**  \n"
            f"{lesson.idea_text}  \n"
            f"**Try this:** {lesson.try_this}"
        )
        back, forward = st.columns(2)
        with back:
            st.page_link(LESSONS_PAGE, label="Back to lessons", icon="📚")
        following = next_lesson(lesson.key)
        with forward:
            if following is None:
                st.caption("This is the last lesson of the course.")
            else:
                st.page_link(
                    following.page,
                    label=f"Next lesson: {following.title}",
                    icon="➡️",
                    query_params=following.query,
                )
