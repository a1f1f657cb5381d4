"""What a program left behind: its bindings, variables and the backward() passes it ran."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

import torch

from core.graph import BackwardPass, Moment, format_tensor, holds_grad


@dataclass
class Binding:
    """One assignment that ran: `name = value` on `line`."""

    name: str
    value: Any
    line: int


@dataclass(frozen=True)
class Output:
    """What one line showed, as in Python's console: `print(...)`'s text, or the value of a line
    that is just an expression (`y.grad_fn`)."""

    line: int
    statement: str  # the line as written
    text: str


@dataclass
class Program:
    """What a program left behind: its variables, every binding, and each backward() it ran."""

    source: str
    tree: ast.Module
    bindings: list[Binding] = field(default_factory=list)
    env: dict[str, Any] = field(default_factory=dict)
    backward_passes: list[BackwardPass] = field(default_factory=list)
    backward_lines: list[int] = field(default_factory=list)
    output: list[Output] = field(default_factory=list)  # print() and echoed expressions, in order
    # id(tensor) -> the values of the program right after the line that first bound it, and
    # the values right after each backward() (parallel to backward_passes); see moments.py
    moments: dict[int, Moment] = field(default_factory=dict)
    backward_moments: list[Moment] = field(default_factory=list)
    _changed: dict[int, list[str]] = field(default_factory=dict, repr=False)  # changed_since's
    # Set by the gradient-check mode: the tensor that the first backward() started from.
    first_backward_root: torch.Tensor | None = None

    @property
    def variables(self) -> dict[str, torch.Tensor]:
        """Each name whose current value is a tensor, in the order it was first assigned."""
        return {k: v for k, v in self.env.items() if isinstance(v, torch.Tensor)}

    def named_tensors(self) -> dict[str, torch.Tensor]:
        """Every tensor the program named, for labelling the graph. A name bound to several
        tensors keeps its plain name for the current one; older ones read "name (line N)"."""
        current = self.variables
        labelled: dict[str, torch.Tensor] = {}
        for binding in self.bindings:
            value = binding.value
            if not isinstance(value, torch.Tensor):
                continue
            if current.get(binding.name) is value:
                labelled[binding.name] = value
            else:
                labelled[f"{binding.name} (line {binding.line})"] = value
        return labelled

    def default_root(self) -> torch.Tensor | None:
        """The tensor worth drawing: the last backward() root, else the last tensor assigned."""
        if self.backward_passes:
            return self.backward_passes[-1].root
        for binding in reversed(self.bindings):
            if isinstance(binding.value, torch.Tensor):
                return binding.value
        return None

    def backward_for(self, root: torch.Tensor) -> BackwardPass | None:
        """The latest recorded backward() that started from `root`, if any."""
        for recorded in reversed(self.backward_passes):
            if recorded.root is root:
                return recorded
        return None

    def moment_for(self, root: torch.Tensor) -> Moment | None:
        """The one moment a graph of `root` shows: right after the latest backward() from it,
        else right after the line that made it (None for a run without moments)."""
        for index in range(len(self.backward_passes) - 1, -1, -1):
            if self.backward_passes[index].root is root and index < len(self.backward_moments):
                return self.backward_moments[index]
        return self.moments.get(id(root))

    def changed_since(self, moment: Moment) -> list[str]:
        """The names whose value or grad differs now from what `moment` recorded: what later
        lines changed (the Variables table shows them as they are at the end)."""
        if id(moment) in self._changed:  # a page asks on every rerun; the answer never changes
            return self._changed[id(moment)]
        changed = []
        for name, tensor in self.variables.items():
            then = moment.values.get(id(tensor))
            if then is None:
                continue
            grad = format_tensor(tensor.grad) if holds_grad(tensor) else ""
            if then != (format_tensor(tensor), grad):
                changed.append(name)
        self._changed[id(moment)] = changed
        return changed

    def leaf_bindings(self) -> list[Binding]:
        """Assignments whose value is a leaf tensor that requires grad (the things we train)."""
        return [
            b
            for b in self.bindings
            if isinstance(b.value, torch.Tensor) and b.value.is_leaf and b.value.requires_grad
        ]
