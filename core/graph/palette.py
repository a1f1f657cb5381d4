"""The colours and legend texts of the graph drawing: one fill per kind of node, two outlines.

They are the drawing's own vocabulary: `to_dot` and `legend_dot` write them into the DOT text
(which the page, the tests and `python -m bench graph` read), so they live beside the drawing.
"""

from __future__ import annotations

# kind -> (fill colour, legend text). Light tints of Okabe & Ito's colour-blind-safe colours
# (black text on each is over 10:1), far apart in lightness too, so a red-green colour-blind
# viewer still tells "saved" (orange) from "output" (bluish green). Colour is not the only cue:
# the legend names each kind, the box shapes differ (records with values, plain boxes for
# backward functions, a dashed box for the nodes not drawn), saved tensors hang on dashed
# edges, and the output sits at the top of the graph.
KINDS = {
    "leaf": ("#a9daf6", "leaf that requires grad (gets .grad)"),
    "constant": ("#eeeeee", "leaf without grad (a constant)"),
    "tensor": ("#f7f1a1", "named intermediate tensor"),
    "op": ("#d4d4d4", "backward function (grad_fn)"),
    "saved": ("#f5cf7f", "tensor saved for backward"),
    "output": ("#66c5ab", "the output backward() starts from"),
    "module": ("#e5bcd3", "a whole layer, collapsed"),
    "more": ("#ffffff", "nodes not drawn"),
}
# The step-through's outlines differ in colour (Okabe-Ito vermillion and blue, apart for every
# kind of colour vision) and in width (3 against 2).
ACTIVE = "#d55e00"  # outline of the node being processed in the step-through
DONE = "#0072b2"  # outline of the nodes that already hold their gradient
