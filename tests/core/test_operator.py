"""What an operator meets first: filters and Esc, help, the palette, details, refresh, stale data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from deck._detail import osc52
from deck.testing import Harness, open_deck


@pytest.fixture
def deck(layouts: Path) -> Iterator[Harness]:
    harness = open_deck(layouts / "operator.yaml", size=(100, 30))
    harness.wait_for("alpha")
    yield harness
    harness.stop()


def plugin(harness: Harness) -> object:
    return harness.deck.parts.host.plugins["clashing"].obj


def test_slash_on_a_panel_that_cannot_filter_says_so_and_swallows_what_follows(deck: Harness) -> None:
    deck.press("tab")  # the Count panel
    deck.press("/").type("zzq")
    screen = deck.text()
    assert "Count cannot be filtered" in screen
    assert deck.deck.closed is not None and not deck.deck.closed.done()  # q did not quit
    deck.press("esc")
    assert deck.deck.overlays.top is None
    assert "cannot be filtered" not in deck.text()


def test_esc_in_the_input_cancels_the_edit_and_esc_on_the_panel_clears(deck: Harness) -> None:
    table = deck.deck.panels("clashing.list")[0].table  # type: ignore[attr-defined]
    deck.press("/").type("alp").press("enter")
    assert table.filter == "alp"
    assert "[Esc] clear /alp" in deck.text()  # the footer says how to clear it
    deck.press("/").type("ha")
    assert "Esc cancels the edit" in deck.text()  # the input's title gives the rule
    assert table.filter == "alpha"
    deck.press("esc")
    assert table.filter == "alp"  # the edit is cancelled, the filter stays
    deck.press("esc")
    assert table.filter == ""  # Esc on the panel clears it
    assert "filter /alp cleared" in deck.text()


def test_help_lists_keys_by_scope_says_it_scrolls_and_shows_a_moved_key(deck: Harness) -> None:
    deck.resize(100, 20).press("?")
    screen = deck.text()
    assert "scroll" in screen.split("\n")[3]  # the help's title row
    assert "This panel: List" in screen and "Remove" in screen
    deck.press("page down")
    assert "Refresh this panel (moved from r)" in deck.text()
    deck.press("end")
    screen = deck.text()
    assert "In every table and log" in screen
    assert "This panel: List" not in screen  # it scrolled
    deck.press("esc")
    assert deck.deck.overlays.top is None


def test_palette_finds_actions_of_other_screens_and_panels_and_jumps_there(deck: Harness) -> None:
    deck.press(":").type("count again")
    assert "Panel: Count again" in deck.text()
    deck.press("enter")
    assert deck.deck.screen.spec.name == "Second screen"
    deck.press(":").type("remove")
    screen = deck.text()
    assert "Remove" in screen and "List · Tables" in screen  # where it applies
    deck.press("enter")
    assert deck.deck.screen.spec.name == "Tables"
    assert deck.deck.focused is not None and deck.deck.focused.type_name == "clashing.list"
    assert "removed alpha" in deck.text()


def test_enter_opens_the_whole_row_wrapped_and_copyable(deck: Harness) -> None:
    copied: list[str] = []
    deck.deck.on_clipboard = copied.append
    deck.press("down", "enter")
    screen = deck.text()
    assert "THE END" in screen  # the whole note, wrapped
    assert "Name: beta" in screen and "Note:" in screen
    deck.press("c")
    assert copied == [osc52("Name: beta\nNote:\n" + "a long note " * 20 + "THE END")]
    assert "sent 264 characters to the terminal" in deck.text()
    deck.press("w")
    assert "THE END" not in deck.text()  # unwrapped, the end is off to the right
    deck.press("esc", "tab", "tab", "up", "enter")  # the log (following, so on its last line)
    assert "THE END" in deck.text() and "INFO" in deck.text()


def test_refresh_reports_a_failure_and_the_panel_says_how_old_its_data_is(deck: Harness) -> None:
    deck.press("R")
    assert deck.wait_for("refreshed clashing.rows")
    plugin(deck).failing = True  # type: ignore[attr-defined]
    deck.press("R")
    screen = deck.wait_for("refresh failed")
    assert "✗ refresh failed: clashing.rows: ConnectionError: the backend is offline" in screen
    assert "stale 0 s" in screen or "stale 1 s" in screen
    deck.resize(80, 24)
    top = deck.text().split("\n")
    assert "failing" in top[0]  # the header keeps its health at 80 columns
    assert any("stale" in line for line in top[2:4])  # and so does the panel's border
    plugin(deck).failing = False  # type: ignore[attr-defined]
    deck.press("R")
    assert deck.wait_for("refreshed clashing.rows")
    assert "stale" not in deck.text()


def test_a_log_scrolls_sideways_to_the_end_of_a_long_line(deck: Harness) -> None:
    deck.press("tab", "tab")  # the Notes log, 47 cells wide
    assert "THE END" not in deck.text()
    for _ in range(20):  # more than it takes: the end of the longest line stays in view
        deck.press("right")
    assert "THE END" in deck.text()
    for _ in range(20):
        deck.press("left")
    assert "beta: a long note" in deck.text()


def test_a_table_scrolls_its_long_columns_sideways(deck: Harness) -> None:
    assert "THE END" not in deck.text()
    for _ in range(10):
        deck.press("right")
    screen = deck.text()
    assert "THE END" in screen and "beta" in screen  # the fixed Name column stays put
    for _ in range(10):
        deck.press("left")
    assert "a long note a long note" in deck.text()


def test_enter_on_a_key_value_panel_shows_every_pair_whole(deck: Harness) -> None:
    deck.press("tab", "enter")  # the Count panel
    assert "rows: 3" in deck.text()
    deck.press("q")  # closes the detail, never the deck
    assert deck.deck.overlays.top is None and not deck.deck.closed.done()  # type: ignore[union-attr]
