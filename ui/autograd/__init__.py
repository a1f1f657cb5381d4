"""The autograd page's Streamlit pieces: settings, program editor, graph, tables, nn.Modules."""
