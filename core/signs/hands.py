"""The built-in SIGNS set: hands showing 0-5 raised fingers, drawn in code (NumPy, vectorised).

The real SIGNS photos cannot be downloaded at run time, so `synthetic_signs` draws a set that
looks like them: skin tones, walls, sleeves, lighting and sensor noise vary per picture.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np
import torch

from core.signs.dataset import (
    IMAGE_SIZE,
    MAX_IMAGES,
    NUM_CLASSES,
    SignsData,
    SignsDataError,
    SignsDataset,
)

# Hand geometry in "hand units" (palm about 1.0 wide), y pointing down the image, palm centre at
# the origin, index finger on the negative-x side (the thumb's side).
_FINGER_X = (-0.375, -0.125, 0.125, 0.375)  # index, middle, ring, pinky
_FINGER_LENGTH = (0.86, 0.95, 0.88, 0.70)
_FINGER_RADIUS = (0.108, 0.112, 0.106, 0.095)
_PALM_HALF = (0.32, 0.36)  # half-size of the palm's inner box; a 0.18 rounding is added around
_PALM_ROUND = 0.18

_RENDER_CHUNK = 128  # hands drawn per vectorised pass (~2 MB per (N, 64, 64) float32 array)

_SKIN_LIGHT = np.array([0.97, 0.82, 0.70])
_SKIN_DARK = np.array([0.40, 0.26, 0.18])


def _finger_patterns(label: int) -> tuple[tuple[int, ...], int]:
    """Which of (index, middle, ring, pinky) are raised, and whether the thumb is, for a count.

    As in the SIGNS photos: count from the index finger; the thumb comes up only for five.
    """
    return tuple(1 if i < label else 0 for i in range(4)), int(label == 5)


def _sample_hand_parameters(labels: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Draw every random choice for a batch of hands at once (arrays of length N)."""
    n = len(labels)
    patterns = [_finger_patterns(int(label)) for label in labels]
    raised = np.array([fingers for fingers, _ in patterns], dtype=np.float32).reshape(n, 4)
    thumb = np.array([thumb_up for _, thumb_up in patterns], dtype=np.float32)

    tone = rng.random(n)
    skin = _SKIN_LIGHT[None] * (1 - tone[:, None]) + _SKIN_DARK[None] * tone[:, None]
    skin = skin * rng.uniform(0.92, 1.08, (n, 3))  # a little hue drift
    background = rng.uniform(0.15, 0.98, (n, 3))
    grey = rng.random(n) < 0.5  # half the backgrounds are near-grey walls, as in the photos
    background[grey] = background[grey].mean(axis=1, keepdims=True) + rng.normal(
        0, 0.03, (grey.sum(), 3)
    )
    sleeve = rng.uniform(0.05, 0.9, (n, 3))
    return {
        "raised": raised,
        "thumb": thumb,
        "mirror": np.where(rng.random(n) < 0.5, -1.0, 1.0),  # left or right hand
        "angle": np.deg2rad(rng.uniform(-12, 12, n)),
        "scale": rng.uniform(19.0, 25.0, n),  # pixels per hand unit
        "cx": IMAGE_SIZE / 2 + rng.uniform(-4, 4, n),
        "cy": IMAGE_SIZE / 2 + 6 + rng.uniform(-4, 4, n),
        "finger_length": rng.uniform(0.9, 1.15, n)[:, None] * rng.uniform(0.93, 1.07, (n, 4)),
        "finger_width": rng.uniform(0.88, 1.12, n),
        "spread": np.deg2rad(rng.uniform(5, 14, n))[:, None] * np.array([-1.5, -0.5, 0.5, 1.5])
        + np.deg2rad(rng.normal(0, 2.5, (n, 4))),
        "thumb_angle": np.deg2rad(rng.uniform(35, 70, n)),
        "thumb_length": rng.uniform(0.6, 0.8, n),
        "palm_width": rng.uniform(0.9, 1.1, n),
        "skin": np.clip(skin, 0, 1),
        "background": np.clip(background, 0, 1),
        "texture": rng.uniform(0.0, 0.12, n),
        "stripes": np.where(rng.random(n) < 0.2, rng.uniform(0.02, 0.06, n), 0.0),
        "stripe_freq": rng.uniform(0.2, 0.9, n),
        "stripe_angle": rng.uniform(0, np.pi, n),
        "sleeve": sleeve,
        "has_sleeve": (rng.random(n) < 0.5).astype(np.float32),
        "brightness": rng.uniform(0.78, 1.12, n),
        "light_angle": rng.uniform(0, 2 * np.pi, n),
        "light_strength": rng.uniform(0.0, 0.3, n),
        "noise": rng.uniform(0.004, 0.025, n),
    }


def _capsule(u, v, ax, ay, bx, by, ra, rb):
    """Signed distance (hand units) from points (u, v) to a capsule from a (radius ra) to b (rb)."""
    bax, bay = bx - ax, by - ay  # (N, 1, 1): the segment
    pax, pay = u - ax, v - ay  # (N, 64, 64): pixel relative to its start
    h = pax * (bax / (bax * bax + bay * bay + 1e-9))
    h += pay * (bay / (bax * bax + bay * bay + 1e-9))
    np.clip(h, 0, 1, out=h)  # how far along the segment the nearest point is
    pax -= h * bax
    pay -= h * bay
    distance = np.hypot(pax, pay, out=pax)
    h *= rb - ra
    distance -= h
    distance -= ra
    return distance


def _rounded_box(u, v, half_w, half_h, radius):
    """Signed distance (hand units) from points (u, v) to a rounded box centred at the origin."""
    qx, qy = np.abs(u) - half_w, np.abs(v) - half_h
    outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
    inside = np.minimum(np.maximum(qx, qy), 0)
    return outside + inside - radius


def _col(values) -> np.ndarray:
    """A length-N parameter as float32 shaped (N, 1, 1), to broadcast over the pixel grid."""
    return np.asarray(values, dtype=np.float32).reshape(-1, 1, 1)


def _rgb(values) -> np.ndarray:
    """(N, 3) colours as float32 (N, 3, 1, 1), to broadcast over the pixel grid."""
    return np.asarray(values, dtype=np.float32)[:, :, None, None]


def _smooth_upsample(size: int, knots: int) -> np.ndarray:
    """(size, knots) weights that blend a coarse grid of random values into a smooth picture."""
    pixels = (np.arange(size) + 0.5) / size
    centres = (np.arange(knots) + 0.5) / knots
    weights = np.exp(-(((pixels[:, None] - centres[None]) * knots / 0.8) ** 2))
    return (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)


def _pixel_grid() -> tuple[np.ndarray, np.ndarray]:
    """Pixel centres (px, py), each float32 (1, 64, 64)."""
    coords = np.arange(IMAGE_SIZE, dtype=np.float32) + 0.5
    py, px = np.meshgrid(coords, coords, indexing="ij")
    return px[None], py[None]


def _hand_frame(p: dict[str, np.ndarray], px: np.ndarray, py: np.ndarray):
    """Pixel -> hand frame: undo translation, rotation, scale and the left/right mirror.

    Returns (u, v) in hand units, each (N, 64, 64), and the scale (N, 1, 1) in pixels per unit.
    """
    scale, angle = _col(p["scale"]), _col(p["angle"])
    dx, dy = px - _col(p["cx"]), py - _col(p["cy"])
    cos, sin = np.cos(angle), np.sin(angle)
    u = (cos * dx + sin * dy) / scale * _col(p["mirror"])  # (N, 64, 64)
    v = (-sin * dx + cos * dy) / scale
    return u, v, scale


def _background(p: dict[str, np.ndarray], rng: np.random.Generator, px, py) -> np.ndarray:
    """Base colour, blotchy low-frequency texture, optional stripes: float32 (N, 3, 64, 64)."""
    n = len(p["angle"])
    upsample = _smooth_upsample(IMAGE_SIZE, 5)
    blotches = rng.random((n, 3, 5, 5), dtype=np.float32) - 0.5
    blotches = np.einsum("ik,nckl,jl->ncij", upsample, blotches, upsample, optimize=True)
    stripe_dir = _col(p["stripe_angle"])
    stripes = np.sin(_col(p["stripe_freq"]) * (np.cos(stripe_dir) * px + np.sin(stripe_dir) * py))
    return (
        _rgb(p["background"])
        + _col(p["texture"])[:, None] * blotches
        + (_col(p["stripes"]) * stripes)[:, None]
    ).astype(np.float32)  # (N, 3, 64, 64)


def _coverage(distance: np.ndarray, scale: np.ndarray):
    """Hand-unit distance -> (alpha, shade): anti-aliased coverage, darker rim inside."""
    d_px = distance * scale  # (N, 64, 64) in pixels
    alpha = np.clip(0.5 - d_px, 0, 1)
    shade = np.clip(d_px, -2, 0)
    shade += 2
    shade *= -0.2
    shade += 1.0  # 0.6 at the edge, 1 from 2 px inside: parts stay apart where they overlap
    return alpha, shade


class _Hand:
    """The hand composited in one channel (premultiplied shade `lit`, coverage `covered`).

    It is coloured once at the end: every part is skin, only its shade differs.
    """

    def __init__(self, n: int):
        self.lit = np.zeros((n, IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
        self.covered = np.zeros((n, IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)

    def lay(self, alpha, shade, tone=1.0, visible=None) -> None:
        """Paint one part over what is there (hidden where `visible` is 0)."""
        if visible is not None:
            alpha = alpha * _col(visible)
        self.lit[...] += alpha * (shade * tone - self.lit)
        self.covered[...] += alpha * (1 - self.covered)


def _finger_distances(p: dict[str, np.ndarray], u, v) -> tuple[list[np.ndarray], np.ndarray]:
    """Signed distances to the four fingers and the thumb.

    Raised fingers stand up behind the palm, folded ones curl over its top edge: each finger is
    one capsule whose ends depend on its state.
    """
    width, palm_w = p["finger_width"], p["palm_width"]
    fingers = []
    for i in range(4):
        raised = p["raised"][:, i] > 0
        base_x = _FINGER_X[i] * palm_w
        length = _FINGER_LENGTH[i] * p["finger_length"][:, i]
        radius = _FINGER_RADIUS[i] * width
        start_y = np.where(raised, -0.30, -0.55)
        end_x = np.where(raised, base_x + length * np.sin(p["spread"][:, i]), base_x * 0.9)
        end_y = np.where(raised, -0.30 - length * np.cos(p["spread"][:, i]), -0.26)
        start_r = radius * np.where(raised, 1.05, 1.08)
        end_r = radius * np.where(raised, 0.92, 1.0)
        fingers.append(
            _capsule(
                u,
                v,
                _col(base_x),
                _col(start_y),
                _col(end_x),
                _col(end_y),
                _col(start_r),
                _col(end_r),
            )
        )
    thumb_up = p["thumb"] > 0
    side = -0.40 * palm_w
    thumb = _capsule(
        u,
        v,
        _col(np.where(thumb_up, side, side - 0.05)),
        _col(np.where(thumb_up, 0.25, 0.28)),
        _col(
            np.where(thumb_up, side - p["thumb_length"] * np.sin(p["thumb_angle"]), 0.12 * palm_w)
        ),
        _col(np.where(thumb_up, 0.22 - p["thumb_length"] * np.cos(p["thumb_angle"]), -0.12)),
        _col(0.15 * width),
        _col(np.where(thumb_up, 0.12, 0.125) * width),
    )
    return fingers, thumb


def _paint_hand(p: dict[str, np.ndarray], image: np.ndarray, u, v, scale) -> None:
    """Sleeve, forearm, fingers, thumb and palm, painted into `image` in place."""
    palm_w = p["palm_width"]
    # A sleeve on half of them, under everything; the forearm comes out of it (or, without a
    # sleeve, leaves the picture at the bottom).
    sleeve_alpha, sleeve_shade = _coverage(_capsule(u, v, 0.0, 1.25, 0.0, 4.0, 0.5, 0.55), scale)
    sleeve_alpha *= _col(p["has_sleeve"])
    image += sleeve_alpha[:, None] * (_rgb(p["sleeve"]) * sleeve_shade[:, None] - image)
    hand = _Hand(len(p["angle"]))
    forearm_end = _col(np.where(p["has_sleeve"] > 0, 1.0, 4.0))
    forearm = _capsule(u, v, 0.0, 0.3, 0.0, forearm_end, 0.36 * _col(palm_w), 0.40 * _col(palm_w))
    hand.lay(*_coverage(forearm, scale), tone=0.95)

    # Raised fingers are painted below the palm, folded ones above it.
    finger_distances, thumb_distance = _finger_distances(p, u, v)
    fingers = [_coverage(distance, scale) for distance in finger_distances]
    thumb = _coverage(thumb_distance, scale)
    for i in range(4):
        hand.lay(*fingers[i], visible=p["raised"][:, i])
    hand.lay(*thumb, visible=p["thumb"])
    palm = _rounded_box(u / _col(palm_w), v, _PALM_HALF[0], _PALM_HALF[1], _PALM_ROUND)
    hand.lay(*_coverage(palm, scale))
    for i in range(4):
        hand.lay(*fingers[i], tone=0.93, visible=1 - p["raised"][:, i])
    hand.lay(*thumb, tone=0.97, visible=1 - p["thumb"])
    image *= 1 - hand.covered[:, None]
    image += _rgb(p["skin"]) * hand.lit[:, None]


def _render_hands(p: dict[str, np.ndarray], noise_seed: int) -> np.ndarray:
    """Draw a batch of hands from their parameters: uint8 (N, 3, 64, 64).

    Every part of the hand is a signed distance field over the pixel grid (vectorised over the
    batch, in NumPy so it never competes for torch's thread pool), so edges are anti-aliased
    for free and each part gets a darker rim where it ends.
    """
    rng = np.random.default_rng(noise_seed)
    size = IMAGE_SIZE
    px, py = _pixel_grid()
    u, v, scale = _hand_frame(p, px, py)
    image = _background(p, rng, px, py)
    _paint_hand(p, image, u, v, scale)

    # Lighting: overall brightness and a gradient from one side; then sensor noise.
    light_dir = _col(p["light_angle"])
    gradient = (np.cos(light_dir) * (px - size / 2) + np.sin(light_dir) * (py - size / 2)) / size
    light = _col(p["brightness"]) * (1 + 2 * _col(p["light_strength"]) * gradient)
    image *= light[:, None]
    image += _col(p["noise"])[:, None] * rng.standard_normal(image.shape, dtype=np.float32)
    return (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)


def _balanced_labels(n: int, rng: np.random.Generator) -> np.ndarray:
    """n labels with every class count within one of the others, in a random order."""
    labels = np.arange(n) % NUM_CLASSES
    extra = rng.permutation(NUM_CLASSES)[: n % NUM_CLASSES]  # which classes get the remainder
    labels[n - n % NUM_CLASSES :] = extra
    return rng.permutation(labels)


def draw_hands(labels: Iterable[int], seed: int = 0) -> torch.Tensor:
    """Draw one hand per label (0-5 raised fingers): uint8 tensor (N, 3, 64, 64).

    Deterministic for a seed; use it for "a fresh built-in picture" to predict.
    """
    labels = np.asarray(list(labels), dtype=np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise SignsDataError("Hand labels must be numbers of raised fingers from 0 to 5.")
    rng = np.random.default_rng([seed, 7])
    params = _sample_hand_parameters(labels, rng)
    images = np.zeros((len(labels), 3, IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
    chunk = _RENDER_CHUNK
    for start in range(0, len(labels), chunk):
        part = {key: value[start : start + chunk] for key, value in params.items()}
        images[start : start + chunk] = _render_hands(part, noise_seed=seed * 100_003 + start)
    return torch.from_numpy(images)


def _synthetic_split(n: int, seed: int, split: int) -> SignsDataset:
    rng = np.random.default_rng([seed, split])
    labels = _balanced_labels(n, rng)
    images = draw_hands(labels, seed=int(rng.integers(2**31)))
    return SignsDataset(images, torch.as_tensor(labels))


def synthetic_signs(n_train: int = 1080, n_test: int = 120, seed: int = 0) -> SignsData:
    """The built-in SIGNS set: hands drawn in code showing 0-5 raised fingers.

    Balanced classes (counts differ by at most one), deterministic for (n_train, n_test, seed);
    the train and test pictures come from separate random streams, so the test set does not
    change when only n_train does. 1080 + 120 images take 2-3 s of one core.
    """
    for name, value in (("n_train", n_train), ("n_test", n_test)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise SignsDataError(f"{name} must be a whole number of images, at least 1.")
    if n_train + n_test > MAX_IMAGES:
        raise SignsDataError(
            f"{n_train + n_test} images is more than the built-in set makes; "
            f"ask for at most {MAX_IMAGES} in total."
        )
    n_train, n_test = int(n_train), int(n_test)
    return SignsData(
        train=_synthetic_split(n_train, seed, 0),
        test=_synthetic_split(n_test, seed, 1),
        source=f"built-in hands, {n_train} train / {n_test} test, seed {seed}",
    )
