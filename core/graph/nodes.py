"""Torch's backward nodes: which are reachable, what each saved, the order autograd runs them."""

from __future__ import annotations

import functools
import heapq
from typing import Any

SAVED_PREFIX = "_saved_"  # the attributes through which a backward node exposes saved values


@functools.lru_cache(maxsize=512)
def saved_attributes(node_type: type) -> tuple[str, ...]:
    """The `_saved_*` attribute names of a backward node class."""
    return tuple(name for name in dir(node_type) if name.startswith(SAVED_PREFIX))


def sequence_number(node: Any) -> int:
    """The node's creation order (0 when torch does not say)."""
    try:
        return node._sequence_nr()
    except (AttributeError, RuntimeError):
        return 0


def reachable(root_fn: Any, limit: int) -> list[Any]:
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


def backward_order(root_fn: Any, limit: int = 100_000) -> list[Any]:
    """The order autograd's engine runs the nodes: a node runs once every node that feeds it a
    gradient has run; among ready nodes the most recently created runs first (AccumulateGrad
    nodes, which hold the largest sequence number, as soon as they are ready)."""
    nodes = reachable(root_fn, limit)
    waiting: dict[int, int] = {id(fn): 0 for fn in nodes}
    for fn in nodes:
        for child, _ in fn.next_functions:
            if child is not None and id(child) in waiting:
                waiting[id(child)] += 1
    ready = [(-sequence_number(root_fn), 0, root_fn)]
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
                heapq.heappush(ready, (-sequence_number(child), counter, child))
                counter += 1
    return order
