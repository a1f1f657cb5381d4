"""Autograd's backward graph as plain data: walk it, draw it, replay backward, check gradients.

`trace(tensor)` (walk.py) follows `grad_fn.next_functions` from a tensor back to its leaves and
returns a `Graph` of plain nodes and edges (model.py). `to_dot(graph)` (dot.py) turns it into
Graphviz DOT text for `st.graphviz_chart`; `draw(graph, ..., step)` is everything the page shows
for one graph (its DOT, the legend, the shown step's rows). `record_backward(tensor)` (record.py)
runs `tensor.backward()` with hooks on every node so each step can be replayed.
`finite_difference_check` (gradcheck.py) compares autograd with central differences in float64.
The nn.Module graphs (modules.py, module_view.py, module_code.py) and the page's presets
(presets.py) are imported from their own modules, so importing this package stays light.
"""

from core.graph.dot import Drawing, draw, legend_dot, to_dot
from core.graph.formatting import format_tensor, holds_grad
from core.graph.gradcheck import GradientCheck, finite_difference_check
from core.graph.layout import LAYOUT_BUDGET, fit_layout, layout_weight
from core.graph.model import BackwardPass, BackwardStep, Graph, GraphNode, Moment, Step
from core.graph.nodes import backward_order
from core.graph.palette import ACTIVE, DONE, KINDS
from core.graph.record import SMALL, record_backward
from core.graph.rules import RULES, rule_for
from core.graph.walk import MAX_NODES, collapse, trace

__all__ = [
    "ACTIVE",
    "DONE",
    "KINDS",
    "LAYOUT_BUDGET",
    "MAX_NODES",
    "RULES",
    "SMALL",
    "BackwardPass",
    "BackwardStep",
    "Drawing",
    "GradientCheck",
    "Graph",
    "GraphNode",
    "Moment",
    "Step",
    "backward_order",
    "collapse",
    "fit_layout",
    "layout_weight",
    "draw",
    "finite_difference_check",
    "format_tensor",
    "holds_grad",
    "legend_dot",
    "record_backward",
    "rule_for",
    "to_dot",
    "trace",
]
