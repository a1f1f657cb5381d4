"""The colours and legend texts of the graph drawing: one fill per kind of node, two outlines.

They are the drawing's own vocabulary: `to_dot` and `legend_dot` write them into the DOT text
(which the page, the tests and `python -m bench graph` read), so they live beside the drawing.
"""

from __future__ import annotations

# kind -> (fill colour, legend text)
KINDS = {
    "leaf": ("#a6cee3", "leaf that requires grad (gets .grad)"),
    "constant": ("#eeeeee", "leaf without grad (a constant)"),
    "tensor": ("#fff2ae", "named intermediate tensor"),
    "op": ("#d9d9d9", "backward function (grad_fn)"),
    "saved": ("#fdb462", "tensor saved for backward"),
    "output": ("#b3de69", "the output backward() starts from"),
    "module": ("#cab2d6", "a whole layer, collapsed"),
    "more": ("#ffffff", "nodes not drawn"),
}
ACTIVE = "#e31a1c"  # outline of the node being processed in the step-through
DONE = "#ff7f00"  # outline of the nodes that already hold their gradient
