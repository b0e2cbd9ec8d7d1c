"""The deck's wall clock: what "now" is for headers, status lines, ages and plugins' own times.

It is process-wide, like the icon set: one deck runs per process. Tests fix it (`deck.testing`'s
`open_deck(clock=...)`) so that every clock on the screen reads the same on every run.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["now", "use_clock"]

_clock: Callable[[], float] = time.time


def now() -> float:
    """Unix seconds by the deck's clock (the wall clock unless a test fixed it)."""
    return _clock()


def use_clock(clock: Callable[[], float] | None) -> None:
    """Make `clock` the deck's clock; None goes back to the wall clock."""
    global _clock
    _clock = clock or time.time
