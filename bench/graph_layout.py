"""How long Chromium takes to lay out the autograd page's graph, by node count.

`st.graphviz_chart` sends DOT text; the browser lays it out (Graphviz compiled to WebAssembly)
on its main thread, so a big graph freezes the tab. This drives the real page in Debian's
Chromium with programs whose graphs have a growing number of nodes, and times, inside the
page, from the moment the chart's element appears (its DOT has arrived) to the moment its
laid-out SVG holds the nodes. Each graph's layout weight (core.graph.layout_weight: nodes plus
the hidden nodes of rank-crossing edges) is printed beside its time; core.graph.LAYOUT_BUDGET,
the most the page sends, is set from these figures (about a second of layout).

`python -m bench graph_layout [--sizes 100,150,...] [--repeats 2] [--shapes mesh,tangle]`
prints one JSON line per graph; the last line holds `seconds_near_budget` (the slowest layout of
a graph whose weight is within 20% under the budget, else of the heaviest one within it) and
`ratio` = 1 s / that (goal: >= 1.0, i.e. the budget lays out within about a second).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from urllib.parse import urlencode

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bench.report import emit
from core.expressions import run_program
from core.graph import LAYOUT_BUDGET, fit_layout, layout_weight, trace
from harness import CHROMIUM, CHROMIUM_ARGS, streamlit_server, wait_for_script

# Records, in the page, when the main graph's element appears and when its SVG has nodes.
TIMING_SCRIPT = """
window.__layout = {};
new MutationObserver(() => {
  const chart = document.querySelector('[data-testid=stGraphVizChart]');
  if (chart && !window.__layout.arrived) window.__layout.arrived = performance.now();
  if (chart && chart.querySelectorAll('svg g.node').length > 1 && !window.__layout.drawn) {
    window.__layout.drawn = performance.now();
    window.__layout.nodes = chart.querySelectorAll('svg g.node').length;
  }
}).observe(document, {subtree: true, childList: true});
"""


def mesh_program(lines: int) -> str:
    """A program whose graph is a mesh: each line mixes the two previous tensors (3 nodes a
    line, 2 edges in each), a harder layout than a chain of the same size."""
    source = ["a0 = torch.ones(3, requires_grad=True)", "a1 = torch.ones(3, requires_grad=True)"]
    for i in range(2, lines + 2):
        source.append(f"a{i} = (a{i - 1} + a{i - 2}) * 0.5")
    source.append(f"loss = a{lines + 1}.sum()")
    return "\n".join(source)


def tangle_program(lines: int) -> str:
    """A program whose graph is a tangle: each line mixes the previous tensor with two earlier
    ones picked at random (seeded), so edges cross everywhere: a hard layout for its size."""
    import random

    pick = random.Random(0)
    source = [f"a{i} = torch.ones(3, requires_grad=True)" for i in range(3)]
    for i in range(3, lines + 3):
        j, k = pick.randrange(i - 1), pick.randrange(i - 1)
        source.append(f"a{i} = a{i - 1} * a{j} + a{k}")
    source.append(f"loss = a{lines + 2}.sum()")
    return "\n".join(source)


SHAPES = {"mesh": mesh_program, "tangle": tangle_program}


def weight_of(source: str, nodes: int) -> int:
    """The layout weight of the graph the page draws for `source` under a cap of `nodes` (cut
    to the layout budget, as the page cuts it)."""
    program = run_program(source)
    graph, _cut = fit_layout(
        lambda cap: trace(program.variables["loss"], program.named_tensors(), max_nodes=cap), nodes
    )
    return layout_weight(graph)


def program_for(nodes: int, shape: str = "mesh") -> str:
    """The program of `shape` whose traced graph has about `nodes` nodes."""
    lines = max(1, nodes // 3 - 2)
    while True:
        source = SHAPES[shape](lines)
        program = run_program(source)
        total = trace(program.variables["loss"], program.named_tensors(), max_nodes=10_000)
        if total.total_nodes >= nodes or lines >= 190:
            return source
        lines += 1


def measure(browser, url: str, nodes: int, shape: str, saved: bool, limit_s: float) -> dict:
    """One layout in a fresh browser context; {"seconds": None} when it took over `limit_s`."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(TIMING_SCRIPT)
    page = context.new_page()
    try:
        return _measure(page, url, nodes, shape, saved, limit_s)
    finally:
        context.close()


def _measure(page, url: str, nodes: int, shape: str, saved: bool, limit_s: float) -> dict:
    source = program_for(nodes, shape)
    params = {
        "ag_source": source,
        "ag_cap": str(nodes),
        "ag_values": "true",
        "ag_saved": "true" if saved else "false",
    }
    page.goto(f"{url}/autograd?{urlencode(params)}")
    wait_for_script(page, timeout_ms=120_000)
    try:
        page.wait_for_function(
            "() => window.__layout && window.__layout.drawn", timeout=limit_s * 1000
        )
    except PlaywrightTimeout:
        return {"nodes": None, "seconds": None, "weight": weight_of(source, nodes)}
    timing = page.evaluate("() => window.__layout")
    return {
        "nodes": timing["nodes"],
        "seconds": (timing["drawn"] - timing["arrived"]) / 1000,  # DOT arrived -> SVG drawn
        "weight": weight_of(source, nodes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench graph_layout")
    parser.add_argument("--sizes", default="50,100,150,200,250,300,400")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--shapes", default="mesh,tangle")
    parser.add_argument("--limit", type=float, default=30.0, help="seconds before giving up")
    args = parser.parse_args(sys.argv[2:])
    sizes = [int(n) for n in args.sizes.split(",")]
    from playwright.sync_api import sync_playwright

    measured: list[tuple[int, float | None]] = []  # (layout weight, seconds or None if over)
    with streamlit_server() as (url, _process, _started), sync_playwright() as playwright:
        for shape in args.shapes.split(","):
            # A browser per shape: a layout past the limit keeps its renderer busy (and the
            # CPU with it) until the browser itself is closed.
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            warm = browser.new_page()
            warm.goto(f"{url}/autograd")  # torch imported, the page's modules loaded
            wait_for_script(warm, timeout_ms=180_000)
            warm.close()
            kind, saved = shape.removesuffix("+saved"), shape.endswith("+saved")
            for nodes in sizes:
                runs = []
                for _ in range(args.repeats):
                    runs.append(measure(browser, url, nodes, kind, saved, args.limit))
                    if runs[-1]["seconds"] is None:
                        break
                slow = any(run["seconds"] is None for run in runs)
                seconds = None if slow else statistics.median(run["seconds"] for run in runs)
                measured.append((runs[0]["weight"], seconds))
                emit(
                    {
                        "shape": shape,
                        "requested_nodes": nodes,
                        "drawn_nodes": runs[0]["nodes"],
                        "layout_weight": runs[0]["weight"],
                        "layout_s": None if slow else round(seconds, 3),
                        "over_limit_s": args.limit if slow else None,
                    }
                )
                if slow:  # bigger graphs of this shape only take longer
                    break
            browser.close()
    within = [(w, s) for w, s in measured if w <= LAYOUT_BUDGET and s is not None]
    near = [s for w, s in within if w >= 0.8 * LAYOUT_BUDGET]
    heaviest = max(within, default=(None, None))
    seconds = max(near) if near else heaviest[1]
    emit(
        {
            "layout_budget": LAYOUT_BUDGET,
            "seconds_near_budget": seconds,
            "over_budget_s": [s for w, s in measured if w > LAYOUT_BUDGET],
            "ratio": round(1.0 / seconds, 2) if seconds else None,
        }
    )
