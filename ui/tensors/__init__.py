"""The tensor inspector page's views (the page itself is app_pages/tensors.py)."""
