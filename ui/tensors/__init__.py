"""The tensor inspector page's views (the page itself is app_pages/tensors.py)."""

TABS = {  # the URL's tns_tab=<key> -> the tab's label, in the page's order
    "build": "Build & transform",
    "numpy": "NumPy bridge",
    "regression": "Linear regression: NumPy vs autograd",
    "table": "Table as tensor",
    "image": "Image as tensor",
}
