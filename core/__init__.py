"""The engine of Torch Playground: torch, numpy, pandas, plotly and PIL only — never streamlit."""
