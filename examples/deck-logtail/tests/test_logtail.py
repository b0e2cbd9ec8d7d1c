"""deck-logtail in a headless deck, on real files: follow, level filter, pause, rotation, errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from deck.testing import Harness

LAYOUT = Path(__file__).resolve().parents[1] / "layouts" / "logtail.yaml"

Opener = Callable[..., Harness]


@pytest.fixture
def logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """app.log and worker.log in a fresh folder that deck runs in (the layout's paths are relative)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.log").write_text("10:00:01 INFO app started\n10:00:02 WARNING disk 91% full\n")
    (tmp_path / "worker.log").write_text('ts=1 level=error msg="worker 3 lost"\n')
    yield tmp_path


def append(path: Path, text: str) -> None:
    with path.open("a") as file:
        file.write(text)


def test_both_files_show_with_their_levels(deck_harness: Opener, logs: Path) -> None:
    deck = deck_harness(LAYOUT)
    screen = deck.wait_for("worker 3 lost")
    assert "INFO  10:00:01 INFO app started" in screen
    assert "WARN  10:00:02 WARNING disk 91% full" in screen
    assert 'ERROR ts=1 level=error msg="worker 3 lost"' in screen


def test_new_lines_follow_and_the_level_filter_hides_info(deck_harness: Opener, logs: Path) -> None:
    deck = deck_harness(LAYOUT)
    deck.wait_for("app started")
    append(logs / "app.log", "10:00:03 ERROR checkpoint write failed\n")
    deck.wait_for("checkpoint write failed")
    deck.press("v", "v")  # DEBUG+ -> INFO+ -> WARN+
    screen = deck.wait_for("showing WARN and worse")
    assert "app started" not in screen
    assert "disk 91% full" in screen and "checkpoint write failed" in screen


def test_pause_holds_the_view_until_resumed(deck_harness: Opener, logs: Path) -> None:
    deck = deck_harness(LAYOUT)
    deck.wait_for("app started")
    deck.press("p")
    deck.wait_for("paused")
    append(logs / "app.log", "10:00:04 INFO new while paused\n")
    deck.run(1.2)  # more than two reads
    assert "new while paused" not in deck.text()
    deck.press("p")
    deck.wait_for("new while paused")


def test_rotation_starts_the_tail_over(deck_harness: Opener, logs: Path) -> None:
    deck = deck_harness(LAYOUT)
    deck.wait_for("app started")
    (logs / "app.log").rename(logs / "app.log.1")
    (logs / "app.log").write_text("11:00:00 INFO fresh file\n")
    screen = deck.wait_for("fresh file")
    assert "app started" not in screen


def test_a_missing_file_is_reported_in_its_panel(deck_harness: Opener, logs: Path) -> None:
    (logs / "worker.log").unlink()
    deck = deck_harness(LAYOUT)
    deck.wait_for("app started")
    deck.wait_for("FileNotFoundError: worker.log does not")  # the panel wraps the rest
