"""Torch Playground: page config, the page list and the shared sidebar. Nothing else.

The page scripts live in app_pages/, not pages/: Streamlit treats a folder named pages/ beside
the entry file as a legacy multipage app, and a deep link such as /tensors would then run the
page without this file (no sidebar, no page config)."""

import streamlit as st

from ui.accessibility import page_css
from ui.classroom import lecturer_mode, remember_session, restore_session
from ui.lesson_banner import lesson_banner
from ui.sidebar import show_sidebar
from ui.streamlit_fixes import apply as apply_streamlit_fixes

apply_streamlit_fixes()  # once per process: see ui/streamlit_fixes.py

st.set_page_config(page_title="Torch Playground", page_icon="🔥", layout="wide")

navigation = st.navigation(
    [
        st.Page("app_pages/home.py", title="Home", icon="🏠", default=True),
        st.Page("app_pages/lessons.py", title="Lessons", icon="📚", url_path="lessons"),
        st.Page("app_pages/tensors.py", title="Tensor inspector", icon="🧊", url_path="tensors"),
        st.Page("app_pages/autograd.py", title="Autograd graph", icon="🕸️", url_path="autograd"),
        st.Page("app_pages/sin_fit.py", title="sin(x) fit", icon="📈", url_path="sin-fit"),
        st.Page("app_pages/signs.py", title="SIGNS classifier", icon="✋", url_path="signs"),
    ]
)
restore_session()
page_css()
show_sidebar()
lecturer_mode()
lesson_banner(navigation.url_path)
navigation.run()
remember_session()
