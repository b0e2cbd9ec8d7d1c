"""A recording made against the real `agl store` replays identically without asking the server anything."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from conftest import LAYOUT
from deck_helpers import loaded
from populate import populate

from deck._app import build_deck
from deck._recorder_config import open_replay
from deck._recording import read_recording
from deck.testing import Harness


def _layout(tmp_path: Path, url: str) -> Path:
    layout = yaml.safe_load(LAYOUT.read_text())
    layout["plugins"]["lightning"] = {**layout["plugins"]["lightning"], "url": url}
    path = tmp_path / "lightning.yaml"
    path.write_text(yaml.safe_dump(layout, sort_keys=False))
    return path


# Ages and running durations: the plugin counts them from the wall clock, so they grow between
# the recording and its replay (and take more or less room in their cells: "59s", "1m 2s");
# everything else must match.
_SPAN = re.compile(r"\d+(?:ms|s|m|h)(?: \d+(?:ms|s|m|h))*(?: ago)?")
_PADDING = re.compile(r" {2,}")


def _body(harness: Harness) -> list[str]:
    """The screen but its header (clock), key hints (a replay's are its own) and status line."""
    return [_PADDING.sub("  ", _SPAN.sub("T", line)) for line in harness.text().splitlines()[1:-2]]


def test_a_recording_of_the_real_server_replays_identically_without_it(
    agl_server: str, tmp_path: Path
) -> None:
    populated = populate(agl_server, rollouts=12)
    recording_path = tmp_path / "lightning.deck.gz"
    deck = build_deck(_layout(tmp_path, populated.url))
    deck.recorder.record_to(recording_path)
    live = loaded(Harness(deck).start())
    try:
        live.run(0.5)
        shown = _body(live)
    finally:
        live.stop()
    assert sum(populated.retried[:12] in line for line in shown) == 1

    recording = read_recording(recording_path)
    replay = Harness(build_deck(recording.layout))  # the same layout, found from the recording
    open_replay(replay.deck, recording, recording_path, None)
    with replay:
        replay.run(0.2)
        assert "REPLAY" in replay.text().splitlines()[0]
        assert _body(replay) == shown
        assert {s.runs for s in replay.deck.scheduler.stats()} == {0}  # nothing was fetched
