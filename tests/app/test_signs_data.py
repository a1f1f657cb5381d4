"""AppTest for the SIGNS page's data: an upload kept across pages, wrong file types get
sentences, the batch the DataLoader gives on screen, the built-in set's download, the lessons."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.signs import synthetic_signs
from core.signs.download import dataset_zip
from tests.app.conftest import APP

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


def texts(elements) -> str:
    return " ".join(e.value for e in elements)


@pytest.fixture(scope="module")
def upload_zip() -> bytes:
    """A small SIGNS zip, as the built-in set's download gives it (36 train / 12 test)."""
    return dataset_zip(synthetic_signs(n_train=36, n_test=12, seed=5))


def test_an_uploaded_set_is_still_the_data_after_home_and_back(signs_page, upload_zip):
    at = signs_page
    at.radio(key="signs_source").set_value("Upload a zip").run()
    at.file_uploader(key="signs_upload").set_value(
        ("hands.zip", upload_zip, "application/zip")
    ).run()
    assert not at.exception and not at.error
    assert "hands.zip" in texts(at.caption) and "12 test images" in texts(at.caption)
    at.switch_page("app_pages/home.py").run()
    at.switch_page("app_pages/signs.py").run()
    assert not at.exception
    assert at.radio(key="signs_source").value == "Upload a zip"
    assert "hands.zip" in texts(at.caption) and "12 test images" in texts(at.caption)
    assert not any("Choose the data" in i.value for i in at.info)


def test_a_wrong_file_type_on_the_zip_uploader_gets_a_sentence(signs_page):
    at = signs_page
    at.radio(key="signs_source").set_value("Upload a zip").run()
    at.file_uploader(key="signs_upload").set_value(("hand.png", b"\x89PNG....", "image/png")).run()
    assert not at.exception
    assert any("hand.png" in e.value and ".zip" in e.value for e in at.error), texts(at.error)


def test_a_wrong_file_type_on_the_own_sign_uploaders_gets_a_sentence(signs_page):
    at = signs_page
    at.radio(key="signs_source").set_value("My own hand signs").run()
    at.file_uploader(key="signs_own_files_0_0").set_value(
        [("notes.txt", b"hello", "text/plain")]
    ).run()
    assert not at.exception
    shown = texts(at.error) + texts(at.warning)
    assert "notes.txt" in shown and "JPEG or PNG" in shown, shown
    at.file_uploader(key="signs_own_zip_0").set_value(("hand.jpg", b"\xff\xd8", "image/jpeg")).run()
    assert not at.exception
    shown = texts(at.error) + texts(at.warning)
    assert "hand.jpg" in shown and ".zip" in shown, shown
