"""Recording files: written as the deck runs, replayed with no backend, refused when not safe."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from deck._cli import main
from deck._codec import RecordingError
from deck._recording import read_recording
from deck.testing import Harness

from .conftest import LAYOUTS, Stepper


def _record(recorded: Callable[..., tuple[Harness, Stepper]], path: Path, steps: int = 3) -> str:
    harness, step = recorded()
    harness.deck.recorder.record_to(path)
    step(steps)
    screen = harness.text()
    harness.stop()
    return screen


def _replay(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> str:
    assert main(["--replay", str(path), "--snapshot", "--size", "60x12", *extra]) == 0
    return capsys.readouterr().out


def _body(screen: str) -> list[str]:
    return screen.splitlines()[1:-2]  # the header, the key hints (a replay's are its own) and status differ


def test_a_replay_shows_what_was_recorded_with_secrets_masked(
    recorded: Callable[..., tuple[Harness, Stepper]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "incident.deck.gz"
    live = _record(recorded, path)
    replayed = _replay(capsys, path)
    assert "REPLAY" in replayed.splitlines()[0]
    masked = live.replace("sk-live-123", "••••••").replace("t0k3n", "••••••")
    assert [" ".join(line.split()) for line in _body(replayed)] == [
        " ".join(line.split()) for line in _body(masked)
    ]
    raw = gzip.decompress(path.read_bytes())
    assert b"sk-live-123" not in raw and b"t0k3n" not in raw


def test_a_replay_opens_at_a_given_moment(
    recorded: Callable[..., tuple[Harness, Stepper]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "incident.deck.gz"
    _record(recorded, path, steps=5)
    assert "│step   3" in _replay(capsys, path, "--at", "+10")  # the file starts at step 2
    assert "│step   5" in _replay(capsys, path, "--at=-10s")


def test_record_with_snapshot_writes_what_the_snapshot_waited_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mesh.deck.gz"
    assert main(["--layout", "mesh-demo", "--snapshot", "--size", "100x30", "--record", str(path)]) == 0
    live = capsys.readouterr().out
    replayed = _replay(capsys, path, "--size", "100x30")
    keep = [line for line in _body(live) if "root key" not in line]  # the demo's key is new each run
    assert [line for line in _body(replayed) if "root key" not in line] == keep
    assert read_recording(path).header["layout"] == "mesh-demo"


def _forge(path: Path, value: object, header: dict[str, object] | None = None) -> None:
    lines = [
        header
        or {
            "format": "deck-recording",
            "version": 1,
            "layout": "recorded",
            "layout_file": str(LAYOUTS / "recorded.yaml"),
        },
        {"t": 1.0, "source": "recorded.reading", "result": {"value": value, "fetched_at": 1.0}},
    ]
    path.write_bytes(gzip.compress(b"".join(json.dumps(line).encode() + b"\n" for line in lines)))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"$": "dc", "type": "subprocess:Popen", "fields": {}}, "refusing to rebuild subprocess:Popen"),
        ({"$": "dc", "type": "os:system", "fields": {}}, "refusing to rebuild os:system"),
        ({"$": "dc", "type": "deck._deck:Deck", "fields": {}}, "is not a dataclass"),
        ({"$": "obj", "type": "deck._deck:Deck", "attrs": {}}, "not a plugin's plain class"),
        ({"$": "dc", "type": "deck._deck:Result", "fields": {}}, "not a class defined there"),
        ({"$": "dc", "type": "deck._sources:Result.__init__", "fields": {}}, "not a plain class name"),
        ({"$": "pickle", "data": "gASV"}, "unknown type tag 'pickle'"),
    ],
)
def test_a_hostile_recording_is_refused_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: object, message: str
) -> None:
    path = tmp_path / "attachment.deck.gz"
    _forge(path, value)
    assert main(["--replay", str(path), "--snapshot"]) == 1
    error = capsys.readouterr().err
    assert message in error
    assert str(path) in error


def test_files_that_are_not_recordings_say_so(tmp_path: Path) -> None:
    plain = tmp_path / "notes.txt"
    plain.write_text("hello")
    with pytest.raises(RecordingError, match="not gzip-compressed"):
        read_recording(plain)
    other = tmp_path / "other.gz"
    other.write_bytes(gzip.compress(b'{"hello": 1}\n'))
    with pytest.raises(RecordingError, match="not a deck recording"):
        read_recording(other)
    newer = tmp_path / "newer.deck.gz"
    _forge(newer, 1, {"format": "deck-recording", "version": 99})
    with pytest.raises(RecordingError, match="format version 99; this deck reads version 1"):
        read_recording(newer)
    with pytest.raises(RecordingError, match="cannot read the recording"):
        read_recording(tmp_path / "missing.deck.gz")


def test_a_recording_cut_short_replays_what_it_has(
    recorded: Callable[..., tuple[Harness, Stepper]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "crashed.deck.gz"
    _record(recorded, path, steps=4)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 30])  # the deck died mid-write
    recording = read_recording(path)
    assert recording.cut_short is not None
    assert recording.results
    assert "│step" in _replay(capsys, path)


def test_alerts_are_recorded_and_replayed_with_their_moments(
    recorded: Callable[..., tuple[Harness, Stepper]], tmp_path: Path
) -> None:
    path = tmp_path / "alert.deck.gz"
    harness, step = recorded(
        "alerts:\n  - {name: too high, source: recorded.reading, field: level, above: 5}\n",
        plugin_config="levels: [1, 9, 1]",
    )
    harness.deck.recorder.record_to(path)
    step(2)
    harness.stop()
    recording = read_recording(path)
    assert [alert["rule"] for _, alert in recording.alerts] == ["too high"]
    from deck._app import build_deck
    from deck._recorder_config import open_replay

    replay = Harness(build_deck(recording.layout))
    open_replay(replay.deck, recording, path, None)
    with replay:
        assert [a.rule for a in replay.deck.recorder.alerts.history] == ["too high"]
        assert [label for _, label in replay.deck.recorder.jumps()] == ["too high: level 9 > 5"]
