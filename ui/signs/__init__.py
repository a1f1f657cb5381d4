"""The SIGNS page's Streamlit pieces: data source, charts, pictures, model table, training, results."""
