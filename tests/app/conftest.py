"""AppTest helpers: open the real app.py and switch to a page, as a student's browser would."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


@pytest.fixture
def open_page():
    """open_page("app_pages/tensors.py") runs app.py, switches to that page and returns the AppTest."""

    def _open(path: str = "app_pages/home.py", timeout: float = 60) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=timeout).run()
        if path != "app_pages/home.py":
            at.switch_page(path).run()
        return at

    return _open


SMALL = {"signs_n_train": 120, "signs_n_test": 60}


@pytest.fixture
def signs_page():
    """The SIGNS page on a small built-in set (120 train / 60 test images)."""
    at = AppTest.from_file(APP, default_timeout=180).run()
    for key, value in SMALL.items():
        at.session_state[key] = value
    at.switch_page("app_pages/signs.py").run()
    assert not at.exception
    return at
