"""The sin(x) fit page's Streamlit pieces: settings, live charts, loop anatomy, run records."""
