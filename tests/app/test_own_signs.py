"""AppTest for "My own hand signs": pictures from the camera and from files, two classes, train,
predict from the camera; bad files, a class left empty and a refused shrink each get a sentence."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from core.signs import draw_hands, load_signs_bytes
from tests.app.conftest import APP


def hand(label: int, seed: int, kind: str = "JPEG") -> bytes:
    """A built-in hand (label % 6 fingers) as a webcam-sized picture file."""
    pixels = draw_hands([label % 6], seed=seed)[0].permute(1, 2, 0).numpy()
    picture = Image.fromarray(pixels).resize((160, 120))
    buffer = io.BytesIO()
    picture.save(buffer, format=kind)
    return buffer.getvalue()


def files(label: int, count: int, first_seed: int = 0) -> list[tuple[str, bytes, str]]:
    return [
        (f"hand{label}_{i}.jpg", hand(label, first_seed + i), "image/jpeg") for i in range(count)
    ]


@pytest.fixture
def own_page():
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.session_state["signs_n_train"], at.session_state["signs_n_test"] = 120, 60
    at.switch_page("app_pages/signs.py").run()
    at.radio(key="signs_source").set_value("My own hand signs").run()
    assert not at.exception
    return at


def pick_class(at, label: int) -> None:
    """Choose the class pictures go to (the radio's key follows its texts, see own_data)."""
    next(r for r in at.radio if r.label == "Add pictures to").set_value(label).run()


def texts(elements) -> str:
    return " ".join(e.value for e in elements)


def test_student_captures_two_classes_trains_and_predicts_from_the_camera(own_page):
    at = own_page
    assert "'0', '1', '2', '3', '4', '5' have no pictures" in texts(at.warning)
    at.number_input(key="signs_own_count").set_value(2).run()
    at.text_input(key="signs_own_name_0").input("fist").run()
    assert at.session_state["signs_own"].classes == ["fist", "1"]

    broken = ("broken.jpg", hand(0, 99)[:300], "image/jpeg")
    gif = ("moving.png", hand(0, 98, "GIF"), "image/png")
    at.file_uploader(key="signs_own_files_0_0").set_value(files(0, 5) + [broken, gif]).run()
    assert not at.exception
    errors = texts(at.error)
    assert "'broken.jpg' could not be read" in errors and "'moving.png' is a GIF picture" in errors
    assert "5 picture(s) added." in texts(at.info)
    at.camera_input(key="signs_own_camera_0_0").set_value(("shot.jpg", hand(0, 50), "image/jpeg"))
    at.run()
    own = at.session_state["signs_own"]
    assert own.counts() == [6, 0] and not at.error
    assert at.camera_input(key="signs_own_camera_0_1")  # a fresh camera for the next picture
    assert "'1' has no pictures" in texts(at.warning)  # a class left empty: a sentence
    assert next(r for r in at.radio if r.label == "Add pictures to").options[0] == "fist (6)"

    pick_class(at, 1)
    at.file_uploader(key="signs_own_files_1_0").set_value(files(5, 6, first_seed=10)).run()
    assert own.counts() == [6, 6]
    newest = own.pictures[1][-1].id
    at.button(key=f"signs_own_remove_{newest}").click().run()
    assert own.counts() == [6, 5] and newest not in [p.id for p in own.pictures[1]]
    assert any("your own hand signs, 2 classes, 11 pictures" in c.value for c in at.caption)
    assert at.get("download_button")

    at.number_input(key="signs_own_count").set_value(3).run()
    at.number_input(key="signs_own_count").set_value(2).run()
    assert at.session_state["signs_own"].classes == ["fist", "1"] and not at.error

    at.selectbox(key="signs_model").set_value("mlp").run()
    at.slider(key="signs_epochs").set_value(2).run()
    at.button(key="signs_train").click().run()
    assert not at.exception and not at.error
    trainer = at.session_state["signs_trainer"]
    assert trainer.config.num_classes == 2
    trainer.run(10_000)
    at.run()
    assert not at.session_state["signs_running"]
    assert any(m.label == "Test accuracy" for m in at.metric)
    at.toggle(key="signs_predict_camera_on").set_value(True).run()
    at.camera_input(key="signs_predict_camera").set_value(("me.jpg", hand(5, 77), "image/jpeg"))
    at.run()
    assert not at.exception and not at.error
    bars = [
        trace
        for el in at.get("plotly_chart")
        for trace in json.loads(el.proto.spec)["data"]
        if trace["type"] == "bar" and trace.get("orientation") == "h"
    ]
    assert any(len(b["x"]) == 2 and abs(sum(b["x"]) - 1) < 1e-4 for b in bars)
    assert any(set(b["y"]) == {"fist", "1 finger"} for b in bars)


def test_shrinking_refuses_to_drop_pictures_and_a_saved_zip_loads_back(own_page):
    at = own_page
    at.number_input(key="signs_own_count").set_value(3).run()
    pick_class(at, 2)
    at.file_uploader(key="signs_own_files_2_0").set_value(files(2, 3)).run()
    at.number_input(key="signs_own_count").set_value(2).run()
    assert "would delete the pictures of '2' (3)" in texts(at.error)
    assert at.session_state["signs_own"].counts() == [0, 0, 3]
    assert at.number_input(key="signs_own_count").value == 3

    for label in (0, 1):
        pick_class(at, label)
        at.file_uploader(key=f"signs_own_files_{label}_0").set_value(files(label, 4)).run()
    own = at.session_state["signs_own"]
    blob = own.to_zip()
    assert load_signs_bytes(blob, "mine.zip").classes == ("0", "1", "2")
    saved = ("my_hand_signs.zip", blob, "application/zip")
    at.file_uploader(key="signs_own_zip_0").set_value(saved).run()
    assert "already have 11 pictures here" in texts(at.error)  # nothing is replaced
    assert at.session_state["signs_own"].counts() == [4, 4, 3]

    for label in (0, 1, 2):
        pick_class(at, label)
        at.button(key=f"signs_own_clear_{label}").click().run()
    assert at.session_state["signs_own"].total == 0
    at.file_uploader(key="signs_own_zip_1").set_value(saved).run()
    assert "Loaded 11 pictures in 3 classes." in texts(at.info)
    assert at.session_state["signs_own"].counts() == [4, 4, 3]
