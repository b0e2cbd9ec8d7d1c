"""Recording files (`deck --record`, `deck --replay`): gzip-compressed JSON lines, format version 1.

Line 1 is the header, then one line per result and one per alert, in time order::

    {"format": "deck-recording", "version": 1, "layout": "mesh-demo", "layout_file": "...",
     "title": "MESH", "plugins": ["mesh"], "started": 1764800000.0, "deck": "0.9.0"}
    {"t": 1764800000.5, "source": "mesh.nodes", "result": {"value": ..., "error": null, ...}}
    {"t": 1764800003.0, "alert": {"rule": "loss rising", "message": "...", "level": "warn"}}

Values are tagged JSON (see deck._codec); secrets are masked before they are written. Each line
is flushed as it is written, so a deck that dies leaves a file that replays up to its last line.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from deck._codec import RecordingError
from deck._version import __version__

__all__ = ["FORMAT", "VERSION", "Recording", "RecordingWriter", "read_recording"]

FORMAT: Final = "deck-recording"
VERSION: Final = 1
#: The longest line read back (a 2,000-node snapshot is a few MiB); longer lines are refused.
MAX_LINE: Final = 256 * 1024 * 1024
#: The most of a recording read back (decompressed), so a hostile file cannot exhaust memory.
MAX_TOTAL: Final = 1024 * 1024 * 1024


class RecordingWriter:
    """Appends results and alerts to a recording file as they happen."""

    def __init__(self, path: Path, header: dict[str, Any]) -> None:
        self.path = path
        try:
            self._file = gzip.GzipFile(path, "wb", compresslevel=6)
        except OSError as exc:
            raise RecordingError(
                f"cannot write the recording: {exc.strerror or exc}", where=str(path)
            ) from None
        self._write(
            json.dumps({"format": FORMAT, "version": VERSION, "deck": __version__, **header}).encode()
        )

    def _write(self, line: bytes) -> None:
        self._file.write(line + b"\n")
        self._file.flush()

    def result(self, at: float, source: str, payload: bytes) -> None:
        """One result, its payload already encoded (the ring's JSON)."""
        self._write(
            b'{"t":%s,"source":%s,"result":%s}' % (repr(at).encode(), json.dumps(source).encode(), payload)
        )

    def alert(self, at: float, alert: dict[str, Any]) -> None:
        """One alert that fired."""
        self._write(json.dumps({"t": at, "alert": alert}).encode())

    def close(self) -> None:
        """Finish the file (a file never closed still replays)."""
        self._file.close()


@dataclass
class Recording:
    """A recording read back: its header, results (time, source, payload JSON) and alerts."""

    header: dict[str, Any]
    results: list[tuple[float, str, bytes]] = field(default_factory=list)
    alerts: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    cut_short: str | None = None  # why the file ends early, if it does

    @property
    def layout(self) -> str:
        """The layout the recording was made with: its file if that still exists, else its name."""
        layout_file = self.header.get("layout_file")
        if isinstance(layout_file, str) and Path(layout_file).is_file():
            return layout_file
        return str(self.header.get("layout") or "default")


def _lines(stream: gzip.GzipFile, where: str) -> Iterator[bytes]:
    while True:
        line = stream.readline(MAX_LINE + 1)
        if not line:
            return
        if len(line) > MAX_LINE:
            raise RecordingError(f"a line longer than {MAX_LINE // 2**20} MiB", where=where)
        yield line


def _header(line: bytes, where: str) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise RecordingError("not a deck recording (its first line is no deck-recording header)", where=where)
    version = header.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise RecordingError(
            f"recorded in format version {version!r}; this deck reads version {VERSION}",
            where=where,
            hint="open it with a newer deck",
        )
    return header


def read_recording(path: Path) -> Recording:
    """Read a recording; RecordingError when it is not one. A file cut short keeps what it has."""
    where = str(path)
    try:
        with gzip.open(path, "rb") as stream:
            recording = Recording(_header(_first_line(stream, where), where))
            _read_entries(stream, recording, where)
    except OSError as exc:  # the file itself: missing, unreadable
        raise RecordingError(f"cannot read the recording: {exc.strerror or exc}", where=where) from None
    return recording


def _first_line(stream: gzip.GzipFile, where: str) -> bytes:
    try:
        return stream.readline(MAX_LINE)
    except (gzip.BadGzipFile, zlib.error):
        raise RecordingError("not a deck recording (not gzip-compressed)", where=where) from None
    except EOFError:
        raise RecordingError("the recording is empty or cut off before its header", where=where) from None


def _read_entries(stream: gzip.GzipFile, recording: Recording, where: str) -> None:
    number, total = 1, 0
    try:
        for number, line in enumerate(_lines(stream, where), start=2):
            total += len(line)
            if total > MAX_TOTAL:
                recording.cut_short = f"only its first {MAX_TOTAL // 2**20} MiB are replayed"
                return
            _add(recording, line, f"{where}:{number}")
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        recording.cut_short = f"the file ends early after line {number} ({type(exc).__name__})"


def _add(recording: Recording, line: bytes, where: str) -> None:
    try:
        entry = json.loads(line)
    except ValueError as exc:
        raise RecordingError(f"a line that is not JSON: {exc}", where=where) from None
    if not isinstance(entry, dict) or not isinstance(entry.get("t"), (int, float)):
        raise RecordingError("a line without its time 't'", where=where)
    at = float(entry["t"])
    if isinstance(entry.get("alert"), dict):
        recording.alerts.append((at, entry["alert"]))
    elif isinstance(entry.get("source"), str) and isinstance(entry.get("result"), dict):
        payload = json.dumps(entry["result"], separators=(",", ":"), ensure_ascii=False).encode()
        recording.results.append((at, entry["source"], payload))
    else:
        raise RecordingError("a line that is neither a result nor an alert", where=where)
