"""Checks for configs and requests: each failure raises the caller's ValueError with a sentence.

Every frozen config (`SineFitConfig`, `ClassifierConfig`, the inspector's specs) validates its
fields with these, so a bad value always reads the same way: what is wrong and what to pick.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import fields
from typing import Any

ErrorType = type[ValueError]


def require(ok: bool, sentence: str, error: ErrorType = ValueError) -> None:
    """Raise `error(sentence)` unless `ok`."""
    if not ok:
        raise error(sentence)


def one_of(value: Any, choices: Iterable, sentence: str, error: ErrorType = ValueError) -> None:
    """Raise `error` unless `value` is one of `choices`; `{choices}` in the sentence lists them.

    Only that placeholder is filled (no `str.format`), so the sentence may quote what the user
    typed, braces included. A value that cannot be compared (unhashable, say) is not one of them.
    """
    choices = list(choices)
    try:
        ok = value in choices
    except TypeError:
        ok = False
    require(ok, sentence.replace("{choices}", ", ".join(map(str, choices))), error)


def in_range(
    value: float,
    low: float,
    high: float,
    sentence: str,
    error: ErrorType = ValueError,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """Raise `error` unless `value` is a finite number between `low` and `high`.

    The bounds count as inside unless `low_open` / `high_open` say otherwise.
    """
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and (
            value < high if high_open else value <= high
        )
    require(ok, sentence, error)


def typed_fields(cls: type, raw: dict, error: ErrorType = ValueError) -> dict:
    """The known fields of dataclass `cls` from `raw` (e.g. parsed JSON), each of its default's type.

    Unknown keys are ignored; an int is accepted for a float field; any other mismatch
    (a bool for an int included) raises `error` naming the setting.
    """
    defaults = cls()
    values = {}
    for field in fields(cls):
        if field.name not in raw:
            continue
        value = raw[field.name]
        expected = type(getattr(defaults, field.name))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise error(
                f"The saved setting '{field.name}' should be a {expected.__name__}, not {value!r}."
            )
        values[field.name] = value
    return values
