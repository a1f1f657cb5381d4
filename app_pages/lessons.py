"""Lessons: every idea of the course notes as a card, in the notes' order; each card's link opens
the page that shows it, already set up."""

import streamlit as st

from ui.lessons import GROUPS, LESSONS

st.title("📚 Lessons")
st.markdown(
    f"The course in {len(LESSONS)} lessons, in the order the notes teach it. Each card opens the "
    "page that shows the idea, already set up: the example loaded, the right tab open. A banner "
    "at the top of that page leads on to the next lesson, so a class can walk the whole course."
)
if LESSONS:
    first = LESSONS[0]
    st.page_link(first.page, label="Start at lesson 1", icon="▶️", query_params=first.query)

number = 0
for group in GROUPS:
    lessons = [lesson for lesson in LESSONS if lesson.group == group]
    if not lessons:
        continue
    st.header(group, divider="gray")
    columns = st.columns(2)
    for index, lesson in enumerate(lessons):
        number += 1
        with columns[index % 2].container(border=True, key=f"lesson_card_{lesson.key}"):
            st.subheader(f"{number}. {lesson.title}")
            st.write(lesson.idea_text)
            st.markdown(f"**Try this:** {lesson.try_this}")
            st.page_link(
                lesson.page,
                label=f"Open lesson {number}",
                icon="➡️",
                query_params=lesson.query,
                help=lesson.title,
            )
