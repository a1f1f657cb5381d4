"""Benchmark: our trace() + draw() against torchviz.make_dot(...).source on the same graphs.

Two graphs: the loss of the page's 2-layer MLP, and a deep chain of a few hundred nodes. Both
sides get the parameter names; ours also formats every tensor's values and gradient (and draws
the named layer outputs). Ours does what the autograd page does on every rerun to draw a graph:
`trace`, then `draw` at the step-through slider's default step (the graph's DOT, the legend's
DOT and the explanation rows of that step). Ours, ours with "Show values" off (as the page then
calls it) and torchviz are timed alternately in the same run; `ratio` = our median seconds /
torchviz's on the worse of the two graphs (goal ≤ 1).
"""

from __future__ import annotations

import statistics
import time

import torch
from torchviz import make_dot

from bench.report import emit
from core.graph import draw, record_backward, trace
from core.graph.modules import ModuleGraphConfig, run_module_graph

REPEATS = 25


def _mlp_case():
    result = run_module_graph(ModuleGraphConfig())  # the page's default MLP
    params = dict(result.model.named_parameters())
    return "mlp_loss", result.loss, result.names, params, result.backward


def _deep_case(layers: int = 60):
    generator = torch.Generator().manual_seed(0)
    params = {}
    h = torch.randn(8, generator=generator)
    for index in range(layers):
        w = torch.randn(8, generator=generator).requires_grad_(True)
        b = torch.randn(8, generator=generator).requires_grad_(True)
        params[f"w{index}"], params[f"b{index}"] = w, b
        h = torch.tanh(h * w + b)
    loss = h.pow(2).mean()
    recorded = record_backward(loss)
    return "deep_chain", loss, {**params, "loss": loss}, params, recorded


def _page_draw(graph, show_values: bool):
    """What ui.autograd.graph_view.draw_graph computes: the step slider starts at the last step."""
    step = len(graph.steps) if graph.recorded and graph.steps else None
    return draw(graph, show_values, "TB", step)


def _time(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    records = []
    for name, loss, names, params, recorded in (_mlp_case(), _deep_case()):
        graph = trace(loss, names, recorded, max_nodes=10_000)

        def ours(loss=loss, names=names, recorded=recorded):
            return _page_draw(trace(loss, names, recorded, max_nodes=10_000), True)

        def ours_plain(loss=loss, names=names, recorded=recorded):
            return _page_draw(trace(loss, names, recorded, max_nodes=10_000, values=False), False)

        def theirs(loss=loss, params=params):
            return make_dot(loss, params=params).source

        ours(), ours_plain(), theirs()  # warm all three
        ours_times, plain_times, theirs_times = [], [], []
        for _ in range(REPEATS):
            ours_times.append(_time(ours))
            theirs_times.append(_time(theirs))
            plain_times.append(_time(ours_plain))
        record = {
            "graph": name,
            "nodes": len(graph.nodes),
            "torchviz_nodes": theirs().count("[label="),
            "ours_ms": round(statistics.median(ours_times) * 1000, 3),
            "torchviz_ms": round(statistics.median(theirs_times) * 1000, 3),
            "ours_without_values_ms": round(statistics.median(plain_times) * 1000, 3),
        }
        record["ratio"] = round(record["ours_ms"] / record["torchviz_ms"], 3)
        record["ratio_without_values"] = round(
            record["ours_without_values_ms"] / record["torchviz_ms"], 3
        )
        emit(record)
        records.append(record)
    emit(
        {
            "benchmark": "graph",
            "ratio": round(max(r["ratio"] for r in records), 3),
            **{f"{r['graph']}_ratio": r["ratio"] for r in records},
            **{f"{r['graph']}_ratio_without_values": r["ratio_without_values"] for r in records},
            **{f"{r['graph']}_nodes": r["nodes"] for r in records},
            "repeats": REPEATS,
            "goal": "ratio <= 1.0 while drawing values and gradients",
        }
    )


if __name__ == "__main__":
    main()
