"""`python -m bench NAME` runs bench/NAME.py's main(); `python -m bench all` runs them all.

Each benchmark prints JSON lines; its last line is one JSON object with the headline figures.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

NOT_BENCHMARKS = {"report"}


def benchmark_names() -> list[str]:
    """The benchmarks in this package: every module with a main(), report excepted."""
    folder = Path(__file__).parent
    return sorted(
        info.name
        for info in pkgutil.iter_modules([str(folder)])
        if not info.name.startswith("_") and info.name not in NOT_BENCHMARKS
    )


def main(argv: list[str]) -> int:
    names = benchmark_names()
    if not argv or argv[0] not in [*names, "all"] or (argv[0] == "all" and len(argv) > 1):
        print(f"usage: python -m bench {{{'|'.join([*names, 'all'])}}}", file=sys.stderr)
        return 2
    for name in (
        names if argv[0] == "all" else argv[:1]
    ):  # a benchmark reads its options from sys.argv
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
