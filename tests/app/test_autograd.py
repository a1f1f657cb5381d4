"""AppTest for the autograd page: presets draw graphs, the step-through highlights, errors are
sentences and the page keeps working, the tables and the nn.Module graphs render."""

import pytest

from core.expressions import run_program
from core.graph import ACTIVE, DONE
from core.graph.presets import PRESETS, PRESETS_BY_KEY

PAGE = "app_pages/autograd.py"


def _graph(at) -> str:
    """The DOT of the main graph (the legend is drawn after it)."""
    charts = at.get("graphviz_chart")
    assert charts, "no graph drawn"
    return charts[0].proto.spec


@pytest.fixture(scope="module")
def page():
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP

    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(PAGE).run()
    return at


def test_page_opens_on_the_seed_example(page):
    at = page
    assert not at.exception
    assert "MeanBackward0" in _graph(at)
    assert at.text_area(key="ag_source").value == PRESETS_BY_KEY["mean"].source


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.key)
def test_each_preset_is_one_click_and_draws_a_graph(page, preset):
    at = page
    at.button(key=f"ag_preset_{preset.key}").click().run()
    assert not at.exception
    assert at.text_area(key="ag_source").value == preset.source
    dot = _graph(at)
    assert dot.startswith("digraph")
    if preset.fails:
        assert at.error, "a failing preset shows its sentence"
        assert any("PyTorch" in c.value for c in at.caption)
    else:
        assert not at.error
        program = run_program(preset.source)
        root = program.default_root()
        assert root.grad_fn.name() in dot
    assert any(preset.idea == i.value for i in at.info)


def test_step_through_highlights_nodes_and_explains_the_rule(page):
    at = page
    at.button(key="ag_preset_mean").click().run()
    slider = at.slider(key="ag_step")
    assert slider.value == slider.max  # starts at the end: every gradient in place
    at.slider(key="ag_step").set_value(0).run()
    assert _graph(at).count(ACTIVE) == 1 and DONE not in _graph(at)
    assert any("Step 0" in m.value for m in at.markdown)
    at.slider(key="ag_step").set_value(3).run()
    dot = _graph(at)
    assert dot.count(ACTIVE) == 1 and dot.count(DONE) >= 2 and "grad ?" in dot
    explanation = " ".join(m.value for m in at.markdown)
    assert "Step 3" in explanation and "MulBackward0" in explanation
    assert "other input" in explanation
    assert any("gradient arriving" in c.value for c in at.code)


def test_bad_program_shows_a_sentence_and_the_page_keeps_working(page):
    at = page
    at.text_area(key="ag_source").input("x = ().__class__.__bases__").run()
    assert not at.exception
    assert at.error and "underscore" in at.error[0].value
    assert "Line 1" in at.error[0].value
    assert any("^" in c.value and "__class__" in c.value for c in at.code)  # the line, marked
    at.text_area(key="ag_source").input("x = torch.ones(10 ** 9)").run()
    assert not at.exception and "elements" in at.error[0].value
    at.button(key="ag_preset_add").click().run()
    assert not at.exception and not at.error
    assert "AddBackward0" in _graph(at)


def test_tables_gradient_check_and_code(page):
    at = page
    at.button(key="ag_preset_mlp").click().run()
    # the graph's nodes as a table (its text alternative), then the variables
    nodes, table = (d.value for d in at.dataframe[:2])
    assert {"node", "kind", "shape", "data", "grad"} <= set(nodes.columns)
    assert "MseLossBackward0" in set(nodes["node"])
    assert "the output backward() starts from" in set(nodes["kind"])
    assert list(table["name"]) == ["x", "target", "W1", "b1", "W2", "b2", "h", "pred", "loss"]
    assert {"value", "grad", "requires_grad", "is_leaf", "grad_fn"} <= set(table.columns)
    assert table.set_index("name").loc["loss", "grad_fn"] == "MseLossBackward0"
    at.button(key="ag_check").click().run()
    checks = at.dataframe[2].value
    assert list(checks["leaf"]) == ["W1", "b1", "W2", "b2"]
    assert set(checks["result"]) == {"✓"}
    code = " ".join(c.value for c in at.code)
    assert "import torch" in code and "F.mse_loss(pred, target)" in code


def test_options_change_the_picture(page):
    at = page
    at.button(key="ag_preset_neuron").click().run()
    at.toggle(key="ag_values").set_value(False).run()
    assert "data " not in _graph(at)
    at.toggle(key="ag_values").set_value(True).run()
    at.radio(key="ag_direction").set_value("left to right").run()
    assert "rankdir=LR" in _graph(at)
    at.toggle(key="ag_saved").set_value(True).run()
    assert "style=dashed" in _graph(at)
    at.button(key="ag_preset_mlp").click().run()
    at.number_input(key="ag_cap").set_value(10).run()
    assert not at.exception
    assert at.warning and "nodes" in at.warning[0].value


def test_module_graphs(page):
    at = page
    at.radio(key="ag_mode").set_value("An nn.Module").run()
    at.number_input(key="ag_cap").set_value(150).run()
    assert not at.exception
    dot = _graph(at)
    assert "AddmmBackward0" in dot and "fc1.weight" in dot and "fc2.bias" in dot
    at.selectbox(key="ag_module").set_value("linear").run()
    assert "fc2" not in _graph(at)
    at.selectbox(key="ag_module_loss").set_value("cross_entropy").run()
    assert "NllLossBackward0" in _graph(at)
    assert not at.exception
    at.selectbox(key="ag_module").set_value("mlp").run()
    at.slider(key="ag_module_layers").set_value(5).run()
    at.number_input(key="ag_cap").set_value(20).run()
    assert not at.exception
    assert at.info and "one purple box" in at.info[0].value
    assert "fc5: Linear 4→2" in _graph(at)
    at.number_input(key="ag_cap").set_value(150).run()
    at.radio(key="ag_mode").set_value("Your own lines").run()
    assert not at.exception


def test_signs_cnn_module_graph(page):
    at = page
    at.radio(key="ag_mode").set_value("An nn.Module").run()
    at.number_input(key="ag_cap").set_value(150).run()
    at.selectbox(key="ag_module_loss").set_value("mse").run()  # kept from an earlier test
    at.selectbox(key="ag_module").set_value("signs_cnn").run()
    assert not at.exception and not at.error
    # by default one box per layer: the whole graph is too big to read
    assert at.info and "too many to read at once" in at.info[0].value
    assert "each layer is drawn as one purple box" in at.info[0].value
    dot = _graph(at)
    assert "features.0.0: Conv2d 3→32, 3×3" in dot and "classifier.5: Linear 128→6" in dot
    assert "(4, 3, 64, 64)" in dot and "ConvolutionBackward0" not in dot
    at.toggle(key="ag_module_full").set_value(True).run()
    dot = _graph(at)  # the whole graph fits under the cap: every backward function
    assert "ConvolutionBackward0" in dot and "features.0.0.weight" in dot
    assert "classifier.5.bias" in dot and not at.info
    assert at.slider(key="ag_step").value == at.slider(key="ag_step").max
    at.number_input(key="ag_cap").set_value(30).run()
    assert at.info and "more than the cap of 30" in at.info[0].value
    assert "each layer is drawn as one purple box" in at.info[0].value
    assert "features.0.1: BatchNorm2d 32" in _graph(at)
    at.number_input(key="ag_cap").set_value(15).run()
    assert "each block of layers" in at.info[0].value
    dot = _graph(at)
    assert "features.2: Conv2d 64→128, 3×3 → BatchNorm2d 128" in dot
    assert "ConvolutionBackward0" not in dot
    at.button(key="ag_module_check").click().run()
    assert not at.exception
    checks = next(d.value for d in at.dataframe if "result" in d.value.columns)  # after the nodes
    assert "✓" in checks["result"].tolist()
    at.slider(key="ag_module_batch").set_value(1).run()
    assert at.error and "2 pictures" in at.error[0].value
    at.slider(key="ag_module_batch").set_value(4).run()
    at.toggle(key="ag_module_full").set_value(False).run()
    at.selectbox(key="ag_module").set_value("mlp").run()
    at.number_input(key="ag_cap").set_value(150).run()
    at.radio(key="ag_mode").set_value("Your own lines").run()
    assert not at.exception


def _open_with(params: dict):
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(params)
    at.run()
    at.switch_page(PAGE).run()
    return at


def test_link_reopens_the_same_program_and_settings():
    source = "w = torch.ones(2, requires_grad=True)\nloss = (w * 3).sum()\nloss.backward()\n"
    at = _open_with({"ag_source": source, "ag_direction": "left to right", "ag_values": "false"})
    assert not at.exception
    assert at.text_area(key="ag_source").value == source
    dot = _graph(at)
    assert "rankdir=LR" in dot and "data " not in dot and "SumBackward0" in dot
    link = at.sidebar.code[0].value
    assert "ag_source=w+%3D+torch.ones" in link and "ag_direction=left+to+right" in link


def test_hostile_link_settings_are_refused_with_sentences():
    at = _open_with(
        {
            "ag_source": "import os\nos.system('ls')",
            "ag_module_layers": "999",
            "ag_mode": "shell",
            "ag_cap": "lots",
        }
    )
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "ag_module_layers" in warnings and "ag_mode" in warnings and "ag_cap" in warnings
    assert at.error and "Imports are not part of this language" in at.error[0].value


def test_a_look_alike_letter_and_an_overflow_get_sentences(page):
    at = page
    at.text_area(key="ag_source").input("y = t\u043erch.ones(3)").run()  # Cyrillic о
    assert not at.exception and "`t\u043erch` is not a name" in at.error[0].value
    assert "CYRILLIC SMALL LETTER O" in at.error[0].value
    at.text_area(key="ag_source").input("y = torch.tensor([1e308]) * 10").run()
    assert not at.exception and not at.error
    assert any("overflows" in w.value and "3.4e+38" in w.value for w in at.warning)
    at.button(key="ag_preset_add").click().run()
    assert not any("overflows" in w.value for w in at.warning)


def test_a_tangled_graph_is_cut_to_what_the_browser_lays_out(page):
    from bench.graph_layout import tangle_program

    at = page
    at.number_input(key="ag_cap").set_value(400).run()
    at.text_area(key="ag_source").input(tangle_program(130)).run()
    assert not at.exception and not at.error
    warning = " ".join(w.value for w in at.warning)
    assert "more than your browser can lay out in about a second" in warning
    nodes = _graph(at).count("label=")
    assert 20 < nodes < 250, nodes  # the cap of 400 would draw them all
    at.number_input(key="ag_cap").set_value(150).run()
    at.button(key="ag_preset_add").click().run()
    assert not any("lay out" in w.value for w in at.warning)
