"""Colour-blind viewers tell the playground's colours apart: each set of colours drawn side by
side is simulated for full protan, deutan and tritan colour vision (Machado et al. 2009, via
colorspacious) and every pair must stay distinguishable (CAM02-UCS ΔE). A ΔE under ~10 reads as
"the same colour" in a chart legend; the issue found run overlays at 1.3–5.4."""

import itertools

import numpy as np
import pytest
from colorspacious import cspace_convert, deltaE

from core.graph.palette import ACTIVE, DONE, KINDS
from ui.live_chart import DASHES, PALETTE
from ui.signs.charts import TRAIN_COLOUR, VAL_COLOUR

VISIONS = ["protanomaly", "deuteranomaly", "tritanomaly"]


def srgb(hex_colour: str) -> np.ndarray:
    text = hex_colour.lstrip("#")
    return np.array([int(text[i : i + 2], 16) for i in (0, 2, 4)]) / 255


def seen(hex_colour: str, vision: str) -> np.ndarray:
    space = {"name": "sRGB1+CVD", "cvd_type": vision, "severity": 100}
    return np.clip(cspace_convert(srgb(hex_colour), space, "sRGB1"), 0, 1)


def distance(a: str, b: str, vision: str) -> float:
    return float(deltaE(seen(a, vision), seen(b, vision), input_space="sRGB1"))


def test_the_simulation_really_merges_red_and_green():
    # the check can fail: a red and a green far apart for normal vision merge for a deutan viewer
    assert float(deltaE(srgb("#D62728"), srgb("#2CA02C"), input_space="sRGB1")) > 40
    assert distance("#D62728", "#2CA02C", "deuteranomaly") < 15


@pytest.mark.parametrize("vision", VISIONS)
def test_run_overlay_colours_stay_apart_for_every_colour_vision(vision):
    worst = min(distance(a, b, vision) for a, b in itertools.combinations(PALETTE, 2))
    assert worst >= 10, f"two run colours are {worst:.1f} apart for {vision}"


def test_each_run_colour_also_has_its_own_dash():
    assert len(set(DASHES)) == len(DASHES)
    assert len(DASHES) >= 6  # a lecture's overlay of six runs never repeats a dash


@pytest.mark.parametrize("vision", VISIONS)
def test_paired_colours_of_signs_and_the_graph_stay_apart(vision):
    assert distance(TRAIN_COLOUR, VAL_COLOUR, vision) >= 30
    assert distance(ACTIVE, DONE, vision) >= 30
    # the graph's kinds the issue found merged (saved against output), and leaf against tensor
    assert distance(KINDS["saved"][0], KINDS["output"][0], vision) >= 15
    assert distance(KINDS["leaf"][0], KINDS["tensor"][0], vision) >= 15
