"""Torch Playground: page config, the page list and the shared sidebar. Nothing else."""

import streamlit as st

from ui.sidebar import show_sidebar

st.set_page_config(page_title="Torch Playground", page_icon="🔥", layout="wide")

navigation = st.navigation(
    [
        st.Page("pages/home.py", title="Home", icon="🏠", default=True),
        st.Page("pages/tensors.py", title="Tensor inspector", icon="🧊", url_path="tensors"),
        st.Page("pages/autograd.py", title="Autograd graph", icon="🕸️", url_path="autograd"),
        st.Page("pages/sin_fit.py", title="sin(x) fit", icon="📈", url_path="sin-fit"),
        st.Page("pages/signs.py", title="SIGNS classifier", icon="✋", url_path="signs"),
    ]
)
show_sidebar()
navigation.run()
