"""The autograd page's lessons (issue 11 ideas 2, 3, 5, 6, 8) and its fixes, through AppTest:
each lesson link opens the page with its idea on screen, a second lesson link on the same page
sets it up again, and every graph box shows one moment of the program."""

import pytest

from core.graph.presets import PRESETS_BY_KEY
from tests.app.test_share_links import open_with
from ui.lessons.autograd import LESSONS

PAGE = "app_pages/autograd.py"
BY_KEY = {lesson.key: lesson for lesson in LESSONS}


def _graph(at) -> str:
    return at.get("graphviz_chart")[0].proto.spec


def _on_screen(at) -> str:
    """Every text the page shows (errors, code blocks, infos, captions, markdown, the graph)."""
    parts = [e.value for e in at.error] + [c.value for c in at.code] + [i.value for i in at.info]
    parts += [c.value for c in at.caption] + [m.value for m in at.markdown]
    parts += [chart.proto.spec for chart in at.get("graphviz_chart")]
    return "\n".join(parts)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.key)
def test_each_lesson_link_opens_the_page_with_its_idea_on_screen(lesson):
    at = open_with(PAGE, lesson.query)
    assert at.text_area(key="ag_source").value == lesson.params["ag_source"]
    assert lesson.proof in _on_screen(at)
    preset = next(p for p in PRESETS_BY_KEY.values() if p.source == lesson.params["ag_source"])
    assert any(info.value == preset.idea for info in at.info)  # the preset's idea, as on a click


def test_requires_grad_lesson_shows_the_error_and_torchs_message():
    at = open_with(PAGE, BY_KEY["requires-grad"].query)
    assert "not tracking" in at.error[0].value
    assert any("element 0 of tensors does not require grad" in c.value for c in at.code)


def test_stop_tracking_lesson_shows_the_three_ways_side_by_side():
    at = open_with(PAGE, BY_KEY["stop-tracking"].query)
    assert not at.error
    output = next(c.value for c in at.code if ">>> print('tracked (b):'" in c.value)
    for line in (
        "no_grad() (d): False None",
        "detach() (c): False None",
        "requires_grad_(False) (e): False None",
        "x.grad: tensor([2., 2., 2.])",
    ):
        assert line in output
    table = at.dataframe[1].value.set_index("name")  # after the graph's nodes: the variables
    assert list(table.loc[["b", "d", "c", "e"], "requires_grad"]) == [True, False, False, False]
    assert list(table.loc[["b", "d", "c", "e"], "grad_fn"]) == [
        "MulBackward0",
        "None",
        "None",
        "None",
    ]


def test_grad_fn_lesson_answers_each_line_like_the_console():
    at = open_with(PAGE, BY_KEY["grad-fn"].query)
    output = next(c.value for c in at.code if ">>> y.grad_fn" in c.value)
    assert ">>> y.grad_fn\n<AddBackward0 object at " in output
    assert ">>> y.grad_fn.next_functions\n((<AccumulateGrad object at " in output
    assert ">>> x.grad_fn\nNone" in output and ">>> x.is_leaf\nTrue" in output
    assert ">>> x.grad\nNone" in output and ">>> x.grad\ntensor([1., 1., 1., 1., 1.])" in output


def test_accumulate_lesson_graph_shows_the_gradient_growing_3_then_6():
    at = open_with(PAGE, BY_KEY["accumulate-grad"].query)
    dot = _graph(at)
    assert "weights (4,) | data [1, 1, 1, 1] | grad [6, 6, 6, 6]" in dot  # was [0, 0, 0, 0]
    rows = next(c.value for c in at.code if "gradient arriving" in c.value)
    assert "grad before" in rows and "[3, 3, 3, 3]" in rows
    assert "grad after (before + arriving)  [6, 6, 6, 6]" in rows
    caption = next(c.value for c in at.caption if "Every box shows" in c.value)
    assert caption == (
        r"Every box shows its values right after out2\.backward\(\) on line 7\. Later lines "
        r"changed weights: the Variables tab shows the values at the end of the program\."
    )
    at.selectbox(key="ag_root").set_value("out1").run()
    assert "grad [3, 3, 3, 3]" in _graph(at)


def test_losses_lesson_shows_the_loss_and_its_gradient():
    at = open_with(PAGE, BY_KEY["autograd-losses"].query)
    output = next(c.value for c in at.code if ">>> print('loss:'" in c.value)
    assert "loss: tensor(0.3750, grad_fn=<MseLossBackward0>)" in output
    assert "grad: tensor([-0.2500,  0.2500,  0.0000,  0.5000])" in output
    assert "MseLossBackward0" in _graph(at)


def test_a_second_lesson_link_on_the_same_page_sets_its_lesson_up_again():
    at = open_with(PAGE, BY_KEY["grad-fn"].query)
    assert "AddBackward0" in _graph(at)
    at.text_area(key="ag_source").input("q = torch.ones(2, requires_grad=True)").run()
    at.toggle(key="ag_values").set_value(False).run()
    at.radio(key="ag_mode").set_value("An nn.Module").run()
    at.query_params.update(BY_KEY["accumulate-grad"].query)
    at.run()
    assert not at.exception
    assert at.radio(key="ag_mode").value == "Your own lines"
    assert at.text_area(key="ag_source").value == PRESETS_BY_KEY["accumulate"].source
    assert at.toggle(key="ag_values").value is True
    assert at.selectbox(key="ag_root").value == "out2"
    assert "grad [6, 6, 6, 6]" in _graph(at)
    at.query_params.update(BY_KEY["grad-fn"].query)
    at.run()
    assert at.selectbox(key="ag_root").value == "z" and "AddBackward0" in _graph(at)


# --- the fixes ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page():
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP

    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(PAGE).run()
    return at


def test_linear_regression_boxes_show_one_moment_and_say_which(page):
    at = page
    at.button(key="ag_preset_linreg").click().run()
    dot = _graph(at)
    # before the fix: w 0.3 with grad 0 beside y_hat [0, 0, 0, 0] and "gradient arriving -30"
    assert '"{w () | data 0 | grad -30}"' in dot
    assert "y_hat (4,) | data [0, 0, 0, 0]" in dot
    caption = next(c.value for c in at.caption if "Every box shows" in c.value)
    assert r"right after loss\.backward\(\) on line 6" in caption
    assert "Later lines changed w:" in caption and "Variables tab" in caption
    table = at.dataframe[1].value.set_index("name")
    assert table.loc["w", "value"] == "0.3" and table.loc["w", "grad"] == "0"  # the end


def test_a_leaf_that_requires_grad_is_not_called_untracked(page):
    at = page
    at.text_area(key="ag_source").input("x = torch.ones(3, requires_grad=True)").run()
    info = " ".join(i.value for i in at.info)
    assert "`x` is a leaf that requires grad: autograd tracks it" in info
    assert "not tracking" not in info
    at.text_area(key="ag_source").input("x = torch.ones(3)\ny = x * 2").run()
    assert "`y` has no grad_fn" in " ".join(i.value for i in at.info)
    assert "not tracking" in " ".join(i.value for i in at.info)


def test_the_cnn_graph_gives_the_true_reason_it_is_drawn_per_layer(page):
    at = page
    at.radio(key="ag_mode").set_value("An nn.Module").run()
    at.number_input(key="ag_cap").set_value(150).run()
    at.selectbox(key="ag_module_loss").set_value("mse").run()
    at.selectbox(key="ag_module").set_value("signs_cnn").run()
    captions = " ".join(c.value for c in at.caption)
    assert "switch on “Every backward function”" in captions
    assert "raise the node cap" not in captions  # the graph (~60 nodes) is under the cap of 150
    at.toggle(key="ag_module_full").set_value(True).run()
    at.number_input(key="ag_cap").set_value(30).run()
    assert "raise the node cap" in " ".join(c.value for c in at.caption)
    at.toggle(key="ag_module_full").set_value(False).run()
    at.number_input(key="ag_cap").set_value(150).run()
    at.selectbox(key="ag_module").set_value("mlp").run()
    at.radio(key="ag_mode").set_value("Your own lines").run()
    assert not at.exception


def test_the_program_survives_a_visit_to_the_module_graphs(page):
    at = page
    source = "k = torch.ones(2, requires_grad=True)\nm = (k * 5).sum()\nm.backward()\n"
    at.text_area(key="ag_source").input(source).run()
    at.radio(key="ag_mode").set_value("An nn.Module").run()
    at.radio(key="ag_mode").set_value("Your own lines").run()
    assert at.text_area(key="ag_source").value == source
    assert "grad [5, 5]" in _graph(at)
