"""AppTest for the SIGNS page's data: an upload kept across pages, wrong file types get
sentences, the batch the DataLoader gives on screen, the built-in set's download, the lessons."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.signs import synthetic_signs
from core.signs.download import dataset_zip
from tests.app.conftest import APP


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
    assert any(e.value.startswith("The upload 'hand.png' is not a .zip file") for e in at.error)


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


def codes(at) -> str:
    return "\n".join(c.value for c in at.code)


def test_the_data_tab_shows_the_batch_the_loader_gives_and_both_pipelines_train(signs_page):
    at = signs_page
    assert "images.shape == torch.Size([32, 3, 64, 64])" in codes(at)
    assert "labels.shape == torch.Size([32])  # torch.int64" in codes(at)
    assert "v2.RandomHorizontalFlip(p=0.5)" in codes(at)  # the default flip, as v2 code
    first = codes(at)
    at.button(key="signs_loader_again").click().run()
    assert codes(at) != first  # a new shuffle: other labels
    at.select_slider(key="signs_batch").set_value(16).run()
    assert "images.shape == torch.Size([16, 3, 64, 64])" in codes(at)

    at.button(key="signs_time_pipelines").click().run()
    assert not at.exception
    timing = next(d.value for d in at.dataframe if "pipeline" in d.value.columns)
    assert list(timing["pipeline"]) == [
        "Dataset + v2 transforms + DataLoader",
        "preloaded tensors, batch augmentation",
    ]
    assert (timing["seconds"] > 0).all()

    at.selectbox(key="signs_model").set_value("mlp").run()
    for pipeline in ("tensors", "loader"):
        at.radio(key="signs_pipeline").set_value(pipeline).run()
        at.button(key="signs_train").click().run()
        assert not at.exception and not at.error
        trainer = at.session_state["signs_trainer"]
        assert trainer.pipeline == pipeline and trainer.batches_done >= 1
        at.button(key="signs_stop").click().run()
    assert {row["input"] for row in at.session_state["signs_runs"]} == {"tensors", "loader"}


def test_the_built_in_hands_have_a_download_in_the_signs_layout(signs_page):
    at = signs_page
    buttons = [b for b in at.get("download_button") if "SIGNS zip" in b.proto.label]
    assert len(buttons) == 1
    assert buttons[0].proto.label == "Download these hands as a SIGNS zip"
    assert any("unzip FILE.zip -d data" in m.value for m in at.markdown)


# ------------------------------------------------------------------------------------ lessons


def open_lesson(lesson) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(lesson.query)
    at.run()
    at.switch_page(lesson.page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_every_signs_data_lesson_opens_with_its_idea_on_screen():
    from ui.lessons.signs_data import LESSONS

    assert {lesson.idea for lesson in LESSONS} == {11}
    for lesson in LESSONS:
        at = open_lesson(lesson)
        assert lesson.proof in codes(at), (lesson.key, codes(at)[:300])
        assert not at.error and not at.warning


def test_a_second_lesson_link_on_the_signs_page_applies_its_own_setup():
    from ui.lessons import BY_KEY

    loader, transforms = BY_KEY["signs-dataloader"], BY_KEY["signs-transforms"]
    at = open_lesson(loader)
    assert at.slider(key="signs_rotation").value == 0
    assert "v2.RandomRotation" not in codes(at)
    at.query_params.clear()
    at.query_params.update(transforms.query)
    at.run()
    assert not at.exception
    assert at.slider(key="signs_rotation").value == 20
    assert "images.shape == torch.Size([16, 3, 64, 64])" in codes(at)
    assert transforms.proof in codes(at) and "v2.ColorJitter(brightness=0.3" in codes(at)
    at.query_params.clear()
    at.query_params.update(loader.query)  # and back to the first: its batch size again
    at.run()
    assert "images.shape == torch.Size([32, 3, 64, 64])" in codes(at)
