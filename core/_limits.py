"""The bounds every file and number the deck reads must stay within, so hostile input is refused early."""

from __future__ import annotations

import math
from typing import Final

__all__ = [
    "FLOAT_RANGE",
    "INT_RANGE",
    "MAX_YAML_BYTES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_VALUES",
    "nearest",
    "number_problem",
]

#: The largest YAML file read (layouts and themes are a few kilobytes).
MAX_YAML_BYTES: Final = 1_000_000
#: The deepest nesting of mappings and lists (the parser itself recurses).
MAX_YAML_DEPTH: Final = 64
#: The most values a YAML file may hold once its aliases are expanded.
MAX_YAML_VALUES: Final = 20_000

#: The range of a whole-number option that declares none (widths, counts, sizes).
INT_RANGE: Final = (0, 100_000)
#: The range of a decimal option that declares none: deck's decimal options are seconds.
FLOAT_RANGE: Final = (0.01, 86_400.0)


def nearest(value: float, low: float, high: float) -> float:
    """The number in [low, high] closest to `value` (for "did you mean" hints)."""
    return low if not value >= low else min(value, high)


def number_problem(value: float, low: float | None, high: float | None) -> str | None:
    """Say why `value` is not a finite number within [low, high], or None when it is."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number, got {value!r}"
    if low is not None and value < low:
        return f"must be at least {low:g}, got {value!r}"
    if high is not None and value > high:
        return f"must be at most {high:g}, got {value!r}"
    return None
