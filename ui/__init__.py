"""Streamlit pieces shared by several pages."""
