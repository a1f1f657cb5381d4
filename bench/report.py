"""The benchmarks' output: one JSON line per record, flushed so a reader sees progress."""

from __future__ import annotations

import json


def emit(record: dict) -> None:
    """Print one JSON line and flush, so a reader sees progress as it happens."""
    print(json.dumps(record), flush=True)
