"""Each lesson of the tensor inspector opens with its idea on screen, and a second lesson link
in the same session sets its own tab and preset up again."""

import json

import pytest
import torch
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP
from ui.lessons import BY_KEY
from ui.lessons.tensors import LESSONS
from ui.tensors import TABS

PAGE = "app_pages/tensors.py"


def open_lesson(key: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(BY_KEY[key].query)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def follow(at: AppTest, key: str) -> AppTest:
    """Click another lesson's link in the same session (same page, new query string)."""
    at.query_params.clear()
    at.query_params.update(BY_KEY[key].query)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def tab(at: AppTest) -> str:
    return at.session_state["tns_tab"]


def text(at: AppTest) -> str:
    parts = [*at.error, *at.info, *at.warning, *at.success, *at.code, *at.markdown]
    tables = [t.value.to_csv() for t in at.table]
    charts = [
        json.dumps(json.loads(e.proto.spec), ensure_ascii=False) for e in at.get("plotly_chart")
    ]
    return " ".join([*(str(p.value) for p in parts), *tables, *charts])


def test_every_tensor_lesson_opens_its_tab_with_its_proof_on_screen():
    for lesson in LESSONS:
        at = open_lesson(lesson.key)
        wanted = lesson.params["tns_tab"]
        shown = at.get_by_key("tns_tab").proto.tab_container.default_tab_index
        assert shown == list(TABS).index(wanted), lesson.key
        assert lesson.proof in text(at), lesson.key


def test_the_view_lesson_shows_the_error_of_step_3_and_its_fixes():
    at = open_lesson("tensor-views")
    assert tab(at) == "Build & transform"
    assert at.selectbox(key="tns_preset").value == "view needs contiguous memory"
    assert "Step 3 cannot run" in text(at)
    assert at.button(key="tns_fix_contiguous") and at.button(key="tns_fix_reshape")
    assert "tns_preset" not in at.query_params  # applied once; the link now carries the steps


def test_the_numpy_lesson_runs_the_cpu_fix():
    at = open_lesson("numpy-bridge-gpu")
    assert tab(at) == "NumPy bridge"
    assert "array([11.0, 22.0, 33.0], dtype=float32)" in text(at)
    said = "Raised for real" if torch.cuda.is_available() else "shown because this server has none"
    assert said in text(at)


def test_the_regression_lesson_shows_both_sides_agreeing():
    at = open_lesson("numpy-vs-autograd-regression")
    assert tab(at) == "Linear regression: NumPy vs autograd"
    assert any("agree at every one of the 10 steps" in s.value for s in at.success)
    at.button(key="tns_reg_step").click().run()
    assert any("agree at every one of the 11 steps" in s.value for s in at.success)


def test_a_second_lesson_link_reapplies_its_setup_on_the_same_page():
    at = open_lesson("tensor-views")
    at.button(key="tns_fix_contiguous").click().run()  # the student moves on: no error now
    assert "Step 3 cannot run" not in text(at)
    follow(at, "tensor-inplace")
    assert tab(at) == "Build & transform"
    assert any("same storage" in i.value for i in at.info)
    follow(at, "numpy-bridge-gpu")
    assert tab(at) == "NumPy bridge"
    follow(at, "tensor-views")  # back to the first lesson: its error is set up again
    assert tab(at) == "Build & transform" and "Step 3 cannot run" in text(at)


@pytest.mark.parametrize("key", ["tensor-inplace", "tensor-dtypes-item", "tensor-slicing"])
def test_a_preset_lesson_loads_its_preset(key):
    at = open_lesson(key)
    assert at.selectbox(key="tns_preset").value == BY_KEY[key].params["tns_preset"]


def test_the_regression_lesson_sets_the_notes_data_up_again():
    at = open_lesson("numpy-vs-autograd-regression")
    at.checkbox(key="tns_reg_notes").check().run()
    at.number_input(key="tns_reg_lr").set_value(0.05).run()
    assert not at.success
    follow(at, "table-as-tensor")
    assert tab(at) == "Table as tensor"
    follow(at, "numpy-vs-autograd-regression")
    assert tab(at) == "Linear regression: NumPy vs autograd"
    assert at.checkbox(key="tns_reg_notes").value is False
    assert at.number_input(key="tns_reg_lr").value == 0.01
    assert any("agree at every one of the 10 steps" in s.value for s in at.success)
