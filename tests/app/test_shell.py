"""AppTest for the app shell: navigation, sidebar, home page and every page renders."""

import pytest

PAGES = [
    "app_pages/home.py",
    "app_pages/tensors.py",
    "app_pages/autograd.py",
    "app_pages/sin_fit.py",
    "app_pages/signs.py",
]


def test_home_renders_with_sidebar_and_cards(open_page):
    at = open_page()
    assert not at.exception
    assert at.title[0].value.endswith("Torch Playground")
    sidebar_text = " ".join(c.value for c in at.sidebar.caption)
    assert "PyTorch" in sidebar_text and "Devices" in sidebar_text
    titles = [s.value for s in at.subheader]
    for expected in ["Tensor inspector", "Autograd graph", "sin(x) fit", "SIGNS classifier"]:
        assert any(t.endswith(expected) for t in titles), titles


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_without_exception(open_page, path):
    at = open_page(path)
    assert not at.exception
    assert at.title, f"{path} shows no title"
