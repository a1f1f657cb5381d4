"""Tensor inspector."""

import streamlit as st

st.title("Tensor inspector")
