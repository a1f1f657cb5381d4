"""The inspector's presets: a starting spec and the steps that show one idea each."""

from __future__ import annotations

from core.tensors.spec import Step, TensorSpec

SHOWS_AN_ERROR = {"view needs contiguous memory": 3}  # preset -> the step that fails on purpose

PRESETS: dict[str, tuple[TensorSpec, tuple[Step, ...]]] = {
    # The error first: a view of a transposed (non-contiguous) tensor; the page offers the fix.
    "view needs contiguous memory": (
        TensorSpec("arange", end=12.0),
        (Step("view", "3, 4"), Step("transpose", "0, 1"), Step("view", "-1")),
    ),
    "contiguous() fixes the view": (
        TensorSpec("arange", end=12.0),
        (Step("view", "3, 4"), Step("transpose", "0, 1"), Step("contiguous"), Step("view", "-1")),
    ),
    "reshape with -1": (TensorSpec("arange", end=24.0), (Step("reshape", "2, 3, -1"),)),
    "broadcast a column with a row": (
        TensorSpec("arange", end=3.0),
        (Step("unsqueeze", dim=1), Step("arithmetic", "[10, 20, 30, 40]", name="+")),
    ),
    "slicing makes a view": (
        TensorSpec("arange", end=12.0),
        (Step("view", "3, 4"), Step("slice", "[:, 1:3]")),
    ),
    "in-place ops keep the storage": (
        TensorSpec("ones", shape=(2, 3)),
        (Step("arithmetic", "5", name="*", inplace=True),),
    ),
    "dtypes: dividing integers gives floats": (
        TensorSpec("tensor", values="[[1, 2], [3, 4]]", dtype="int64"),
        (Step("arithmetic", "2", name="/"),),
    ),
    "sum along a dim": (
        TensorSpec("arange", end=6.0),
        (Step("view", "2, 3"), Step("reduce", name="sum", dim=0)),
    ),
    "sum to one number, then .item()": (
        TensorSpec("arange", end=6.0),
        (Step("reduce", name="sum"),),
    ),
    "a batch of images (4-D)": (
        TensorSpec("rand", shape=(2, 3, 8, 8)),
        (Step("permute", "0, 2, 3, 1"),),
    ),
}
