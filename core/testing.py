"""Testing decks and plugins with pytest: build a deck from a layout, press keys, read the screen.

Registered as a pytest plugin, so the `deck_harness` fixture is available in any test::

    def test_my_panel(deck_harness):
        deck = deck_harness("layouts/mine.yaml", size=(100, 30))
        deck.wait_for("My panel")
        deck.press("tab", "k")
        assert "Send a signal" in deck.text()
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from deck._app import build_deck
from deck._clock import use_clock
from deck._headless import Harness

__all__ = ["Clock", "Harness", "deck_harness", "open_deck"]


class Clock:
    """A wall clock that moves only when told, for screens that read the same on every run."""

    def __init__(self, start: float) -> None:
        self.time = start

    def __call__(self) -> float:
        return self.time

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.time += seconds


def open_deck(
    layout: str | Path,
    *,
    size: tuple[int, int] = (120, 40),
    theme: str | None = None,
    read_only: bool = False,
    clock: Callable[[], float] | None = None,
    ascii: bool = False,
) -> Harness:
    """Build a deck from a layout name or path and start it headless (stop it when done).

    With `clock` (a `Clock`, say), `deck.now()` and every time the deck shows follow it until
    the harness stops.
    """
    use_clock(clock)
    deck = build_deck(layout, theme=theme, read_only=read_only, ascii=ascii)
    return Harness(deck, size).start()


@pytest.fixture
def deck_harness() -> Iterator[Callable[..., Harness]]:
    """A factory for started headless decks; every deck it opens is stopped after the test."""
    opened: list[Harness] = []

    def factory(layout: str | Path, **kwargs: object) -> Harness:
        harness = open_deck(layout, **kwargs)  # type: ignore[arg-type]
        opened.append(harness)
        return harness

    yield factory
    for harness in opened:
        harness.stop()
