"""Screens that stay honest when small or plain: sparklines, tabs, the mono theme."""

from __future__ import annotations

from pathlib import Path

from deck._shell import _abbreviate
from deck._theme import find_theme, load_theme
from deck.testing import open_deck
from deck.widgets import sparkline
from deck.widgets._render import fit


def test_a_clipped_sparkline_keeps_its_newest_samples_at_the_right_edge() -> None:
    line = fit([(None, "cpu0 "), *sparkline([1, 2, 3, 4, 5, 6, 7, 8])], 9)  # 13 cells into 9
    assert "".join(text for _, text in line) == "cpu0 ▅▆▇█"
    wide = fit([(None, "cpu0 "), *sparkline([1, 2, 3, 4, 5, 6, 7, 8])], 20)
    assert "".join(text for _, text in wide).rstrip() == "cpu0 ▁▂▃▄▅▆▇█"


def test_mono_shows_focus_and_selection_on_a_colour_terminal() -> None:
    theme = load_theme(find_theme("mono"))
    for depth in ("truecolor", "256", "16"):
        palette = {entry[0]: entry for entry in theme.palette(depth)}
        assert "standout" in palette["selected"][1] and "standout" in palette["selected"][4]
        assert "standout" in palette["title"][4]  # the focused panel's title
        assert "standout" in palette["tab_active"][4]
        assert palette["text"][1] == "default"  # plain text stays plain


def test_tab_names_abbreviate_before_they_vanish(layouts: Path) -> None:
    harness = open_deck(layouts / "operator.yaml", size=(120, 30))
    try:
        assert "1 Tables   2 Second screen" in harness.text()
        harness.resize(24, 30)
        assert harness.text().split("\n")[1] == " 1 Tables   2 Second…"
        harness.resize(20, 30)
        assert harness.text().split("\n")[1] == " 1 Tables   2 Sec…"
        harness.resize(17, 30)
        assert harness.text().split("\n")[1] == " 1 Tables   2 S"
    finally:
        harness.stop()
    assert _abbreviate("MIGRATIONS", 6) == "MIGRA…"
    assert _abbreviate("NODES", 2) == "NO"


def test_a_fixed_height_box_shrinks_to_its_content_and_grows_back(layouts: Path) -> None:
    harness = open_deck(layouts / "operator.yaml", size=(100, 30))
    try:
        harness.wait_for("alpha")
        lines = harness.text().split("\n")
        top = next(i for i, line in enumerate(lines) if "┌─ Count" in line)
        bottom = next(i for i in range(top + 1, len(lines)) if lines[i].startswith("└"))
        assert bottom - top + 1 == 5  # three notes and the border, not the layout's 10 rows
        log = harness.deck.panels("clashing.notes")[0].log  # type: ignore[attr-defined]
        log.extend([log.current] * 20)
        lines = harness.text().split("\n")
        top = next(i for i, line in enumerate(lines) if "┌─ Count" in line)
        bottom = next(i for i in range(top + 1, len(lines)) if lines[i].startswith("└"))
        assert bottom - top + 1 == 10  # never more than the layout gives it
    finally:
        harness.stop()
