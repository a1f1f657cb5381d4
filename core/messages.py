"""PyTorch's error messages turned into sentences for students: one table for every page."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Explanation:
    """One kind of PyTorch error: pieces of its message, and what each audience is told.

    `program` is the sentence for a line of the autograd page's language, `step` the hint after
    an inspector step's error, `numpy` the fix after a failed `.numpy()`. An audience with no
    text in a row skips it and reads on.
    """

    fragments: tuple[str, ...]  # lower-case pieces of PyTorch's message; any one of them matches
    program: str = ""
    step: str = ""
    numpy: str = ""


DIMS_COUNT = "dims count from 0 up to ndim - 1 (or from -1 backwards)."

# First match wins, for each audience separately.
EXPLANATIONS: tuple[Explanation, ...] = (
    Explanation(
        ("does not require grad and does not have a grad_fn",),
        program="backward() was called on a tensor that autograd is not tracking: nothing it "
        "was computed from has requires_grad=True (or it was made under no_grad() or by "
        "detach()). Create the input with requires_grad=True.",
    ),
    Explanation(
        ("grad can be implicitly created only for scalar outputs",),
        program="backward() needs a single number to start from, but this tensor has several "
        "elements. Reduce it first (`.sum()` or `.mean()`), or pass a gradient of the "
        "same shape: `y.backward(torch.ones_like(y))`.",
    ),
    Explanation(
        ("modified by an inplace operation",),
        program="A tensor that backward() needs was changed in place (by a method ending in `_` "
        "or by `+=`) after it was used. Compute a new tensor instead (`b = b * 0` rather "
        "than `b.zero_()`), or make the change before using it.",
    ),
    Explanation(
        ("requires grad is being used in an in-place",),
        program="A leaf tensor that requires grad cannot be changed in place while autograd is "
        "watching. Put the update inside `with torch.no_grad():`, as an optimizer step does.",
        step="autograd forbids in-place changes of a leaf that requires grad; untick "
        "requires_grad or use the out-of-place operation.",
    ),
    Explanation(
        ("backward through the graph a second time",),
        program="This graph was already used by a backward() call, which freed its saved values. "
        "Recompute the forward lines before calling backward() again, or pass "
        "`retain_graph=True` to the first backward().",
    ),
    Explanation(
        ("only tensors of floating point",),
        program="Only floating-point tensors can require gradients. Write numbers with a decimal "
        "point (1.0 instead of 1) or pass `dtype=torch.float32`.",
        step="only floating-point tensors can require gradients; pick float32 or float64.",
    ),
    Explanation(
        ("view size is not compatible",),
        # PyTorch's own message already says "Use .reshape(...) instead": say why, not that again
        step="why: an earlier step (a transpose or permute) left the tensor non-contiguous, its "
        "strides no longer in row order, and view never copies; a contiguous step first also works.",
    ),
    Explanation(
        ("must match the size", "broadcast"),
        program="The shapes of the two tensors do not fit together (they cannot be broadcast). "
        "Check the shapes in the variables table.",
        step="for broadcasting, each pair of dims (aligned from the right) must be equal or one "
        "of them 1.",
    ),
    Explanation(
        ("cannot be multiplied", "size mismatch", "same reduction dim"),
        program="A matrix product needs the inner sizes to match: (n, k) @ (k, m). Check the "
        "shapes, or transpose one side with `.T`.",
    ),
    Explanation(
        ("is invalid for input of size",),
        program="The new shape must hold exactly as many elements as the tensor has. Check the "
        "numbers in view()/reshape() (one of them may be -1).",
        step="the new shape must hold exactly as many elements as the old one; use -1 for one "
        "dimension to let PyTorch work it out.",
    ),
    Explanation(("only one dimension can be inferred",), step="only one -1 is allowed in a shape."),
    Explanation(
        ("can't retain_grad on tensor that has requires_grad=false",),
        program="retain_grad() only works on tensors that require grad.",
    ),
    Explanation(
        ("expected floating point type for target", "expected scalar type long"),
        program="This loss wants a different type of target: cross_entropy takes whole-number "
        "class indices (`torch.tensor([1, 0])`), other losses take floats.",
    ),
    Explanation(
        ("all elements of input should be between 0 and 1",),
        program="binary_cross_entropy needs probabilities between 0 and 1: pass the input "
        "through sigmoid() first.",
    ),
    Explanation(
        ("out of bounds",), program="A class index is out of range for the number of classes."
    ),
    Explanation(
        ("should be the same", "expected all tensors to be on the same device"),
        program="The tensors must have the same type and device; check the dtype= arguments.",
    ),
    Explanation(
        ("dimension out of range",),
        program="That dim= does not exist for this tensor; check its number of dimensions.",
        step=DIMS_COUNT,
    ),
    Explanation(("out of range",), step=DIMS_COUNT),
    Explanation(
        ("not implemented for",),
        step="this operation does not exist for that dtype; pick a floating-point dtype.",
    ),
    Explanation(
        ("result type",),
        step="an in-place operation cannot change the dtype; convert with a .to step "
        "first or use the out-of-place form.",
    ),
    Explanation(
        ("number of dims don't match in permute",),
        step="permute needs every dim exactly once, e.g. 2, 0, 1 for a 3-D tensor.",
    ),
    Explanation(("cuda", "device type"), numpy="Copy it to the CPU first: x.cpu().numpy()."),
    Explanation(("requires grad",), numpy="Detach it from the graph first: x.detach().numpy()."),
    Explanation(("bfloat16",), numpy="NumPy has no bfloat16: convert first, x.float().numpy()."),
)


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type's name when the message is empty)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def explain(message: str, audience: str, default: str = "") -> str:
    """The sentence for `audience` ("program", "step" or "numpy") about PyTorch's `message`."""
    text = message.lower()
    for row in EXPLANATIONS:
        sentence = getattr(row, audience)
        if sentence and any(fragment in text for fragment in row.fragments):
            return sentence
    return default


def non_finite_note(name: str, tensor) -> str:
    """A sentence when the tensor `name` holds inf or nan, naming its dtype's range; "" otherwise.

    A float overflows to ±inf past the largest number its dtype holds (float32: about ±3.4e38),
    silently: `torch.tensor([1e308]) * 10` is `inf` without an error. Integers wrap around
    instead and are not flagged.
    """
    import torch  # core.messages stays importable without torch for its error table

    if not isinstance(tensor, torch.Tensor) or not tensor.dtype.is_floating_point:
        return ""
    values = tensor.detach()
    if values.is_complex() or values.numel() == 0:
        return ""
    infinite = int(torch.isinf(values).sum())
    missing = int(torch.isnan(values).sum())
    if not infinite and not missing:
        return ""
    dtype = str(tensor.dtype).replace("torch.", "")
    largest = torch.finfo(tensor.dtype).max
    parts = []
    if infinite:
        parts.append(
            f"`{name}` holds {infinite:,} infinite value(s) (inf): a {dtype} holds numbers up to "
            f"±{largest:.3g}, and a result past that overflows to ±inf without an error "
            "(log(0) and 1/0 give inf too)."
        )
    if missing:
        parts.append(
            f"`{name}` holds {missing:,} nan (not a number) value(s), from inf - inf, 0/0 or "
            "0 * inf."
        )
    wider = " Use float64 (up to ±1.8e308) or smaller numbers." if largest < 1e300 else ""
    return " ".join(parts) + (wider or " Use smaller numbers (scale them down first).")
