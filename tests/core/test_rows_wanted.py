"""A fixed-height row shrinks to what its panels hold or ask for; a panel alone in a row can hide."""

from __future__ import annotations

from pathlib import Path

from deck.testing import open_deck

PLUGIN = """
import itertools

from deck import Option, Panel, PanelType, Source, hookimpl
from deck.widgets import KeyValue

TICKS = itertools.count()


class Lines(Panel):
    sources = ("sized.tick",)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.wanted = ctx.options.get("wanted")
        self.widget = KeyValue([("line", "one"), ("line", "two")])

    @property
    def rows_wanted(self):
        return self.wanted


@hookimpl
def deck_sources(config):
    return [Source("sized.tick", lambda: next(TICKS), interval=None)]


@hookimpl
def deck_panels():
    return [PanelType("sized.lines", Lines, {"wanted": Option(int, None)})]
"""

LAYOUT = """
title: SIZED
plugins:
  sized: {from: sized.py}
screens:
  - name: One
    rows:
      - panel: sized.lines
        title: Sized
        height: 10
      - panel: sized.lines
        title: Rest
"""


def top_of(screen: str, title: str) -> int | None:
    """The screen row of a panel's top border, or None when it is not drawn."""
    return next((i for i, line in enumerate(screen.splitlines()) if f"─ {title} ─" in line), None)


def test_a_panel_shrinks_hides_and_returns(tmp_path: Path) -> None:
    (tmp_path / "sized.py").write_text(PLUGIN)
    (tmp_path / "sized.yaml").write_text(LAYOUT)
    harness = open_deck(tmp_path / "sized.yaml", size=(60, 24))
    try:
        harness.first_results()
        sized = harness.deck.panels("sized.lines")[0]
        assert top_of(harness.text(), "Rest") == 2 + 4  # what it holds: two lines and borders
        sized.wanted = 5  # type: ignore[attr-defined]
        harness.deck.scheduler.refresh("sized.tick")
        assert harness.wait_until(lambda: top_of(harness.text(), "Rest") == 2 + 7)  # its own word wins
        sized.wanted = 0  # type: ignore[attr-defined]
        harness.deck.scheduler.refresh("sized.tick")
        assert harness.wait_until(lambda: top_of(harness.text(), "Sized") is None)
        assert top_of(harness.text(), "Rest") == 2
        assert harness.wait_until(
            lambda: harness.deck.focused is not None and harness.deck.focused.panel is not sized
        )
        harness.press("tab")  # Tab skips the hidden panel
        assert harness.deck.focused.panel is not sized
        sized.wanted = 30  # more than the layout gives: it gets what the layout gives
        harness.deck.scheduler.refresh("sized.tick")
        assert harness.wait_until(lambda: top_of(harness.text(), "Rest") == 2 + 10)
    finally:
        harness.stop()


def test_a_row_of_panels_takes_the_height_of_its_tallest_request(tmp_path: Path) -> None:
    (tmp_path / "sized.py").write_text(PLUGIN)
    (tmp_path / "sized.yaml").write_text(
        LAYOUT.replace(
            """      - panel: sized.lines
        title: Sized
        height: 10""",
            """      - height: 10
        columns:
          - panel: sized.lines
            title: Three
            options: {wanted: 3}
          - panel: sized.lines
            title: Five
            options: {wanted: 5}""",
        )
    )
    harness = open_deck(tmp_path / "sized.yaml", size=(60, 24))
    try:
        harness.first_results()
        assert harness.wait_until(lambda: top_of(harness.text(), "Rest") == 2 + 5 + 2)
        five = harness.deck.panels("sized.lines")[1]
        five.wanted = 0  # type: ignore[attr-defined]
        harness.deck.scheduler.refresh("sized.tick")
        assert harness.wait_until(lambda: top_of(harness.text(), "Rest") == 2 + 3 + 2)
        assert "─ Three ─" in harness.text()
    finally:
        harness.stop()
