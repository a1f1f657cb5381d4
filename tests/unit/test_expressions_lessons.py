"""What issue 11's autograd lessons need from the language, checked against torch itself:
looking at grad_fn / next_functions / is_leaf and print(), `requires_grad_(False)` typed
positionally, the three ways to stop tracking, the loss presets, and one moment per graph."""

import pytest
import torch
import torch.nn.functional as F

from core.expressions import ExpressionError, run_program
from core.graph import record_backward, trace
from core.graph.presets import PRESETS_BY_KEY


def _output(program) -> dict[str, str]:
    return {item.statement: item.text for item in program.output}


def test_grad_fn_next_functions_is_leaf_and_grad_read_as_torch_has_them():
    program = run_program(PRESETS_BY_KEY["add"].source)
    x = torch.ones(5, requires_grad=True)
    y = x + 2
    shown = _output(program)
    ours = program.variables["y"]
    assert shown["print(y)"] == str(ours) == str(y)
    assert shown["y.grad_fn"] == repr(ours.grad_fn)
    assert type(ours.grad_fn).__name__ == type(y.grad_fn).__name__ == "AddBackward0"
    assert shown["y.grad_fn.next_functions"] == repr(ours.grad_fn.next_functions)
    names = [type(fn).__name__ if fn is not None else None for fn, _ in y.grad_fn.next_functions]
    assert names == [
        type(fn).__name__ if fn is not None else None for fn, _ in ours.grad_fn.next_functions
    ]
    assert shown["x.grad_fn"] == repr(x.grad_fn) == "None"
    assert shown["x.is_leaf"] == repr(x.is_leaf) == "True"
    # x.grad is echoed twice: None before backward(), the gradient after it
    texts = [item.text for item in program.output if item.statement == "x.grad"]
    y.sum().backward()
    assert texts == ["None", repr(x.grad)]


def test_a_grad_fn_can_be_named_and_its_next_functions_read():
    program = run_program(
        "a = torch.tensor([1.0, 2.0], requires_grad=True)\nb = a * a\ng = b.grad_fn\n"
        "n = g.next_functions\nprint(g, n, b.requires_grad, b.shape, b.dtype)"
    )
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = a * a
    assert type(program.env["g"]) is type(b.grad_fn)
    assert len(program.env["n"]) == len(b.grad_fn.next_functions)
    text = program.output[0].text
    assert text.startswith("<MulBackward0 object at ")
    assert text.endswith(f"{b.requires_grad} {b.shape} {b.dtype}")


def test_print_shows_texts_and_values_and_nothing_else_runs():
    program = run_program("x = torch.tensor([1.5, 2.0])\nprint('x is', x, 3, None)")
    assert program.output[0].text == " ".join(map(str, ["x is", torch.tensor([1.5, 2.0]), 3, None]))
    assert program.output[0].line == 2


def test_in_place_methods_and_backward_show_nothing_like_the_console():
    program = run_program(
        "x = torch.ones(2, requires_grad=True)\ny = (x * 2).sum()\ny.backward()\nx.grad.zero_()\n"
        "y.sum()"
    )
    assert [item.statement for item in program.output] == ["y.sum()"]


def test_a_long_output_is_cut():
    program = run_program("x = torch.ones(100000)\nprint(x, x, x, x, x, x, x, x, x, x, x, x)")
    assert len(program.output[0].text) <= 2_000


@pytest.mark.parametrize(
    "source",
    [
        "x = torch.ones(2, requires_grad=True)\nz = x.grad_fn.next_functions",
        "x = torch.ones(2)\nz = x.grad_fn.next_functions",
    ],
)
def test_next_functions_of_a_leaf_is_a_sentence(source):
    with pytest.raises(ExpressionError, match="no grad_fn"):
        run_program(source)


def test_requires_grad_false_can_be_typed_positionally():
    program = run_program(
        "w = torch.ones(3, requires_grad=True)\nw.requires_grad_(False)\ne = w * 2\n"
        "v = torch.ones(2)\nv.requires_grad_(True)\nu = torch.ones(2)\nu.requires_grad_()"
    )
    w = torch.ones(3, requires_grad=True)
    w.requires_grad_(False)
    e = w * 2
    assert program.variables["w"].requires_grad is w.requires_grad is False
    assert program.variables["e"].grad_fn is None and e.grad_fn is None
    assert program.variables["v"].requires_grad is torch.ones(2).requires_grad_(True).requires_grad
    assert program.variables["u"].requires_grad is True


def test_requires_grad_false_on_a_non_leaf_is_torchs_refusal_as_a_sentence():
    with pytest.raises(ExpressionError) as caught:
        run_program("x = torch.ones(2, requires_grad=True)\ny = x * 2\ny.requires_grad_(False)")
    x = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError) as torch_says:
        (x * 2).requires_grad_(False)
    assert caught.value.torch_message == str(torch_says.value).splitlines()[0]


def test_the_three_ways_to_stop_tracking_side_by_side():
    program = run_program(PRESETS_BY_KEY["cut"].source)
    x = torch.ones(3, requires_grad=True)
    b = x * 2
    with torch.no_grad():
        d = x * 2
    c = x.detach() * 2
    w = torch.ones(3, requires_grad=True)
    w.requires_grad_(False)
    e = w * 2
    (b + c + d + e).sum().backward()
    ours = program.variables
    for name, theirs in {"b": b, "d": d, "c": c, "e": e}.items():
        assert ours[name].requires_grad is theirs.requires_grad
        assert (ours[name].grad_fn is None) is (theirs.grad_fn is None)
    torch.testing.assert_close(ours["x"].grad, x.grad)
    assert ours["w"].grad is None and not ours["w"].requires_grad
    shown = [item.text for item in program.output]
    assert shown[1:4] == ["no_grad() (d): False None", "detach() (c): False None",
                          "requires_grad_(False) (e): False None"]  # fmt: skip
    assert "requires_grad_(False)" in program.source  # the third way, typed as a student would


@pytest.mark.parametrize(
    "key, loss, inputs, targets",
    [
        ("mse", F.mse_loss, "pred", "target"),
        ("l1", F.l1_loss, "pred", "target"),
        ("softmax", F.cross_entropy, "logits", "labels"),
        ("bce", F.binary_cross_entropy_with_logits, "logits", "labels"),
    ],
)
def test_each_loss_preset_shows_the_loss_and_the_gradient_torch_computes(
    key, loss, inputs, targets
):
    program = run_program(PRESETS_BY_KEY[key].source)
    leaf = program.variables[inputs].detach().clone().requires_grad_(True)
    expected = loss(leaf, program.variables[targets])
    expected.backward()
    torch.testing.assert_close(program.variables["loss"].detach(), expected.detach())
    torch.testing.assert_close(program.variables[inputs].grad, leaf.grad)
    shown = [item.text for item in program.output]
    assert shown[0] == "loss: " + str(program.variables["loss"])
    assert shown[1] == "grad: " + str(program.variables[inputs].grad)


def test_bce_on_sigmoid_gives_the_same_loss_as_with_logits():
    program = run_program(PRESETS_BY_KEY["bce"].source)
    torch.testing.assert_close(program.variables["same"], program.variables["loss"])


# --- one moment per graph -----------------------------------------------------------------------


def _boxes(source: str, root: str | None = None):
    program = run_program(source)
    tensor = program.variables[root] if root else program.default_root()
    moment = program.moment_for(tensor)
    graph = trace(tensor, program.named_tensors(), program.backward_for(tensor), moment=moment)
    return program, graph, {node.title: node for node in graph.nodes.values()}


def test_linear_regression_boxes_show_the_moment_of_backward_not_after_the_update():
    program, graph, boxes = _boxes(PRESETS_BY_KEY["linreg"].source)
    # torch: the values right after loss.backward(), before the update and zero_()
    x = torch.tensor([1.0, 2.0, 3.0, 4.0])
    y = torch.tensor([2.0, 4.0, 6.0, 8.0])
    w = torch.tensor(0.0, requires_grad=True)
    y_hat = w * x
    ((y_hat - y) ** 2).mean().backward()
    assert boxes["w"].data == f"{w.item():.3g}" and boxes["w"].grad == f"{w.grad.item():.3g}"
    assert boxes["y_hat"].data == "[" + ", ".join(f"{v:.3g}" for v in y_hat.tolist()) + "]"
    arriving = dict(graph.steps[-1].lines())["gradient arriving"]
    assert arriving == boxes["w"].grad  # the step's numbers and the boxes agree
    assert "loss.backward()" in graph.moment and "line 6" in graph.moment
    assert program.changed_since(program.moment_for(program.default_root())) == ["w"]
    assert program.variables["w"].item() != w.item()  # the end of the program is later


def test_accumulate_graph_shows_the_gradient_growing_3_then_6():
    source = PRESETS_BY_KEY["accumulate"].source
    program, graph, boxes = _boxes(source)
    weights = torch.ones(4, requires_grad=True)
    (weights * 3).sum().backward()
    first = weights.grad.clone()
    (weights * 3).sum().backward()
    assert boxes["weights"].grad == f"[{', '.join(f'{v:.3g}' for v in weights.grad.tolist())}]"
    rows = dict(graph.steps[-1].lines())
    assert rows["grad before"] == f"[{', '.join(f'{v:.3g}' for v in first.tolist())}]"
    assert rows["grad after (before + arriving)"] == boxes["weights"].grad
    _, first_graph, first_boxes = _boxes(source, "out1")
    assert first_boxes["weights"].grad == rows["grad before"]
    assert dict(first_graph.steps[-1].lines())["grad before"] == "None (nothing yet)"


def test_a_graph_without_backward_shows_the_moment_its_tensor_was_made():
    source = (
        "w = torch.tensor(1.0, requires_grad=True)\ny = w * 3\nwith torch.no_grad():\n    w += 1\n"
    )
    program, graph, boxes = _boxes(source, "y")
    assert boxes["w"].data == "1" and boxes["y"].data == "3"
    assert "line 2" in graph.moment
    assert program.changed_since(program.moment_for(program.variables["y"])) == ["w"]


def test_an_unnamed_leaf_keeps_the_grad_of_its_moment():
    source = (
        "y = torch.ones(2, requires_grad=True) * 2\nl1 = y.sum()\nl1.backward(retain_graph=True)\n"
        "l2 = (y * 3).sum()\nl2.backward()"
    )
    _, _, boxes = _boxes(source, "l1")
    leaf = torch.ones(2, requires_grad=True)
    (leaf * 2).sum().backward()
    unnamed = next(node for node in boxes.values() if node.kind == "leaf")
    assert unnamed.grad == f"[{', '.join(f'{v:.3g}' for v in leaf.grad.tolist())}]"


def test_record_backward_keeps_a_leafs_grad_before_and_after_as_torch_accumulates():
    w = torch.ones(3, requires_grad=True)
    (w * 2).sum().backward()
    before = w.grad.clone()
    recorded = record_backward((w * 5).sum())
    step = next(s for s in recorded.steps if hasattr(s.node, "variable"))
    torch.testing.assert_close(step.leaf_grad_before, before)
    torch.testing.assert_close(step.leaf_grad_after, w.grad)
    assert all(s.leaf_grad_before == "not a leaf" for s in recorded.steps if s is not step)


def test_the_exported_code_prints_what_the_page_shows():
    """`Show code` of each preset with output, run as a plain Python script, prints the page's
    Output first (object addresses aside)."""
    import re
    import subprocess
    import sys

    from core.expressions import to_pytorch_code
    from core.graph.presets import PRESETS

    shown = [p for p in PRESETS if not p.fails and run_program(p.source).output]
    assert {"add", "accumulate", "cut", "softmax", "mse", "l1", "bce"} <= {p.key for p in shown}
    script = "\n".join(f"print('=== {p.key}')\n" + to_pytorch_code(p.source) for p in shown)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True
    )
    blocks = dict(
        (block.split("\n", 1)[0], block.split("\n", 1)[1])
        for block in result.stdout.split("=== ")[1:]
    )
    address = re.compile(r"0x[0-9a-f]+")
    for preset in shown:
        page = "\n".join(item.text for item in run_program(preset.source).output)
        printed = blocks[preset.key]
        assert address.sub("0x…", printed).startswith(address.sub("0x…", page)), preset.key


def test_a_graph_of_a_leaf_says_whether_autograd_tracks_it():
    tracked = torch.ones(2, requires_grad=True)
    plain = torch.ones(2)
    assert tracked.grad_fn is None and tracked.requires_grad  # torch: tracked, made by nothing
    assert trace(tracked, {"x": tracked}).tracked_leaf is True
    assert trace(plain, {"x": plain}).tracked_leaf is False
    assert trace(plain * 2).tracked_leaf is False
