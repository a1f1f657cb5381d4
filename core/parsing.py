"""Python's `ast` behind one process-wide lock.

CPython 3.11 keeps the AST constructor's recursion depth in interpreter-wide state. When two
threads build syntax trees at once — two students' script runs parsing a program or a shape, or
`inspect.getsource` reading a class — one of them can fail with `SystemError: AST constructor
recursion depth mismatch` (cpython gh-106905). The lecture benchmark met it. Every syntax tree
this project builds goes through here, one at a time; they are small and take microseconds.
"""

from __future__ import annotations

import ast
import functools
import inspect
import threading

_AST_LOCK = threading.RLock()  # re-entrant: a finalizer that runs mid-parse may parse too


def parse(source: str, mode: str = "exec") -> ast.AST:
    """`ast.parse(source, mode=mode)`, one thread at a time (SyntaxError passes through)."""
    with _AST_LOCK:
        return ast.parse(source, mode=mode)


@functools.cache
def source_of(obj) -> str:
    """`inspect.getsource(obj)` (which parses the file for a class), once per object."""
    with _AST_LOCK:
        return inspect.getsource(obj)
