"""Autograd graph page — not built yet."""

import streamlit as st

st.title("Autograd graph")
st.info("Coming soon: this page is being built (issue 3). Nothing here is finished yet.")
