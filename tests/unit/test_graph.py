"""core.graph against torch itself: the walk, the recorded backward, the drawing, the checks."""

import re

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torchviz import make_dot

from core.expressions import ExpressionError, run_program
from core.graph import (
    ACTIVE,
    DONE,
    backward_order,
    collapse,
    finite_difference_check,
    format_tensor,
    legend_dot,
    record_backward,
    rule_for,
    to_dot,
    trace,
)
from core.graph.module_code import module_code
from core.graph.module_view import collapse_module_graph
from core.graph.modules import ModuleGraphConfig, check_module_gradients, run_module_graph
from core.graph.presets import PRESETS
from core.signs.models import SignsCNN


def _grad_fns(tensor):
    """Every backward node reachable from tensor.grad_fn, found by torch's own links."""
    seen, stack = {}, [tensor.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen:
            continue
        seen[id(fn)] = fn
        stack.extend(child for child, _ in fn.next_functions)
    return list(seen.values())


def _program_graph(source, **kwargs):
    program = run_program(source)
    root = program.default_root()
    return program, trace(root, program.named_tensors(), program.backward_for(root), **kwargs)


def test_y_equals_x_plus_2_graph():
    x = torch.ones(5, requires_grad=True)
    y = x + 2
    graph = trace(y, {"x": x, "y": y})
    kinds = sorted((n.kind, n.title) for n in graph.nodes.values())
    assert kinds == sorted([("leaf", "x"), ("op", y.grad_fn.name()), ("output", "y")])
    assert graph.nodes[graph.root].data == format_tensor(y)
    assert len(graph.edges) == 2
    assert not graph.recorded and len(graph.steps) == 2  # predicted: AddBackward0, then x


@pytest.mark.parametrize("preset", [p for p in PRESETS if not p.fails], ids=lambda p: p.key)
def test_ops_and_leaves_match_torch_and_torchviz(preset):
    program, graph = _program_graph(preset.source)
    root = program.default_root()
    fns = _grad_fns(root)
    ops = sorted(fn.name() for fn in fns if not hasattr(fn, "variable"))
    leaves = sorted(id(fn.variable) for fn in fns if hasattr(fn, "variable"))
    assert sorted(n.title for n in graph.nodes.values() if n.kind == "op") == ops
    assert sorted(int(n.id[1:]) for n in graph.nodes.values() if n.kind == "leaf") == leaves
    # torchviz draws the same backward functions (AccumulateGrad aside)
    labels = re.findall(r"\[label=(\w+Backward\d*)", make_dot(root).source)
    assert sorted(labels) == ops
    # every leaf shows its real .grad
    for node in graph.nodes.values():
        if node.kind == "leaf":
            leaf = next(
                fn.variable for fn in fns if id(getattr(fn, "variable", None)) == int(node.id[1:])
            )
            assert node.grad == format_tensor(leaf.grad)


@pytest.mark.parametrize("preset", [p for p in PRESETS if not p.fails], ids=lambda p: p.key)
def test_predicted_backward_order_is_the_order_torch_ran(preset):
    program = run_program(preset.source)
    recorded = program.backward_passes[-1]
    assert [id(s.node) for s in recorded.steps] == [
        id(fn) for fn in backward_order(recorded.root.grad_fn)
    ]


def test_recorded_steps_carry_torchs_gradients():
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = torch.tensor([4.0, 5.0, 6.0], requires_grad=True)
    c = a * b
    d = c.sum()
    expected_a, expected_b = torch.autograd.grad(d, [a, b], retain_graph=True)
    recorded = record_backward(d)
    mul = next(step for step in recorded.steps if step.node.name() == "MulBackward0")
    torch.testing.assert_close(mul.grad_outputs[0], torch.ones(3))
    torch.testing.assert_close(mul.grad_inputs[0], expected_a)  # grad out × the other input
    torch.testing.assert_close(mul.grad_inputs[1], expected_b)
    torch.testing.assert_close(mul.saved["other"], b.detach())
    torch.testing.assert_close(a.grad, expected_a)
    assert recorded.steps[-1].node.name().endswith("AccumulateGrad")
    # hooks are gone afterwards: a second, retained pass records nothing new
    assert len(recorded.steps) == len(_grad_fns(d))


def test_named_intermediates_get_their_retained_gradient():
    program, graph = _program_graph(PRESETS[1].source)
    for name in ("b", "c"):
        node = next(n for n in graph.nodes.values() if n.title == name)
        assert node.kind == "tensor"
        assert node.grad == format_tensor(program.variables[name].grad)
        assert node.step_grad == format_tensor(program.variables[name].grad)


def test_constants_appear_through_saved_tensors():
    _, graph = _program_graph(next(p for p in PRESETS if p.key == "neuron").source)
    constants = [n.title for n in graph.nodes.values() if n.kind == "constant"]
    assert constants == ["x"]


def test_show_saved_adds_the_saved_tensors_torchviz_finds():
    a = torch.rand(3, requires_grad=True)
    b = torch.rand(3, requires_grad=True)
    c = (a * b).exp().sum()
    graph = trace(c, {"a": a, "b": b}, show_saved=True)
    saved_edges = [e for e in graph.edges if e[2] == "saved"]
    torchviz = make_dot(c, show_saved=True).source
    assert len(saved_edges) == torchviz.count("dir=none")
    assert any(n.kind == "saved" and n.title == "result" for n in graph.nodes.values())


def test_saved_values_after_backward_come_from_the_recording():
    program, graph = _program_graph(PRESETS[1].source, show_saved=True)
    saved = [n for n in graph.nodes.values() if n.kind == "saved"]
    assert saved and all("freed" not in n.data for n in saved)


def test_node_cap_cuts_the_graph_and_counts_the_rest():
    x = torch.ones(2, requires_grad=True)
    y = x
    for _ in range(300):
        y = y * 1.001
    graph = trace(y, {"x": x}, max_nodes=40)
    assert graph.truncated and graph.total_nodes == 300 + 2  # ops, the leaf, the output
    assert len([n for n in graph.nodes.values() if n.kind != "more"]) == 40
    assert graph.nodes["more"].title == f"… {graph.total_nodes - 40} more nodes"
    dot = to_dot(graph)
    assert dot.count("->") == len(graph.edges)


def test_untracked_tensor_is_a_single_node():
    graph = trace(torch.ones(3) * 2)
    assert list(graph.nodes) == [graph.root] and graph.edges == [] and not graph.steps


def test_to_dot_is_well_formed_and_escapes_record_characters():
    weird = torch.ones(2, requires_grad=True)
    out = (weird * 2).sum()
    graph = trace(out, {'a{b}|<c>"': weird})
    dot = to_dot(graph)
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert r"a\{b\}\|\<c\>\"" in dot
    ids = set(re.findall(r'^"([^"]+)" \[', dot, flags=re.M))
    assert ids == set(graph.nodes)
    for source, target in re.findall(r'^"([^"]+)" -> "([^"]+)"', dot, flags=re.M):
        assert source in ids and target in ids
    assert "rankdir=LR" in to_dot(graph, direction="LR")
    assert "data" not in to_dot(graph, show_values=False)
    with pytest.raises(ValueError):
        to_dot(graph, direction="diagonal")


def test_step_through_highlights_the_nodes_that_hold_their_gradient():
    _, graph = _program_graph(PRESETS[1].source)
    assert graph.recorded
    for step in range(len(graph.steps) + 1):
        dot = to_dot(graph, step=step)
        assert dot.count(ACTIVE) == 1
        done = [n for n in graph.nodes.values() if n.step is not None and n.step <= step]
        assert dot.count(DONE) + dot.count(ACTIVE) == len(done)
    first = to_dot(graph, step=0)
    leaf = next(n for n in graph.nodes.values() if n.kind == "leaf")
    assert "grad ?" in first and f"grad {leaf.grad}" not in first
    assert f"grad {leaf.grad}" in to_dot(graph, step=len(graph.steps))


def test_rules_and_legend():
    assert "other input" in rule_for("MulBackward0")
    assert "N" in rule_for("MeanBackward0")
    assert "vector-Jacobian" in rule_for("SomethingNewBackward7")
    legend = legend_dot(["leaf", "op"])
    assert legend.count("fillcolor") == 2


def test_format_tensor():
    assert format_tensor(torch.tensor(2.5)) == "2.5"
    assert format_tensor(torch.tensor([3.0, 3.0])) == "[3, 3]"
    assert format_tensor(None) == "None"
    big = torch.arange(100.0)
    text = format_tensor(big)
    assert f"{big.mean().item():.3g}" in text and "range [0, 99]" in text


def test_finite_differences_match_autograd_and_catch_a_wrong_gradient():
    x = torch.randn(5, dtype=torch.float64)
    checks = finite_difference_check(lambda v: (v["x"] ** 3).sum(), {"x": x})
    assert checks[0].ok and checks[0].checked == 5
    torch.testing.assert_close(torch.tensor(checks[0].numeric, dtype=torch.float64), 3 * x**2)

    class WrongSquare(torch.autograd.Function):
        @staticmethod
        def forward(ctx, value):
            ctx.save_for_backward(value)
            return value**2

        @staticmethod
        def backward(ctx, grad):
            (value,) = ctx.saved_tensors
            return grad * value  # should be 2 * value

    wrong = finite_difference_check(lambda v: WrongSquare.apply(v["x"]).sum(), {"x": x})
    assert not wrong[0].ok and wrong[0].max_abs_diff > 0.1


@pytest.mark.parametrize("model", ["linear", "mlp"])
@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_module_graphs_against_torch(model, loss):
    config = ModuleGraphConfig(model=model, loss=loss, layers=3, batch=3)
    result = run_module_graph(config)
    graph = trace(result.loss, result.names, result.backward)
    leaves = {n.title for n in graph.nodes.values() if n.kind == "leaf"}
    assert leaves == {name for name, _ in result.model.named_parameters()}
    # the same forward pass in plain torch gives the same loss and gradients
    params = {
        name: p.detach().clone().requires_grad_(True) for name, p in result.model.named_parameters()
    }
    prediction = torch.func.functional_call(result.model, params, (result.inputs,))
    expected = (
        F.cross_entropy(prediction, result.targets)
        if loss == "cross_entropy"
        else F.mse_loss(prediction, result.targets)
    )
    expected.backward()
    torch.testing.assert_close(result.loss.detach(), expected.detach())
    for name, p in result.model.named_parameters():
        torch.testing.assert_close(p.grad, params[name].grad)
    assert all(c.ok for c in check_module_gradients(result))
    assert "loss.backward()" in module_code(config)


def test_module_config_refuses_bad_values():
    with pytest.raises(ValueError, match="layers"):
        ModuleGraphConfig(layers=99)
    with pytest.raises(ValueError, match="2 classes"):
        ModuleGraphConfig(loss="cross_entropy", out_features=1)


def test_module_graph_collapses_to_one_box_per_layer():
    result = run_module_graph(ModuleGraphConfig(layers=4))
    whole = trace(result.loss, result.names, result.backward, max_nodes=10_000)
    collapsed = collapse(whole, result.groups(), max_nodes=20)
    layers = [n.title for n in collapsed.nodes.values() if n.kind == "module"]
    assert layers == [
        f"{name}: {'ReLU' if name.startswith('relu') else 'Linear'}"
        + ("" if name.startswith("relu") else f" {m.in_features}→{m.out_features}")
        for name, m in reversed(list(result.model.named_children()))
    ]
    # no parameter or backward function of a layer is left outside its box
    assert not any(n.kind in ("leaf", "tensor") for n in collapsed.nodes.values())
    assert {n.title for n in collapsed.nodes.values() if n.kind == "constant"} == {"x", "target"}
    # the layers form a chain from x to the loss
    ids = {n.title: n.id for n in collapsed.nodes.values()}
    assert (ids["fc1: Linear 3→4"], ids["relu1: ReLU"], "") in collapsed.edges
    assert not collapsed.truncated and not collapsed.steps
    assert "fc2: Linear 4→4" in to_dot(collapsed)


def test_big_module_graph_is_cut_with_a_count():
    result = run_module_graph(ModuleGraphConfig(layers=8))
    graph = trace(result.loss, result.names, result.backward, max_nodes=20)
    assert graph.truncated and "more" in graph.nodes


@pytest.fixture(scope="module")
def cnn_graph():
    return run_module_graph(ModuleGraphConfig(model="signs_cnn", loss="cross_entropy", batch=3))


def test_signs_cnn_graph_matches_torch(cnn_graph):
    result = cnn_graph
    assert type(result.model) is SignsCNN and result.model.training
    assert result.inputs.shape == (3, 3, 64, 64) and 0 <= result.inputs.min() <= 1
    assert result.targets.shape == (3,) and int(result.targets.max()) < 6
    graph = trace(result.loss, result.names, result.backward, max_nodes=10_000)
    assert not graph.truncated and graph.recorded
    # the backward functions and leaves are the ones torch's own grad_fn links reach
    fns = _grad_fns(result.loss)
    assert sorted(n.title for n in graph.nodes.values() if n.kind == "op") == sorted(
        fn.name() for fn in fns if not hasattr(fn, "variable")
    )
    leaves = {n.title for n in graph.nodes.values() if n.kind == "leaf"}
    assert leaves == {name for name, _ in result.model.named_parameters()}
    assert len(graph.steps) == len(fns) == len(result.backward.steps)
    ops = {n.title for n in graph.nodes.values() if n.kind == "op"}
    assert {
        "ConvolutionBackward0",
        "NativeBatchNormBackward0",
        "MaxPool2DWithIndicesBackward0",
        "NllLossBackward0",
    } <= ops
    # the pictures are drawn as the constant input of the first convolution
    assert [n.title for n in graph.nodes.values() if n.kind == "constant"] == ["x"]
    # every layer's output is a named node holding its retained gradient
    for name, _, _, output in result.layers:
        node = graph.nodes[f"t{id(output)}"]
        assert node.title == f"{name} out" and node.grad == format_tensor(output.grad)
    # the same forward pass (same dropout mask) in plain torch gives the same loss and grads
    params = {
        name: p.detach().clone().requires_grad_(True) for name, p in result.model.named_parameters()
    }
    model = SignsCNN()
    model.load_state_dict(result.model.state_dict())
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(result.config.seed)
        prediction = torch.func.functional_call(model, params, (result.inputs,))
    expected = F.cross_entropy(prediction, result.targets)
    expected.backward()
    torch.testing.assert_close(result.loss.detach(), expected.detach())
    for name, p in result.model.named_parameters():
        torch.testing.assert_close(p.grad, params[name].grad)
    assert "class SignsCNN" in module_code(result.config)


@pytest.mark.parametrize("cap", [59, 40, 21, 13, 10, 6])
def test_signs_cnn_graph_collapses_under_the_cap(cnn_graph, cap):
    result = cnn_graph
    whole = trace(result.loss, result.names, result.backward, max_nodes=10_000)
    assert whole.total_nodes > cap
    collapsed, unit = collapse_module_graph(result, whole, cap)
    assert len(collapsed.nodes) <= cap and not collapsed.truncated
    boxes = [n.title for n in collapsed.nodes.values() if n.kind == "module"]
    # every parameter, layer output and backward function of a layer is inside a box
    assert not any(n.kind in ("leaf", "tensor") for n in collapsed.nodes.values())
    assert {n.title for n in collapsed.nodes.values() if n.kind == "op"} <= {
        "NllLossBackward0",
        "LogSoftmaxBackward0",
    }
    if unit == "layer":  # the finest grouping that fits: one box per layer
        assert len(boxes) == len(result.layers)
        assert "features.0.0: Conv2d 3→32, 3×3" in boxes
    elif len(boxes) > 2:  # one box per conv block, the classifier's layers one by one
        assert "features.0: Conv2d 3→32, 3×3 → BatchNorm2d 32 → MaxPool2d 2 → ReLU" in boxes
        assert "classifier.1: Linear 8192→128" in boxes
    else:
        assert [b.split(":")[0] for b in boxes] == ["classifier", "features"]
    # the boxes form one chain from the pictures to the loss
    ids = {n.id: n.title for n in collapsed.nodes.values()}
    steps, node = 0, next(i for i, t in ids.items() if t == "x")
    while node != collapsed.root:
        node = next(t for s, t, _ in collapsed.edges if s == node)
        steps += 1
    assert steps == len(collapsed.nodes) - 1
    assert to_dot(collapsed).count("->") == len(collapsed.edges)


def test_signs_cnn_graph_coarsest_grouping_and_bad_batch(cnn_graph):
    whole = trace(cnn_graph.loss, cnn_graph.names, cnn_graph.backward, max_nodes=10_000)
    assert collapse_module_graph(cnn_graph, whole, 5) is None  # x, 2 blocks, 2 loss ops, loss
    with pytest.raises(ValueError, match="2 pictures"):
        ModuleGraphConfig(model="signs_cnn", batch=1)


def test_signs_cnn_gradient_check_with_dropout_and_batch_norm(cnn_graph):
    checks = check_module_gradients(cnn_graph, max_elements=1)
    assert {c.name for c in checks} == {n for n, _ in cnn_graph.model.named_parameters()}
    assert any(c.checked for c in checks) and all(c.ok for c in checks if c.checked)


# Random arithmetic programs: the graph and its gradients always agree with torch.
OPS = ["+", "-", "*"]
FUNCS = ["torch.sin", "torch.tanh", "torch.sigmoid", "torch.exp"]


@st.composite
def arithmetic_programs(draw):
    lines = ["a = torch.rand(3, requires_grad=True)", "b = torch.rand(3, requires_grad=True)"]
    names = ["a", "b"]
    for index in range(draw(st.integers(1, 6))):
        left, right = draw(st.sampled_from(names)), draw(st.sampled_from(names))
        op = draw(st.sampled_from(OPS))
        func = draw(st.sampled_from(FUNCS))
        name = f"v{index}"
        lines.append(f"{name} = {func}({left} {op} {right})")
        names.append(name)
    lines += [f"out = {names[-1]}.sum()", "out.backward()"]
    return "\n".join(lines)


@settings(max_examples=40, deadline=None)
@given(source=arithmetic_programs())
def test_random_programs_graphs_and_gradients_match_torch(source):
    try:
        program = run_program(source)
    except ExpressionError:  # e.g. backward from a tensor that does not depend on a or b
        return
    root = program.variables["out"]
    graph = trace(root, program.named_tensors(), program.backward_for(root), show_saved=True)
    assert sum(n.kind == "op" for n in graph.nodes.values()) == sum(
        not hasattr(fn, "variable") for fn in _grad_fns(root)
    )
    assert to_dot(graph, step=1)
    # Central differences of a sum near 1e10 (exp of exp, say) lose every digit of a small
    # element's slope to rounding: such outputs test float64, not autograd.
    assume(abs(root.item()) < 1e6)
    checks = finite_difference_check(
        lambda v: (
            run_program(
                source,
                float64=True,
                stop_at_first_backward=True,
                leaf_values={("a", 1): v["a"], ("b", 2): v["b"]},
                retain_grads=False,
            ).first_backward_root
        ),
        {"a": program.variables["a"].detach(), "b": program.variables["b"].detach()},
    )
    for check in checks:
        leaf = program.variables[check.name]
        grad = leaf.grad if leaf.grad is not None else torch.zeros_like(leaf)
        # float64 autograd against the page's float32 gradient: up to six nested exp/sigmoid
        # steps amplify float32 rounding past 1e-4 (a saved example reached 1.44e-4), so 1e-3.
        torch.testing.assert_close(
            torch.tensor(check.autograd, dtype=torch.float64),
            grad.double().reshape(-1),
            rtol=1e-3,
            atol=1e-5,
        )
        assert check.ok


# ---- what the browser can lay out ---------------------------------------------------------------


def _loss_graph(source: str, cap: int):
    program = run_program(source)
    return lambda nodes=cap: trace(
        program.variables["loss"], program.named_tensors(), max_nodes=nodes
    )


def test_layout_weight_counts_nodes_and_the_ranks_long_edges_cross():
    from core.graph import layout_weight

    chain = _loss_graph("x = torch.ones(3, requires_grad=True)\ny = x * 2\nloss = y.sum()", 50)()
    assert layout_weight(chain) == len(chain.nodes)  # every edge joins neighbouring ranks
    # x feeds the first and the last line: that edge jumps over the ranks in between.
    lines = ["x = torch.ones(3, requires_grad=True)", "y = x * 2"]
    lines += ["y = y * 2"] * 10 + ["loss = (y + x).sum()"]
    jump = _loss_graph("\n".join(lines), 100)()
    assert layout_weight(jump) > len(jump.nodes) + 5


def test_a_tangled_program_is_cut_to_the_layout_budget_and_a_long_chain_is_not():
    from bench.graph_layout import mesh_program, tangle_program
    from core.graph import LAYOUT_BUDGET, fit_layout, layout_weight

    mesh = _loss_graph(mesh_program(130), 400)
    graph, cut = fit_layout(mesh, 400)
    assert not cut and not graph.truncated and len(graph.nodes) > 300  # a long mesh is fine
    tangle = _loss_graph(tangle_program(130), 400)
    assert layout_weight(tangle()) > 10 * LAYOUT_BUDGET  # took Chromium minutes (bench)
    graph, cut = fit_layout(tangle, 400)
    assert cut and graph.truncated and layout_weight(graph) <= LAYOUT_BUDGET
    assert layout_weight(tangle(graph.max_nodes + 1)) > LAYOUT_BUDGET  # the largest that fits
