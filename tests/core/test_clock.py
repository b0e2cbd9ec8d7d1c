"""The deck's clock: a test fixes it, everything drawn follows it, and stopping gives it back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import deck
from deck.testing import Clock, open_deck
from deck.widgets import relative_time


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_fixed_clock_drives_the_header_the_status_line_and_ages(utc: None, layouts: Path) -> None:
    clock = Clock(1_767_225_600.0 + 3600)  # 01:00:00 UTC
    harness = open_deck(layouts / "flaky.yaml", size=(100, 12), clock=clock)
    try:
        screen = harness.wait_for("count")
        assert screen.splitlines()[0].endswith("01:00:00")
        assert screen.splitlines()[-1].startswith("01:00:00 · ready")
        assert deck.now() == clock.time
        clock.advance(75)
        assert relative_time(clock.time - 75) == "1m ago"
        harness.wait_until(lambda: harness.text().splitlines()[0].endswith("01:01:15"), what="the tick")
    finally:
        harness.stop()
    assert abs(deck.now() - time.time()) < 60


def test_a_layout_without_seconds_shows_minutes_and_refuses_other_clocks(
    utc: None, layouts: Path, tmp_path: Path
) -> None:
    text = (layouts / "flaky.yaml").read_text().replace("../plugins", str(layouts.parent / "plugins"))
    minutes = tmp_path / "minutes.yaml"
    minutes.write_text("clock: minutes\n" + text)
    harness = open_deck(minutes, size=(100, 12), clock=Clock(1_767_225_600.0 + 3600 + 59))
    try:
        assert harness.wait_for("count").splitlines()[0].splitlines()[0].rstrip().endswith(" 01:00")
    finally:
        harness.stop()
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("clock: hours\n" + text)
    with pytest.raises(deck.LayoutError, match="clock must be one of seconds, minutes, got 'hours'"):
        open_deck(wrong)


def test_a_draw_for_the_clock_alone_redraws_the_header_and_not_the_panels(
    utc: None, layouts: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    text = (layouts / "flaky.yaml").read_text().replace("../plugins", str(layouts.parent / "plugins"))
    still = tmp_path / "still.yaml"  # the counter fetched once: nothing but the clock changes
    still.write_text(text.replace("flaky.py\n", "flaky.py\n    interval: 3600\n", 1))
    clock = Clock(1_767_225_600.0 + 3600)
    harness = open_deck(still, size=(100, 12), clock=clock)
    try:
        harness.wait_for("count")
        grid = harness.deck.screen.widget
        drawn: list[int] = []
        render = grid.render
        monkeypatch.setattr(grid, "render", lambda *a, **k: drawn.append(1) or render(*a, **k))
        before = harness.text().splitlines()
        drawn.clear()
        harness.deck.clock_only = True  # what the tick sets when nothing else waits to be drawn
        clock.advance(1)
        after = harness.text().splitlines()
        # the status line's recorder reach may tick too; the panels are not drawn again
        assert after[0].endswith("01:00:01") and after[1:-1] == before[1:-1] and drawn == []
        harness.press("tab")  # a key is a change: the whole screen is drawn again
        harness.text()
        assert drawn and harness.deck.clock_only is False
    finally:
        harness.stop()
