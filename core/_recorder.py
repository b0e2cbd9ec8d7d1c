"""The flight recorder: keeps every result the deck receives, rewinds the panels, records to a file."""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import pickle
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final

from deck import _pickling
from deck._actions import Action
from deck._alerts import AlertRule, Alerts
from deck._clock import now
from deck._codec import Decoder, RecordingError, dumps, plugin_prefixes
from deck._recording import Recording, RecordingWriter
from deck._ring import Record, Ring
from deck._sources import Result

if TYPE_CHECKING:
    from deck._deck import Deck

__all__ = ["NAVIGATION", "REPLAY_SCOPE", "Recorder", "age_text", "pickled_result"]

log = logging.getLogger(__name__)

#: The key scope that applies while the deck is rewound (looked up before the focused panel's).
REPLAY_SCOPE: Final = "deck.replay"

#: Actions that still work while rewound: they move around and show, they change nothing.
NAVIGATION: Final = frozenset(
    {
        "deck.quit",
        "deck.help",
        "deck.palette",
        "deck.filter",
        "deck.back",
        "deck.detail",
        "deck.next_panel",
        "deck.prev_panel",
        "deck.next_screen",
        "deck.prev_screen",
        "deck.sources",
    }
)


def age_text(seconds: float) -> str:
    """A span the way the status line writes it: 45s, 4m05s, 1h02m."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _payload(result: Result[Any]) -> bytes:
    """A result as JSON (secrets masked), the form both the ring and a recording file keep."""
    return dumps(
        {
            "value": result.value if result.has_value else None,
            "error": result.error,
            "fetched_at": result.fetched_at,
            "stale": result.stale,
            "params": dict(result.params),
        }
    )


def pickled_result(result: Result[Any]) -> bytes | None:
    """A live result as the ring keeps it (pickle reads only these bytes back); None if it cannot."""
    try:
        return _pickling.dumps(dataclasses.replace(result, params=dict(result.params)))
    except (pickle.PicklingError, TypeError, AttributeError):
        return None


def _module_of(plugin: object) -> str:
    """The module a plugin object comes from (a plugin may be a module of hook functions)."""
    return plugin.__name__ if isinstance(plugin, ModuleType) else type(plugin).__module__


def _result(source: str, data: Any) -> Result[Any]:
    if not isinstance(data, dict):
        raise RecordingError(f"a result of {source} that is not a mapping")
    fetched_at = data.get("fetched_at")
    error = data.get("error")
    params = data.get("params")
    return Result(
        source=source,
        value=data.get("value"),
        error=None if error is None else str(error),
        fetched_at=float(fetched_at) if isinstance(fetched_at, (int, float)) else None,
        stale=bool(data.get("stale")),
        params=params if isinstance(params, dict) else {},
    )


class Recorder:
    """Taps the deck's results; while rewound it holds live results back and shows the past instead."""

    def __init__(
        self,
        deck: Deck,
        *,
        window: float = 900.0,
        budget: int = 64 * 1024 * 1024,
        rules: Iterable[AlertRule] = (),
    ) -> None:
        self.deck = deck
        self.ring = Ring(window, budget)
        self.at: float | None = None  # the moment on show while rewound; None when live
        self.replaying = False  # fed from a file, not from sources
        self.writer: RecordingWriter | None = None
        self.listeners: list[Callable[[Result[Any], float], None]] = []
        self.marks: list[tuple[float, str]] = []  # alerts' moments, to jump to
        self._seq = 0
        self._paused_seq = 0
        self._shown: dict[str, Result[Any]] = {}
        self._unrecordable: set[str] = set()  # sources already reported as impossible to record
        self._decoder: Decoder | None = None
        self.start_at: float | None = None  # where a replay opens (default: its end)
        self.alerts = Alerts(deck, rules)
        self.listeners.append(self.alerts.on_result)

    # ---- recording --------------------------------------------------------------------------------

    def tap(self, result: Result[Any]) -> bool:
        """Keep a result the deck received; True when the deck is rewound and must not show it."""
        at = now()
        try:
            self._keep_live(at, result)
        except (ValueError, TypeError, RecursionError) as exc:  # a snapshot JSON cannot hold
            if result.source not in self._unrecordable:
                self._unrecordable.add(result.source)
                log.warning("cannot record %s: %s", result.source, exc, exc_info=exc)
                self.deck.notify(f"not recording {result.source}: {type(exc).__name__}: {exc}", "warn")
        for listener in self.listeners:
            listener(result, at)
        return self.at is not None

    def _keep_live(self, at: float, result: Result[Any]) -> None:
        """The ring keeps the result pickled (it never leaves this process); a file gets JSON."""
        payload = _payload(result) if self.writer is not None else None
        if payload is not None:
            self._write(at, result.source, payload)
        pickled = pickled_result(result)
        if pickled is None:  # a lock, a generator: JSON keeps what it can
            self._keep(at, result.source, payload if payload is not None else _payload(result))
            return
        self._seq += 1
        self.ring.add(Record.pack(at, self._seq, result.source, pickled, live=True))

    def _keep(self, at: float, source: str, payload: bytes) -> None:
        self._seq += 1
        self.ring.add(Record.pack(at, self._seq, source, payload))

    def _write(self, at: float, source: str, payload: bytes) -> None:
        """Append to the recording file, if one is being written; a failed write stops it, said once."""
        if self.writer is not None:
            try:
                self.writer.result(at, source, payload)
            except OSError as exc:
                self._writing_failed(exc)

    def _restore(self, record: Record) -> Result[Any]:
        """The result a record keeps: unpickled when this deck made it, else decoded from JSON."""
        if record.live:
            restored = pickle.loads(zlib.decompress(record.blob))  # only ever this process's own bytes
            assert isinstance(restored, Result)
            return restored
        return _result(record.source, self.decoder.decode(record.payload(), record.source))

    def mark(self, at: float, label: str, alert: dict[str, Any] | None = None) -> None:
        """Remember a moment (an alert fired) so the operator can jump to it."""
        self.marks.append((at, label))
        oldest = self.ring.oldest
        while oldest is not None and self.marks and self.marks[0][0] < oldest:
            self.marks.pop(0)
        if self.writer is not None and alert is not None:
            try:
                self.writer.alert(at, alert)
            except OSError as exc:
                self._writing_failed(exc)

    def _writing_failed(self, exc: OSError) -> None:
        assert self.writer is not None
        self.deck.notify(f"recording to {self.writer.path} stopped: {exc.strerror or exc}", "error")
        self.writer = None

    def record_to(self, path: Path) -> None:
        """Write every result from now on to a recording file (RecordingError if it cannot)."""
        layout = self.deck.layout
        self.writer = RecordingWriter(
            path,
            {
                "layout": layout.name,
                "layout_file": str(Path(layout.document.file).resolve()),
                "title": layout.title,
                "plugins": [p.name for p in layout.plugins],
                "started": now(),
            },
        )

    def close(self) -> None:
        """Finish the recording file, if one is being written."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    # ---- replaying a file ---------------------------------------------------------------------

    @property
    def decoder(self) -> Decoder:
        """Rebuilds recorded values: only types of the plugins this layout loads."""
        if self._decoder is None:
            plugins = self.deck.parts.host.plugins.values()
            modules = [_module_of(p.obj) for p in plugins if p.obj is not None]
            self._decoder = Decoder(plugin_prefixes(modules))
        return self._decoder

    def replay(self, recording: Recording, where: str) -> None:
        """Feed the deck from a recording instead of its sources; RecordingError if a value is refused."""
        known = set(self.deck.scheduler.names())
        self.ring.window = math.inf
        for number, (at, source, payload) in enumerate(recording.results, start=2):
            if source not in known:
                continue  # a source of a plugin this layout no longer loads
            self.decoder.decode(json.loads(payload), f"{where}: result {number - 1} ({source})")
            self._keep(at, source, payload)
            self._write(at, source, payload)
        for at, alert in recording.alerts:
            self.mark(at, f"{alert.get('rule', 'alert')}: {alert.get('message', '')}")
        self.alerts.restore(recording.alerts)
        self.replaying = True

    def start_replay(self) -> None:
        """Play the recording up to `start_at` (default: its end) in order, as the panels first saw it.

        Panels that build a history (sparklines, logs) then show what they showed when recorded.
        """
        newest = self.ring.newest
        if newest is None:
            return
        self.at = (
            newest if self.start_at is None else min(max(self.start_at, self.ring.oldest or newest), newest)
        )
        for record in sorted(self.ring.bases.values(), key=lambda r: r.at) + list(self.ring.records):
            if record.at <= self.at:
                result = self._restore(record)
                self._shown[record.source] = result
                self.deck.deliver(result)
        self.deck.request_redraw()

    # ---- rewinding ------------------------------------------------------------------------------

    @property
    def rewound(self) -> bool:
        """True while the panels show the past (always, when replaying a file)."""
        return self.at is not None

    def reach(self) -> float:
        """How many seconds back the recording reaches from the newest moment."""
        oldest, newest = self.ring.oldest, self.ring.newest
        if oldest is None or newest is None:
            return 0.0
        return (newest if self.replaying else now()) - oldest

    def goto(self, moment: float) -> None:
        """Show every panel as it was at `moment` (clamped to what the ring holds)."""
        oldest, newest = self.ring.oldest, self.ring.newest
        if oldest is None or newest is None:
            self.deck.notify("nothing recorded yet", "warn")
            return
        if self.at is None:
            self._paused_seq = self._seq
        self.at = min(max(moment, oldest), newest)
        for source, record in self.ring.state_at(self.at).items():
            if self.deck.scheduler.appends(source):
                continue  # a log cannot un-append: it keeps its lines
            try:
                result = self._restore(record)
            except (RecordingError, ValueError) as exc:
                self.deck.notify(f"cannot show {source} at this moment: {exc}", "error")
                continue
            if self._shown.get(source) != result:
                self._shown[source] = result
                self.deck.deliver(result)
        self.deck.request_redraw()

    def pause(self) -> None:
        """Freeze the panels at the newest recorded moment."""
        newest = self.ring.newest
        self.goto(newest if newest is not None else now())

    def step(self, steps: int) -> None:
        """Move to the moment `steps` results later (negative: earlier); past the newest is live."""
        times = sorted(set(self.ring.times()))
        if not times:
            self.goto(now())
            return
        current = self.at if self.at is not None else times[-1]
        if steps < 0:
            earlier = [t for t in times if t < current]
            self.goto(earlier[max(0, len(earlier) + steps)] if earlier else times[0])
        else:
            later = [t for t in times if t > current]
            if len(later) < steps and not self.replaying:
                self.live()
            else:
                self.goto(later[min(steps, len(later)) - 1] if later else times[-1])

    def shift(self, seconds: float) -> None:
        """Move by `seconds` (a minute back: -60); moving past the newest moment goes live."""
        newest = self.ring.newest
        start = self.at if self.at is not None else (newest if newest is not None else now())
        target = start + seconds
        if self.at is not None and newest is not None and target > newest and not self.replaying:
            self.live()
        else:
            self.goto(target)

    def live(self) -> None:
        """Back to live: every panel gets its source's latest result, logs what they missed."""
        if self.replaying:
            newest = self.ring.newest
            if newest is not None:
                self.goto(newest)
            return
        if self.at is None:
            return
        self.at = None
        self._shown.clear()
        scheduler = self.deck.scheduler
        for record in self.ring.after(self._paused_seq):
            if scheduler.appends(record.source):
                self.deck.deliver(self._restore(record))
        for name in scheduler.names():
            result = scheduler.result(name)
            if not scheduler.appends(name) and (result.has_value or result.error):
                self.deck.deliver(result)
        self.deck.notify("live", "ok")

    def result(self, source: str) -> Result[Any]:
        """The result on show: the recorded one while rewound, else the latest."""
        if self.at is not None and source in self._shown:
            return self._shown[source]
        return self.deck.scheduler.result(source)

    def allows(self, action: Action) -> bool:
        """Whether an action may run now: while rewound, only navigation and the recorder's own."""
        return self.at is None or action.id in NAVIGATION or action.id.startswith("deck.rec")

    def jumps(self) -> Iterable[tuple[float, str]]:
        """The marked moments (alerts), oldest first."""
        return list(self.marks)
