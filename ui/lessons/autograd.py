"""The lessons the autograd page teaches (see ui/lessons/__init__.py for what a lesson is).

Each opens the page in "Your own lines" with a preset's program in the editor (its idea shows
above the graph) and values shown in the graph's boxes."""

from core.graph.presets import PRESETS_BY_KEY
from ui.lessons import Lesson

PAGE = "app_pages/autograd.py"


def _preset(key: str) -> dict[str, str]:
    """The page's query parameters that load preset `key` (settings.SHARED's keys)."""
    return {
        "ag_mode": "Your own lines",
        "ag_source": PRESETS_BY_KEY[key].source,
        "ag_values": "True",
    }


LESSONS: list[Lesson] = [
    Lesson(
        key="requires-grad",
        idea=2,
        group="Autograd",
        title="requires_grad, and the error without it",
        idea_text=(
            "Autograd only records operations on tensors made with requires_grad=True; a "
            "tensor computed from nothing that requires grad has no graph behind it. Calling "
            "backward() on one fails with PyTorch's \"element 0 of tensors does not require "
            'grad and does not have a grad_fn".'
        ),
        try_this=(
            "Read the error and PyTorch's own message under it, then change the first line to "
            "`a = torch.zeros(3, requires_grad=True)` and run it: the graph appears and "
            "`a.grad` is filled."
        ),
        page=PAGE,
        params=_preset("nograd_error"),
        proof="element 0 of tensors does not require grad",
    ),
    Lesson(
        key="stop-tracking",
        idea=3,
        group="Autograd",
        title="Three ways to stop tracking: no_grad(), detach(), requires_grad_(False)",
        idea_text=(
            "Inside `with torch.no_grad():` nothing is recorded, `.detach()` hands you the same "
            "numbers outside the graph, and `x.requires_grad_(False)` stops tracking a leaf "
            "itself. You use them for evaluation, for an optimizer's update and for freezing "
            "layers."
        ),
        try_this=(
            "Compare the four printed lines (requires_grad and grad_fn of each result) and the "
            "Variables tab, then see that only the tracked path b reaches x in the graph: "
            "x.grad is 2, not 8."
        ),
        page=PAGE,
        params=_preset("cut"),
        proof="requires_grad_(False) (e): False None",
    ),
    Lesson(
        key="grad-fn",
        idea=5,
        group="Autograd",
        title="grad_fn: the graph behind y = x + 2",
        idea_text=(
            "Every tensor made by an operation on a tracked tensor keeps a grad_fn, the "
            "backward function that made it, and its next_functions lead back to the inputs. "
            "A leaf you made yourself has no grad_fn (is_leaf is True), and its .grad stays "
            "None until backward() runs."
        ),
        try_this=(
            "Read the Output under the editor: y.grad_fn, its next_functions, x.grad_fn, "
            "x.is_leaf and x.grad before and after backward(). Add a line such as "
            "`print(z.grad_fn.next_functions)` and run it."
        ),
        page=PAGE,
        params=_preset("add"),
        proof="<AddBackward0 object at",
    ),
    Lesson(
        key="accumulate-grad",
        idea=6,
        group="Autograd",
        title="Gradients accumulate until you zero them",
        idea_text=(
            "backward() adds into .grad instead of replacing it: two backward() calls leave 3 "
            "and then 6. That is why a training loop calls optimizer.zero_grad() (or "
            "`.grad.zero_()`) before each backward()."
        ),
        try_this=(
            "The last step of the step-through shows the grad before (3), the gradient "
            "arriving (3) and the grad after (6). Pick out1 in “Draw the graph of” to see the "
            "first backward(), then delete the second backward() line."
        ),
        page=PAGE,
        params=_preset("accumulate"),
        proof="grad after (before + arriving)",
    ),
    Lesson(
        key="autograd-losses",
        idea=8,
        group="Losses",
        title="Losses and their gradients: MSE, cross-entropy, BCE, L1",
        idea_text=(
            "A loss turns predictions and targets into one number that backward() can start "
            "from: MSE or L1 for numbers, cross-entropy for one class out of several, binary "
            "cross-entropy for yes/no labels. Each pulls the predictions with a different "
            "gradient."
        ),
        try_this=(
            "Read the loss and its gradient in the Output, then click the presets “Loss: L1”, "
            "“Loss: cross-entropy” and “Loss: BCE” and compare the gradients. On the sin(x) "
            "fit page you can train the same model with another loss."
        ),
        page=PAGE,
        params=_preset("mse"),
        proof="grad_fn=<MseLossBackward0>",
    ),
]
