"""core.tensors against torch itself: building, every step, broadcasting, parsing, guards."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core.tensors import (
    MAX_ELEMENTS,
    PRESETS,
    SHOWS_AN_ERROR,
    InspectorError,
    Step,
    TensorSpec,
    apply_step,
    as_image,
    broadcast_report,
    build_tensor,
    describe,
    downsample_2d,
    format_index,
    parse_index,
    parse_values,
    pipeline_code,
    run_pipeline,
    shares_storage,
)


def test_parse_values_matches_python_lists():
    assert parse_values("[[1, 2], [3, -4.5]]") == [[1, 2], [3, -4.5]]
    assert parse_values("[True, False]") == [True, False]
    assert parse_values("7") == 7


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('ls')",
        "[1, 2] + [3]",
        "[[1, 2], [3]]",
        "[1, [2]]",
        "'abc'",
        "[x for x in range(3)]",
        "lambda: 1",
        "[1, 2",
        "[[[[[1]]]]]",
        "2 ** 1000",
        "9" * 30,
    ],
)
def test_parse_values_refuses_anything_but_numbers(text):
    with pytest.raises(InspectorError):
        parse_values(text)


def test_parse_values_refuses_huge_text():
    with pytest.raises(InspectorError, match="too long"):
        parse_values("[" + "1, " * 20_000 + "]")


@pytest.mark.parametrize("text", ["[:, 1:3]", "[0]", "[..., None, ::2]", "[-1, :2]", "[1:, ]"])
def test_parse_index_matches_python_indexing(text):
    x = torch.arange(24).view(2, 3, 4)
    index = parse_index(text)
    expected = eval(f"x{text}")  # the test, not the app, evaluates the trusted literal
    assert torch.equal(x[index], expected)
    assert torch.equal(x[parse_index(format_index(index))], expected)


@pytest.mark.parametrize("text", ["[::-1]", "[0:2:0]", "[x]", "[1.5]", "[__class__]", "[print(1)]"])
def test_parse_index_refuses(text):
    with pytest.raises(InspectorError):
        parse_index(text)


@pytest.mark.parametrize(
    "spec, expected",
    [
        (TensorSpec("zeros", shape=(2, 3)), torch.zeros(2, 3)),
        (TensorSpec("ones", shape=(4,), dtype="int64"), torch.ones(4, dtype=torch.int64)),
        (
            TensorSpec("full", shape=(2, 2), fill_value=3.5, dtype="float64"),
            torch.full((2, 2), 3.5, dtype=torch.float64),
        ),
        (TensorSpec("arange", start=1, end=7, step=2), torch.arange(1.0, 7.0, 2.0)),
        (TensorSpec("linspace", start=0, end=1, steps=5), torch.linspace(0, 1, 5)),
        (TensorSpec("eye", shape=(3,)), torch.eye(3)),
        (TensorSpec("eye", shape=(2, 3)), torch.eye(2, 3)),
        (
            TensorSpec("tensor", values="[[1, 2], [3, 4]]", dtype="int32"),
            torch.tensor([[1, 2], [3, 4]], dtype=torch.int32),
        ),
        (
            TensorSpec("tensor", values="[0, 1.5]", dtype="bool"),
            torch.tensor([0, 1.5], dtype=torch.bool),
        ),
        (
            TensorSpec("rand", shape=(2, 3), seed=5),
            torch.rand(2, 3, generator=torch.Generator().manual_seed(5)),
        ),
        (
            TensorSpec("randn", shape=(3,), seed=1, dtype="float64"),
            torch.randn(3, generator=torch.Generator().manual_seed(1), dtype=torch.float64),
        ),
    ],
)
def test_build_matches_torch(spec, expected):
    built = build_tensor(spec)
    assert built.dtype == expected.dtype and built.shape == expected.shape
    assert torch.equal(built, expected)


def test_build_empty_has_shape_and_requires_grad():
    built = build_tensor(TensorSpec("empty", shape=(2, 2), requires_grad=True))
    assert built.shape == (2, 2) and built.requires_grad and built.is_leaf


@pytest.mark.parametrize(
    "spec, match",
    [
        (TensorSpec("zeros", shape=(2**13, 2**13)), "cap"),
        (TensorSpec("zeros", shape=(10**6, 10**6)), "cap"),
        (TensorSpec("arange", start=0, end=1e12, step=1), "cap"),
        (TensorSpec("linspace", steps=MAX_ELEMENTS + 1), "cap"),
        (TensorSpec("zeros", shape=(1, 2, 3, 4, 5)), "1 to 4"),
        (TensorSpec("zeros", shape=(-1, 2)), "negative"),
        (TensorSpec("arange", step=0), "not 0"),
        (TensorSpec("randn", dtype="int64"), "float"),
        (TensorSpec("ones", dtype="int64", requires_grad=True), "floating"),
        (TensorSpec("ones", dtype="complex"), "dtype"),
        (TensorSpec("ones", device="cuda:7"), "not available"),
        (TensorSpec("eye", shape=(2, 2, 2)), "matrix"),
    ],
)
def test_build_refuses_with_a_sentence(spec, match):
    with pytest.raises(ValueError, match=match):
        build_tensor(spec)


def test_steps_match_torch_and_report_views():
    x = torch.arange(12.0)
    cases = [
        (Step("view", "3, -1"), x.view(3, -1), True),
        (Step("reshape", "2, 6"), x.reshape(2, 6), True),
        (Step("unsqueeze", dim=0), x.unsqueeze(0), True),
        (Step("slice", "[2:8:2]"), x[2:8:2], True),
        (Step("to", "float64"), x.to(torch.float64), False),
        (Step("arithmetic", "2", name="*"), x * 2, False),
        (Step("arithmetic", "[[1], [2]]", name="+"), x + torch.tensor([[1.0], [2.0]]), False),
        (Step("reduce", name="sum"), x.sum(), False),
        (Step("reduce", name="max", dim=0), x.max(dim=0).values, False),
    ]
    for step, expected, is_view in cases:
        stage = apply_step(x, step)
        assert torch.equal(stage.tensor, expected), step
        assert stage.shares_storage is is_view, step
        assert stage.code.startswith("x"), stage.code


def test_transpose_permute_squeeze_contiguous():
    m = torch.arange(6.0).view(2, 3)
    t = apply_step(m, Step("transpose", "0, 1")).tensor
    assert torch.equal(t, m.t()) and not t.is_contiguous() and t.stride() == (1, 3)
    c = apply_step(t, Step("contiguous"))
    assert c.tensor.is_contiguous() and not c.shares_storage and "copied" in c.note
    p = apply_step(torch.zeros(2, 3, 4), Step("permute", "2, 0, 1")).tensor
    assert p.shape == (4, 2, 3)
    assert apply_step(torch.zeros(1, 3, 1), Step("squeeze")).tensor.shape == (3,)
    assert apply_step(torch.zeros(1, 3, 1), Step("squeeze", dim=0)).tensor.shape == (3, 1)


def test_inplace_keeps_storage_and_changes_the_tensor_before():
    x = torch.ones(2, 3)
    pointer = x.untyped_storage().data_ptr()
    stage = apply_step(x, Step("arithmetic", "5", name="*", inplace=True))
    assert stage.tensor.untyped_storage().data_ptr() == pointer and stage.shares_storage
    assert torch.equal(x, torch.full((2, 3), 5.0))
    assert "In place" in stage.note


@pytest.mark.parametrize(
    "tensor, step, match",
    [
        (torch.arange(6.0).view(2, 3).t(), Step("view", "-1"), "contiguous"),
        (torch.arange(12.0), Step("view", "5, 5"), "as many elements"),
        (torch.arange(12.0), Step("view", "-1, -1"), "one -1"),
        (torch.zeros(2, 3), Step("transpose", "0, 5"), "dims count"),
        (torch.zeros(2, 3), Step("permute", "0"), "permute"),
        (torch.zeros(2, 3), Step("arithmetic", "[1, 2]", name="+"), "cannot broadcast"),
        (torch.zeros(3), Step("arithmetic", "[[1], [2]]", name="+", inplace=True), "in-place"),
        (
            torch.zeros(3, requires_grad=True),
            Step("arithmetic", "1", name="+", inplace=True),
            "leaf",
        ),
        (torch.zeros(3), Step("slice", "[5]"), "out of"),
        (torch.zeros(3, dtype=torch.int64), Step("reduce", name="mean"), "floating"),
        (torch.zeros(3), Step("to", "int8"), "dtype"),
        (torch.zeros(3), Step("explode"), "not a step"),
        (torch.zeros(1, 1, 1, 1), Step("unsqueeze", dim=0), "up to 4"),
    ],
)
def test_impossible_steps_get_sentences(tensor, step, match):
    with pytest.raises(InspectorError, match=match):
        apply_step(tensor, step)


@given(
    left=st.lists(st.integers(1, 4), min_size=0, max_size=4),
    right=st.lists(st.integers(1, 4), min_size=0, max_size=4),
)
@settings(max_examples=200, deadline=None)
def test_broadcast_report_agrees_with_torch(left, right):
    report = broadcast_report(tuple(left), tuple(right))
    try:
        expected = tuple(torch.broadcast_shapes(tuple(left), tuple(right)))
    except RuntimeError:
        expected = None
    assert report["result"] == expected
    assert bool(report["error"]) is (expected is None)


def test_pipeline_stops_at_the_failing_step_and_keeps_the_rest():
    spec = TensorSpec("arange", end=12.0)
    result = run_pipeline(
        spec, [Step("view", "3, 4"), Step("view", "5, 5"), Step("reduce", name="sum")]
    )
    assert (
        len(result.stages) == 2 and result.failed_step == 2 and "as many elements" in result.error
    )


def test_every_preset_runs_and_its_code_reproduces_it():
    for name, (spec, steps) in PRESETS.items():
        result = run_pipeline(spec, steps)
        if name in SHOWS_AN_ERROR:  # it shows PyTorch's error first: it fails where it says
            assert result.failed_step == SHOWS_AN_ERROR[name], name
            assert len(result.stages) == SHOWS_AN_ERROR[name], name
        else:
            assert not result.error, name
        namespace = {}
        exec(pipeline_code(spec, result.stages).replace("print(", "(lambda *a: None)("), namespace)
        assert torch.equal(namespace["x"], result.stages[-1].tensor), name


def test_describe_matches_tensor_properties():
    x = torch.arange(12.0).view(3, 4)
    y = x.t()
    info = describe(y, x)
    assert info["shape"] == (4, 3) and info["stride"] == y.stride() and info["contiguous"] is False
    assert info["bytes"] == 48 and info["memory"].startswith("view")
    assert shares_storage(x, y) and not shares_storage(x, x.clone())


def test_downsample_keeps_means_and_caps_size():
    big = torch.rand(1000, 300)
    small = downsample_2d(big, 100)
    assert small.shape == (100, 100)
    assert torch.isclose(small.mean(), big.mean(), atol=1e-3)


def test_as_image_matches_manual_conversion():
    x = torch.rand(3, 5, 7)
    image = as_image(x)
    assert image.shape == (5, 7, 3)
    assert np.array_equal(image, (x.permute(1, 2, 0) * 255).round().to(torch.uint8).numpy())
    assert as_image(torch.rand(4, 5, 7)) is None


# ---- the pipeline's memory budget --------------------------------------------------------------

BASE = torch.arange(24.0).reshape(2, 3, 4)
SIZE_CASES = [  # (the tensor, a step); every step kind, as views and as copies
    (BASE, Step("view", "6, 4")),
    (BASE, Step("reshape", "4, 6")),  # contiguous: a view
    (BASE.transpose(0, 2), Step("reshape", "24")),  # not viewable: a copy
    (BASE, Step("transpose", "0, 2")),
    (BASE, Step("permute", "2, 0, 1")),
    (BASE, Step("unsqueeze", dim=1)),
    (BASE.unsqueeze(0), Step("squeeze")),
    (BASE.unsqueeze(2), Step("squeeze", dim=2)),
    (BASE, Step("slice", "[:, 1:3]")),
    (BASE, Step("slice", "[1, ::2, -1]")),
    (BASE, Step("contiguous")),  # already contiguous: the same tensor
    (BASE.transpose(1, 2), Step("contiguous")),  # a copy
    (BASE, Step("to", "float32")),  # the same dtype: the same tensor
    (BASE, Step("to", "float64")),
    (BASE.transpose(0, 1), Step("to", "float16")),
    (BASE, Step("arithmetic", "2", name="*")),
    (BASE, Step("arithmetic", "[10, 20, 30, 40]", name="+")),
    (BASE, Step("arithmetic", "[[1], [2], [3]]", name="-")),
    (BASE[:, :1], Step("arithmetic", "[1, 2, 3, 4]", name="+")),  # broadcast grows the result
    (BASE.clone(), Step("arithmetic", "3", name="+", inplace=True)),
    (BASE.to(torch.int64), Step("arithmetic", "2", name="/")),  # int / int -> float32
    (BASE, Step("reduce", name="sum")),
    (BASE, Step("reduce", name="mean", dim=1, keepdim=True)),
    (BASE, Step("reduce", name="max", dim=2)),
    (BASE, Step("reduce", name="argmax", dim=0)),
    (BASE.to(torch.float64), Step("reduce", name="std", dim=-1)),
]


def test_every_step_kind_is_covered_by_the_size_cases():
    from core.tensors import STEP_OPS

    assert {step.op for _, step in SIZE_CASES} == set(STEP_OPS)


@pytest.mark.parametrize("tensor, step", SIZE_CASES, ids=lambda v: getattr(v, "op", ""))
def test_predicted_bytes_match_the_memory_torch_really_allocates(tensor, step):
    from core.tensors import predicted_bytes

    predicted = predicted_bytes(tensor, step)
    out = apply_step(tensor, step).tensor
    new = 0 if shares_storage(out, tensor) else out.untyped_storage().nbytes()
    assert predicted == new


def test_the_issues_link_is_refused_at_the_budget_before_allocating(monkeypatch):
    from core.tensors import MAX_PIPELINE_BYTES, pipeline

    calls = []
    real = pipeline.apply_step
    monkeypatch.setattr(pipeline, "apply_step", lambda t, s: calls.append(s) or real(t, s))
    spec = TensorSpec("zeros", shape=(4096, 4096))  # 64 MB of float32
    steps = [Step("arithmetic", "1", name="+")] * 50  # 50 copies of 64 MB: 3.2 GB
    result = run_pipeline(spec, steps, keep={0})
    per_copy = 4096 * 4096 * 4
    assert result.failed_step == len(calls) + 1 == MAX_PIPELINE_BYTES // per_copy
    assert "256 MB across all the stages" in result.error
    assert result.allocated == MAX_PIPELINE_BYTES and len(result.stages) == len(calls) + 1
    # Only the stages the page shows (here the first) and the last two keep their tensors.
    assert [stage.tensor is not None for stage in result.stages] == [True, False, True, True]
    assert torch.equal(result.stages[-1].tensor[:2, :2], torch.full((2, 2), 3.0))


def test_views_cost_nothing_so_a_long_pipeline_of_views_runs():
    steps = [Step("transpose", "0, 1"), Step("unsqueeze", dim=0), Step("squeeze", dim=0)] * 16
    result = run_pipeline(TensorSpec("zeros", shape=(4096, 4096)), steps)
    assert not result.error and len(result.stages) == 49
    assert result.allocated == 4096 * 4096 * 4


def test_step_code_writes_the_line_the_step_runs():
    from core.tensors import step_code

    steps = [step for _, preset_steps in PRESETS.values() for step in preset_steps] + [
        Step("squeeze"),
        Step("squeeze", dim=0),
        Step("to", "float64"),
        Step("reduce", name="mean"),
        Step("slice", "0"),
    ]
    compared = 0
    for step in steps:
        for tensor in (
            torch.arange(24.0).view(2, 3, 4),
            torch.arange(12.0),
            torch.arange(6.0),
            torch.ones(2, 3, 4, 5),
        ):
            try:
                stage = apply_step(tensor, step)
            except InspectorError:
                continue  # this step cannot run on this tensor
            assert step_code(step) == stage.code, step
            compared += 1
            break
    assert compared == len(steps)


def test_a_failed_view_step_is_reported_with_its_number():
    spec, steps = PRESETS["view needs contiguous memory"]
    result = run_pipeline(spec, steps)
    assert result.failed_step == 3 and "view size is not compatible" in result.error
    assert not result.stages[-1].tensor.is_contiguous()
