"""SIGNS classifier page — not built yet."""

import streamlit as st

st.title("SIGNS classifier")
st.info("Coming soon: this page is being built (issue 5). Nothing here is finished yet.")
