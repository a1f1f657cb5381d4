"""Autograd's backward graph as plain data: walk it, draw it, replay backward, check gradients.

`trace(tensor)` follows `grad_fn.next_functions` from a tensor back to its leaves (the walk rules
of pytorchviz: leaves through `AccumulateGrad.variable`, saved tensors through `_saved_*`
attributes) and returns a `Graph` of plain nodes and edges. `to_dot(graph)` turns it into
Graphviz DOT text for `st.graphviz_chart`; `draw(graph, ..., step)` is everything the page
shows for one graph (its DOT, the legend, the shown step's rows). `record_backward(tensor)` runs
`tensor.backward()` with hooks on every node so each step (the gradient arriving, the gradients
sent on) can be replayed. `finite_difference_check` compares autograd with central differences in float64.
Walking is separate from drawing so the walk can be tested without a picture (as in micrograd).
"""

from __future__ import annotations

import functools
import heapq
import math
import operator
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

SMALL = 10_000  # tensors up to this many elements are copied into a backward recording
MAX_NODES = 150  # graphs with more nodes are cut here (Graphviz in the browser slows down)

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


@dataclass
class GraphNode:
    """One box in the picture: a tensor (with its values) or a backward function."""

    id: str
    kind: str  # one of KINDS
    title: str  # variable name, or the grad_fn class name like "MulBackward0"
    shape: tuple[int, ...] | None = None
    data: str = ""  # formatted values (or summary statistics for big tensors)
    grad: str = ""  # formatted .grad ("None" when empty)
    step: int | None = None  # backward step at which this node holds its gradient (0 = start)
    step_value: Any = None  # the gradient that arrived here during the recorded backward()

    @property
    def step_grad(self) -> str:
        """The recorded arriving gradient, formatted ("" when none was recorded)."""
        if self.step_value is None:
            return ""
        return self.step_value if isinstance(self.step_value, str) \
            else format_tensor(self.step_value)


@dataclass
class Step:
    """One node run by backward(): what arrived, what it sent to each input, what it saved.
    Values are kept raw and formatted on demand by `lines()` (most steps are never shown)."""

    node_id: str
    op: str
    record: BackwardStep | None = None  # None when the order was predicted, not recorded
    titles: Any = field(default_factory=dict, repr=False)  # .get(id(node), default) -> its name

    def lines(self) -> list[tuple[str, str]]:
        """(label, formatted value) rows: gradient arriving, saved values, gradients sent."""
        if self.record is None:
            return []
        rows = [("gradient arriving", _format_any(g)) for g in self.record.grad_outputs]
        rows += [(f"saved {name}", _format_any(value)) for name, value in self.record.saved.items()]
        inputs = self.record.node.next_functions
        for (child, _), grad in zip(inputs, self.record.grad_inputs, strict=False):
            if child is not None:
                title = self.titles.get(id(child), type(child).__name__)
                rows.append((f"sent to {title}", _format_any(grad)))
        return rows


@dataclass
class Graph:
    """Plain nodes and edges of an autograd graph; edges point forward (input -> op -> output)."""

    nodes: dict[str, GraphNode]
    edges: list[tuple[str, str, str]]  # (source id, target id, style: "" or "saved")
    root: str
    total_nodes: int  # nodes in the whole graph, drawn or not
    max_nodes: int
    steps: list[Step] = field(default_factory=list)  # backward order (recorded or predicted)
    recorded: bool = False  # True when `steps` carry the numbers of a real backward()

    @property
    def truncated(self) -> bool:
        """True when the graph had more nodes than `max_nodes` and was cut."""
        return self.total_nodes > self.max_nodes

    def kinds(self) -> dict[str, int]:
        """How many nodes of each kind were drawn."""
        counts: dict[str, int] = {}
        for node in self.nodes.values():
            counts[node.kind] = counts.get(node.kind, 0) + 1
        return counts


@dataclass
class BackwardStep:
    """What one autograd node saw during a recorded backward()."""

    node: Any  # the torch.autograd graph node (kept alive so ids stay valid)
    grad_outputs: tuple  # gradients arriving at the node (copies, or None when large)
    grad_inputs: tuple = ()  # gradients the node sent to its inputs (copies)
    saved: dict[str, Any] = field(default_factory=dict)  # small saved tensors / numbers
    saved_ids: dict[str, int] = field(default_factory=dict)  # id() of each saved tensor


@dataclass
class BackwardPass:
    """A recorded `root.backward()`: the root and the nodes in the order autograd ran them."""

    root: torch.Tensor
    steps: list[BackwardStep]


@dataclass(frozen=True)
class GradientCheck:
    """Autograd's gradient of one leaf against a central finite difference, in float64."""

    name: str
    shape: tuple[int, ...]
    checked: int  # elements compared (spread evenly over the leaf when it is big)
    autograd: tuple[float, ...]
    numeric: tuple[float, ...]
    max_abs_diff: float
    ok: bool


# ---------------------------------------------------------------------------------------------
# Formatting values
# ---------------------------------------------------------------------------------------------


def format_tensor(tensor: torch.Tensor | None, max_items: int = 6) -> str:
    """Values of a small tensor ("[3, 3, 3]"), or summary statistics of a big one."""
    if tensor is None:
        return "None"
    if not isinstance(tensor, torch.Tensor):
        return str(tensor)
    numel = tensor.numel()
    if numel == 0:
        return "[]"
    if tensor.is_complex():
        tensor = tensor.detach().abs()
    if numel == 1:
        return _number(tensor.item())  # .item() and .tolist() need no detach()
    if numel > 256:  # many numbers: let torch reduce them
        values = tensor.detach().double()
        std_t, mean_t = torch.std_mean(values)
        low_t, high_t = torch.aminmax(values)
        return _STATS(mean_t.item(), std_t.item(), low_t.item(), high_t.item())
    # A handful of numbers: one .tolist() and Python are quicker than any tensor op.
    values = tensor.tolist()
    dims = tensor.dim()
    if numel <= max_items and dims == 1:
        return "[" + ", ".join(map(_number, values)) + "]"
    if dims == 2:
        if numel <= max_items:
            return "[" + ", ".join("[" + ", ".join(map(_number, row)) + "]"
                                   for row in values) + "]"
        values = [value for row in values for value in row]
    else:
        for _ in range(dims - 1):  # flatten row-major, as reshape(-1) would
            values = [value for row in values for value in row]
    total = sum(values)
    mean = total / numel
    squares = sum(map(operator.mul, values, values))
    std = math.sqrt(max(0.0, (squares - total * mean) / (numel - 1)))
    return _STATS(mean, std, min(values), max(values))


_STATS = "mean {:.3g}, std {:.3g}, range [{:.3g}, {:.3g}]".format
_number = "{:.3g}".format  # 3 significant digits; whole numbers print without ".0"


def _shape(tensor: torch.Tensor) -> tuple[int, ...]:
    return tuple(tensor.shape)


# ---------------------------------------------------------------------------------------------
# Walking
# ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _saved_attributes(node_type: type) -> tuple[str, ...]:
    return tuple(name for name in dir(node_type) if name.startswith("_saved_"))


def _sequence(node: Any) -> int:
    try:
        return node._sequence_nr()
    except (AttributeError, RuntimeError):
        return 0


def _copy(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        if value.numel() <= SMALL:
            return value.detach().clone()
        return f"{tuple(value.shape)} tensor, {format_tensor(value)}"
    return value


def _saved_values(node: Any, recorded: BackwardStep | None) -> dict[str, tuple[Any, int | None]]:
    """attr -> (value, id of the live tensor or None). A recorded backward() kept copies of
    them (the live ones are usually freed by then), so the recording is read first."""
    if recorded is not None:
        return {name: (value, recorded.saved_ids.get(name))
                for name, value in recorded.saved.items()}
    values: dict[str, tuple[Any, int | None]] = {}
    for attr in _saved_attributes(type(node)):
        name = attr[len("_saved_"):]
        try:
            value = getattr(node, attr)
            ident = id(value) if isinstance(value, torch.Tensor) else None
        except RuntimeError:  # freed by backward()
            if recorded is None or name not in recorded.saved:
                values[name] = ("freed", None)
                continue
            value, ident = recorded.saved[name], recorded.saved_ids.get(name)
        values[name] = (value, ident)
    return values


def _reachable(root_fn: Any, limit: int) -> list[Any]:
    """Backward nodes reachable from `root_fn`, breadth first, at most `limit`."""
    seen = {id(root_fn)}
    order = [root_fn]
    index = 0
    while index < len(order) and len(order) < limit:
        for child, _ in order[index].next_functions:
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                order.append(child)
        index += 1
    return order


def trace(
    tensor: torch.Tensor,
    names: dict[str, torch.Tensor] | None = None,
    backward: BackwardPass | None = None,
    show_saved: bool = False,
    max_nodes: int = MAX_NODES,
    values: bool = True,
) -> Graph:
    """Walk the backward graph that ends in `tensor` into a `Graph`.

    `names` maps variable names to tensors (a program's variables, a module's named
    parameters), so leaves and named intermediates are labelled and drawn with their values.
    `backward` (from `record_backward`) supplies the real order and gradients for the
    step-through. `show_saved` adds the tensors each node saved for backward. At most
    `max_nodes` nodes are drawn; `total_nodes` tells how many the graph has. `values=False`
    skips formatting tensor values (only names and shapes are drawn).
    """
    by_id: dict[int, torch.Tensor] = {}
    title_of: dict[int, str] = {}
    for name, obj in (names or {}).items():
        if isinstance(obj, torch.Tensor):
            by_id[id(obj)] = obj
            title_of[id(obj)] = name
    recorded = {id(step.node): step for step in backward.steps} if backward else {}
    nodes: dict[str, GraphNode] = {}
    edges: list[tuple[str, str, str]] = []
    # (id(grad_fn), output_nr) -> the named tensor it produced (named intermediates)
    produced: dict[tuple[int, int], torch.Tensor] = {}
    for obj in by_id.values():
        grad_fn = obj.grad_fn
        if grad_fn is not None and obj is not tensor:
            produced.setdefault((id(grad_fn), obj.output_nr), obj)

    def tensor_node(obj: torch.Tensor, kind: str) -> str:
        node_id = f"t{id(obj)}"
        if node_id not in nodes:
            data = grad = ""
            if values:
                data = format_tensor(obj)
                if obj.requires_grad and (obj.is_leaf or obj.retains_grad):
                    grad = format_tensor(obj.grad)
            nodes[node_id] = GraphNode(node_id, kind, title_of.get(id(obj), ""),
                                       tuple(obj.shape), data, grad)
        return node_id

    root_id = tensor_node(tensor, "output")
    nodes[root_id].title = title_of.get(id(tensor), "output")
    root_fn = tensor.grad_fn
    if root_fn is None:
        return Graph(nodes, edges, root_id, 1, max_nodes)

    def node_id_of(fn: Any) -> str:  # a leaf is drawn as its tensor, anything else as itself
        return f"t{id(fn.variable)}" if hasattr(fn, "variable") else f"f{id(fn)}"

    # Breadth first from the output, so a cut graph keeps the part nearest to the output.
    fn_ids = {id(root_fn): node_id_of(root_fn)}  # every node met so far -> its node id
    edges.append((fn_ids[id(root_fn)], root_id, ""))
    queue = [root_fn]
    walked: dict[int, tuple[Any, str]] = {}  # id(fn) -> (fn, node id), in walk order
    makes: dict[str, list[str]] = {}  # op node id -> the named tensors it produced
    linked: set[tuple[str, str]] = set()
    has_names = bool(by_id)
    hidden = 0
    for fn in queue:  # the queue grows while it is walked
        if len(nodes) >= max_nodes:
            hidden += 1
            for child, _ in fn.next_functions:
                if child is not None and id(child) not in fn_ids:
                    fn_ids[id(child)] = node_id_of(child)
                    queue.append(child)
            continue
        fn_id = fn_ids[id(fn)]
        walked[id(fn)] = (fn, fn_id)
        if fn_id[0] == "t":  # AccumulateGrad: draw the leaf tensor itself
            tensor_node(fn.variable, "leaf")
            continue
        nodes[fn_id] = GraphNode(fn_id, "op", fn.name())
        constant_input = False
        for child, output_nr in fn.next_functions:
            if child is None:
                constant_input = True
                continue
            key = id(child)
            child_id = fn_ids.get(key)
            if child_id is None:
                child_id = fn_ids[key] = node_id_of(child)
                queue.append(child)
            named_tensor = produced.get((key, output_nr)) if produced else None
            if named_tensor is not None:
                named_id = tensor_node(named_tensor, "tensor")
                if (child_id, named_id) not in linked:
                    linked.add((child_id, named_id))
                    edges.append((child_id, named_id, ""))
                    makes.setdefault(child_id, []).append(named_id)
                edges.append((named_id, fn_id, ""))
            else:
                edges.append((child_id, fn_id, ""))
        if show_saved or (constant_input and has_names):
            _add_saved(fn, fn_id, recorded.get(id(fn)), by_id, nodes, edges, show_saved,
                       tensor_node)
    total = len(nodes) + hidden
    if hidden:
        kept, cut = [], set()
        for edge in edges:
            if edge[0] in nodes and edge[1] in nodes:
                kept.append(edge)
            elif edge[1] in nodes:
                cut.add(edge[1])
        nodes["more"] = GraphNode(id="more", kind="more", title=f"… {hidden} more nodes")
        kept.extend(("more", target, "saved") for target in sorted(cut))
    else:  # every node was walked, but an edge may still name an undrawn node
        kept = [edge for edge in edges if edge[0] in nodes and edge[1] in nodes]
    graph = Graph(nodes, kept, root_id, total, max_nodes)
    _attach_steps(graph, tensor, walked, makes, backward, recorded)
    return graph


def _add_saved(fn: Any, fn_id: str, recorded: BackwardStep | None,
               by_id: dict[int, torch.Tensor], nodes: dict[str, GraphNode],
               edges: list[tuple[str, str, str]], show_saved: bool,
               tensor_node: Callable[[torch.Tensor, str], str]) -> None:
    """Saved tensors of `fn`: named constants become input nodes; others show when asked."""
    for attr, (value, ident) in _saved_values(fn, recorded).items():
        items = enumerate(value) if isinstance(value, tuple) else ((None, value),)
        for position, item in items:
            if isinstance(item, str) and position is None and ident is not None \
                    and ident in by_id:  # too big to record, but a named tensor: draw that one
                item = by_id[ident]
            if isinstance(item, str):  # freed by backward() and not recorded (or too big)
                if show_saved:
                    label = attr if position is None else f"{attr}[{position}]"
                    saved_id = f"s{id(fn)}_{label}"
                    nodes[saved_id] = GraphNode(id=saved_id, kind="saved", title=label,
                                                data="freed by backward()")
                    edges.append((saved_id, fn_id, "saved"))
                continue
            if not isinstance(item, torch.Tensor):
                continue
            item_id = ident if position is None and ident is not None else id(item)
            match = by_id.get(item_id)
            if match is not None and f"t{item_id}" in nodes:
                if show_saved:
                    edges.append((f"t{item_id}", fn_id, "saved"))
                continue
            if match is not None and not match.requires_grad:
                edges.append((tensor_node(match, "constant"), fn_id, ""))
                continue
            if show_saved:
                label = attr if position is None else f"{attr}[{position}]"
                saved_id = f"s{id(fn)}_{label}"
                nodes[saved_id] = GraphNode(id=saved_id, kind="saved", title=label,
                                            shape=_shape(item), data=format_tensor(item))
                edges.append((saved_id, fn_id, "saved"))


def collapse(graph: Graph, groups: dict[str, str], max_nodes: int = MAX_NODES) -> Graph:
    """Merge the nodes of each group (node id -> group title, e.g. the ops and parameters of one
    layer) into one box; edges between groups are kept once. The step-through is dropped, since
    its steps name the nodes that were merged."""
    groups = dict(groups)
    for source, target, style in graph.edges:  # saved tensors go with the node that saved them
        if style == "saved" and target in groups and graph.nodes[source].kind == "saved":
            groups[source] = groups[target]
    nodes: dict[str, GraphNode] = {}
    for node in graph.nodes.values():
        title = groups.get(node.id)
        if title is None:
            nodes[node.id] = GraphNode(node.id, node.kind, node.title, node.shape, node.data,
                                       node.grad)
        elif f"g:{title}" not in nodes:
            nodes[f"g:{title}"] = GraphNode(f"g:{title}", "module", title)
    edges: list[tuple[str, str, str]] = []
    seen = set()
    for source, target, style in graph.edges:
        source = f"g:{groups[source]}" if source in groups else source
        target = f"g:{groups[target]}" if target in groups else target
        if source != target and (source, target) not in seen:
            seen.add((source, target))
            edges.append((source, target, style))
    return Graph(nodes, edges, graph.root, len(nodes), max_nodes)


def backward_order(root_fn: Any, limit: int = 100_000) -> list[Any]:
    """The order autograd's engine runs the nodes: a node runs once every node that feeds it a
    gradient has run; among ready nodes the most recently created runs first (AccumulateGrad
    nodes, which hold the largest sequence number, as soon as they are ready)."""
    nodes = _reachable(root_fn, limit)
    waiting: dict[int, int] = {id(fn): 0 for fn in nodes}
    for fn in nodes:
        for child, _ in fn.next_functions:
            if child is not None and id(child) in waiting:
                waiting[id(child)] += 1
    ready = [(-_sequence(root_fn), 0, root_fn)]
    order: list[Any] = []
    counter = 1
    while ready:
        _, _, fn = heapq.heappop(ready)
        order.append(fn)
        for child, _ in fn.next_functions:
            if child is None or id(child) not in waiting:
                continue
            waiting[id(child)] -= 1
            if waiting[id(child)] == 0:
                heapq.heappush(ready, (-_sequence(child), counter, child))
                counter += 1
    return order


class _StepTitles:
    """What a step's explanation calls each drawn backward node ("sent to b"): the named tensor
    it makes, else the node's own title, else its class name. Looked up one node at a time, when
    a step's rows are shown, so tracing a graph costs nothing for it."""

    def __init__(self, walked: dict[int, tuple[Any, str]], makes: dict[str, list[str]],
                 nodes: dict[str, GraphNode]) -> None:
        self._walked, self._makes, self._nodes = walked, makes, nodes

    def get(self, key: int, default: str | None = None) -> str | None:
        entry = self._walked.get(key)
        if entry is None:
            return default
        fn, node_id = entry
        named = self._makes.get(node_id)
        node = self._nodes.get(named[0] if named else node_id)
        return node.title if node is not None and node.title else fn.name()


def _attach_steps(graph: Graph, tensor: torch.Tensor, walked: dict[int, tuple[Any, str]],
                  makes: dict[str, list[str]], backward: BackwardPass | None,
                  recorded: dict[int, BackwardStep]) -> None:
    """Fill graph.steps (and each node's step number) from the recording, or predict them.
    `walked` holds the drawn backward nodes (id -> (node, its node id)), `makes` the named
    tensors each op produced."""
    nodes = graph.nodes
    root = nodes[graph.root]
    root.step = 0
    if backward is not None and backward.steps:
        if backward.steps[0].grad_outputs:
            root.step_value = backward.steps[0].grad_outputs[0]
        root.grad = root.grad or root.step_grad  # the gradient backward() started from
        sequence = [step.node for step in backward.steps]
        graph.recorded = True
    else:
        sequence = backward_order(tensor.grad_fn, limit=len(walked) + 1)
    titles = _StepTitles(walked, makes, nodes)
    steps = graph.steps
    for fn in sequence:
        entry = walked.get(id(fn))
        if entry is None:
            continue
        node_id = entry[1]
        number = len(steps) + 1
        step_record = recorded.get(id(fn))
        node = nodes[node_id]
        node.step = number
        arriving = step_record.grad_outputs[0] if step_record and step_record.grad_outputs \
            else None
        node.step_value = arriving
        for named_id in makes.get(node_id, ()):
            named = nodes[named_id]
            named.step = number
            named.step_value = arriving
        steps.append(Step(node_id, node.title if node.kind == "op" else "AccumulateGrad",
                          step_record, titles))


def _format_any(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return format_tensor(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(_format_any(v) for v in value) + ")"
    return _plain(value)


def _plain(value: Any) -> str:
    if value is None:
        return "not saved (not needed for this backward)"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


# ---------------------------------------------------------------------------------------------
# Recording a backward pass
# ---------------------------------------------------------------------------------------------


def record_backward(
    tensor: torch.Tensor,
    gradient: torch.Tensor | None = None,
    retain_graph: bool | None = None,
    max_nodes: int = 20_000,
) -> BackwardPass:
    """Run `tensor.backward(gradient)` with hooks on every node and return the recording:
    the nodes in the order autograd ran them, the gradient that arrived at each, the
    gradients each sent to its inputs and (small) saved tensors. Hooks are removed afterwards.
    Raises whatever `backward()` raises.
    """
    steps: list[BackwardStep] = []
    by_node: dict[int, BackwardStep] = {}
    handles = []

    def on_arrival(node: Any, grad_outputs: tuple) -> None:
        saved, saved_ids = {}, {}
        for attr in _saved_attributes(type(node)):
            try:
                value = getattr(node, attr)
            except RuntimeError:
                continue
            name = attr[len("_saved_"):]
            if isinstance(value, torch.Tensor):
                saved_ids[name] = id(value)
            saved[name] = tuple(_copy(v) for v in value) if isinstance(value, tuple) \
                else _copy(value)
        step = BackwardStep(node, tuple(_copy(g) for g in grad_outputs), (), saved, saved_ids)
        steps.append(step)
        by_node[id(node)] = step

    def on_done(node: Any, grad_inputs: tuple, grad_outputs: tuple) -> None:
        step = by_node.get(id(node))
        if step is not None:
            step.grad_inputs = tuple(_copy(g) for g in grad_inputs)

    if tensor.grad_fn is not None:
        for node in _reachable(tensor.grad_fn, max_nodes):
            handles.append(node.register_prehook(functools.partial(on_arrival, node)))
            handles.append(node.register_hook(functools.partial(on_done, node)))
    try:
        tensor.backward(gradient, retain_graph=retain_graph)
    finally:
        for handle in handles:
            handle.remove()
    return BackwardPass(root=tensor, steps=steps)


# ---------------------------------------------------------------------------------------------
# Explaining one step
# ---------------------------------------------------------------------------------------------

RULES = {
    "Add": "addition passes the incoming gradient unchanged to both inputs (summed over any "
           "broadcast dimensions).",
    "Sub": "subtraction passes the incoming gradient to the first input and its negative to the "
           "second.",
    "Mul": "grad of each input = incoming gradient × the other input (the values saved in the "
           "forward pass).",
    "Div": "grad of the numerator = incoming / denominator; grad of the denominator = "
           "−incoming × numerator / denominator².",
    "Pow": "grad of x = incoming × exponent × x^(exponent − 1).",
    "Mean": "every element gets incoming / N, where N is the number of elements averaged.",
    "Sum": "every element gets a copy of the incoming gradient.",
    "Exp": "grad = incoming × exp(x), which is this node's own output (saved as result).",
    "Log": "grad = incoming / x.",
    "Sqrt": "grad = incoming / (2·√x).",
    "Abs": "grad = incoming × sign(x).",
    "Sin": "grad = incoming × cos(x).",
    "Cos": "grad = −incoming × sin(x).",
    "Tanh": "grad = incoming × (1 − tanh²(x)), using the saved result.",
    "Sigmoid": "grad = incoming × s × (1 − s), where s is the saved sigmoid output.",
    "Relu": "grad = incoming where the input was positive, 0 elsewhere.",
    "Threshold": "grad = incoming where the input was above the threshold, 0 elsewhere.",
    "Neg": "grad = −incoming.",
    "Mm": "for A @ B: grad of A = incoming @ Bᵀ, grad of B = Aᵀ @ incoming.",
    "Mv": "for A @ v: grad of A = outer(incoming, v), grad of v = Aᵀ @ incoming.",
    "Dot": "for a · b: grad of a = incoming × b, grad of b = incoming × a.",
    "Addmm": "for bias + x @ Wᵀ (nn.Linear): grad of the bias = incoming summed over the batch, "
             "grad of x = incoming @ W, grad of Wᵀ = xᵀ @ incoming.",
    "T": "transposing: the gradient is transposed back.",
    "Permute": "the gradient is permuted back.",
    "View": "a view: the gradient is reshaped back to the input's shape.",
    "Reshape": "the gradient is reshaped back to the input's shape.",
    "Unsafe": "the gradient is reshaped back to the input's shape.",
    "Expand": "the gradient is summed over the expanded dimensions.",
    "Softmax": "grad = s × (incoming − Σ incoming·s), with s the saved softmax output.",
    "LogSoftmax": "grad = incoming − softmax × Σ incoming.",
    "MseLoss": "grad of the prediction = incoming × 2 (prediction − target) / N (for mean).",
    "L1Loss": "grad of the prediction = incoming × sign(prediction − target) / N.",
    "NllLoss": "grad = −incoming / N at each target class, 0 elsewhere.",
    "BinaryCrossEntropy": "grad of p = incoming × (p − y) / (p (1 − p)) / N.",
    "AccumulateGrad": "a leaf: the incoming gradient is added into its .grad (added, not "
                      "replaced, which is why gradients accumulate until zeroed).",
}


def rule_for(op: str) -> str:
    """A one-sentence local gradient rule for a backward function name like 'MulBackward0'."""
    base = op.split("Backward")[0]
    if base in RULES:
        return RULES[base]
    for key in sorted(RULES, key=len, reverse=True):
        if base.startswith(key):
            return RULES[key]
    return ("this node multiplies the incoming gradient by the local derivative of its "
            "operation (a vector-Jacobian product) and sends one gradient to each input.")


# ---------------------------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------------------------


_RECORD_ESCAPES = str.maketrans({char: "\\" + char for char in '{}|<>"\\'} | {"\n": "\\n"})
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n"})


def _escape(text: str) -> str:
    return text.translate(_ESCAPES)


_DOT_HEAD = (
    "digraph autograd {{\n"
    'graph [rankdir={}, bgcolor="transparent", nodesep=0.3, ranksep=0.4];\n'
    'node [fontname="Helvetica", fontsize=11, style="filled,rounded", shape=box, '
    'color="#555555"];\n'
    'edge [color="#666666", arrowsize=0.7];'
)
_FILLS = {kind: f', fillcolor="{fill}"' for kind, (fill, _) in KINDS.items()}
_PLAIN_SHAPES = {"op": "", "module": "", "more": ', shape=box, style="filled,dashed"'}


def to_dot(
    graph: Graph,
    show_values: bool = True,
    direction: str = "TB",
    step: int | None = None,
) -> str:
    """Graphviz DOT text for the graph. `direction` is "LR" or "TB". With `step`, nodes that hold
    their gradient by that backward step are outlined, the current one in red, and gradients
    that have not arrived yet read "?"."""
    if direction not in {"LR", "TB"}:
        raise ValueError("direction must be 'LR' (left to right) or 'TB' (top to bottom).")
    lines = [_DOT_HEAD.format(direction)]
    append = lines.append
    record = _RECORD_ESCAPES
    for node in graph.nodes.values():
        kind = node.kind
        plain = _PLAIN_SHAPES.get(kind)
        if plain is not None:  # a box with a title only
            label = f'"{node.title.translate(_ESCAPES)}"{plain}'
        else:  # a record: title and shape | data | grad
            head = node.title
            if node.shape is not None:
                head = f"{head} {node.shape}" if head else str(node.shape)
            label = '"{' + head.translate(record)
            if show_values:
                if node.data:
                    label += " | data " + node.data.translate(record)
                grad = node.grad
                if step is not None and kind != "constant":
                    grad = node.step_grad or node.grad if node.step is not None \
                        and node.step <= step else ("?" if node.grad else "")
                if grad:
                    label += " | grad " + grad.translate(record)
            label += '}", shape=record'
        if step is not None and node.step is not None and node.step <= step:
            current = _is_current(graph, node, step)
            outline = f', color="{ACTIVE}", penwidth=3' if current \
                else f', color="{DONE}", penwidth=2'
            append(f'"{node.id}" [label={label}{_FILLS[kind]}{outline}];')
        else:
            append(f'"{node.id}" [label={label}{_FILLS[kind]}];')
    for source, target, style in graph.edges:
        if style == "saved":
            append(f'"{source}" -> "{target}" [style=dashed, arrowhead=none];')
        else:
            append(f'"{source}" -> "{target}";')
    append("}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Drawing:
    """Everything the page shows for a graph at one backward step."""

    dot: str  # the graph (to_dot)
    legend: str  # the colours of the kinds of node it holds (legend_dot)
    rows: list[tuple[str, str]]  # the step's explanation (Step.lines), [] at step 0 or None


def draw(graph: Graph, show_values: bool = True, direction: str = "TB",
         step: int | None = None) -> Drawing:
    """The graph at backward step `step` (None: no step-through), its legend and the step's
    rows, as the page draws them. At the last step every gradient has arrived, so the graph is
    drawn without step outlines."""
    finished = step is not None and step == len(graph.steps)
    kinds = graph.kinds()
    return Drawing(
        to_dot(graph, show_values, direction, None if finished else step),
        legend_dot([kind for kind in KINDS if kind in kinds]),
        graph.steps[step - 1].lines() if step else [],
    )


def _is_current(graph: Graph, node: GraphNode, step: int) -> bool:
    if step == 0:
        return node.id == graph.root
    return 0 < step <= len(graph.steps) and graph.steps[step - 1].node_id == node.id


_LEGEND_HEAD = (
    "digraph legend {\n"
    'graph [rankdir=LR, bgcolor="transparent", nodesep=0.15];\n'
    'node [fontname="Helvetica", fontsize=10, style="filled,rounded", shape=box, '
    'color="#555555"];'
)
_LEGEND_NODES = {kind: f'"{kind}" [label="{_escape(text)}", fillcolor="{fill}"];'
                 for kind, (fill, text) in KINDS.items()}


def legend_dot(kinds: list[str] | None = None) -> str:
    """A one-row DOT legend of the node colours."""
    kinds = [k for k in (kinds or list(KINDS)) if k != "more"]
    lines = [_LEGEND_HEAD]
    lines.extend(_LEGEND_NODES[kind] for kind in kinds)
    lines.extend(f'"{first}" -> "{second}" [style=invis];'
                 for first, second in zip(kinds, kinds[1:], strict=False))
    lines.append("}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Gradient check
# ---------------------------------------------------------------------------------------------


def finite_difference_check(
    loss: Callable[[dict[str, torch.Tensor]], torch.Tensor],
    leaves: dict[str, torch.Tensor],
    eps: float = 1e-6,
    max_elements: int = 48,
    rtol: float = 1e-4,
    atol: float = 1e-6,
    max_seconds: float = 5.0,
) -> list[GradientCheck]:
    """Compare autograd's gradient of the scalar `loss(leaves)` with central differences.

    `loss` takes a dict name -> float64 tensor (requires_grad=True) and returns a scalar. Each
    leaf gets up to `max_elements` of its elements perturbed by ±eps, spread evenly; once
    `max_seconds` have passed, the remaining elements are skipped (`checked` tells how many ran).
    """
    deadline = time.monotonic() + max_seconds
    start = {name: value.detach().double().clone() for name, value in leaves.items()}

    def evaluate(values: dict[str, torch.Tensor]) -> torch.Tensor:
        out = loss({k: v.clone().requires_grad_(True) for k, v in values.items()})
        if not isinstance(out, torch.Tensor) or out.numel() != 1:
            raise ValueError("The gradient check needs the output to be a single number.")
        return out.reshape(())

    inputs = {k: v.clone().requires_grad_(True) for k, v in start.items()}
    out = loss(inputs)
    if not isinstance(out, torch.Tensor) or out.numel() != 1:
        raise ValueError("The gradient check needs the output to be a single number.")
    grads = torch.autograd.grad(out.reshape(()), list(inputs.values()), allow_unused=True)
    results = []
    for (name, value), grad in zip(start.items(), grads, strict=True):
        grad = torch.zeros_like(value) if grad is None else grad.detach()
        count = value.numel()
        wanted = min(count, max_elements)
        picks = sorted({round(i * (count - 1) / max(1, wanted - 1)) for i in range(wanted)})
        autograd_values, numeric_values = [], []
        for flat in picks:
            if time.monotonic() > deadline:
                break
            plus, minus = dict(start), dict(start)
            plus[name], minus[name] = value.clone(), value.clone()
            plus[name].view(-1)[flat] += eps
            minus[name].view(-1)[flat] -= eps
            difference = (evaluate(plus) - evaluate(minus)).item() / (2 * eps)
            numeric_values.append(difference)
            autograd_values.append(grad.reshape(-1)[flat].item())
        diffs = [abs(a - n) for a, n in zip(autograd_values, numeric_values, strict=True)]
        ok = all(abs(a - n) <= atol + rtol * abs(n)
                 for a, n in zip(autograd_values, numeric_values, strict=True))
        results.append(GradientCheck(name, tuple(value.shape), len(numeric_values),
                                     tuple(autograd_values), tuple(numeric_values),
                                     max(diffs, default=0.0), ok))
    return results
