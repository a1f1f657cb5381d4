"""sin(x) fit page — not built yet."""

import streamlit as st

st.title("sin(x) fit")
st.info("Coming soon: this page is being built (issue 4). Nothing here is finished yet.")
