"""The layout's `recorder:` section: how far back the flight recorder keeps results, in how much memory."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deck._alerts import AlertRule, parse_rules
from deck._codec import RecordingError
from deck._errors import LayoutError
from deck._recorder import Recorder, age_text
from deck._recording import Recording

if TYPE_CHECKING:
    from deck._deck import Deck

__all__ = ["make_recorder", "open_replay", "parse_moment", "parse_span"]

_KEYS = ("window", "budget_mib")
_UNITS = {"s": 1, "m": 60, "h": 3600}


def parse_span(value: Any) -> float | None:
    """Seconds from 90, "90s", "15m" or "1h"; None when the value is none of these."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if value > 0 else None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", str(value))
    if match is None or float(match.group(1)) <= 0:
        return None
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


def make_recorder(deck: Deck) -> Recorder:
    """The deck's recorder, sized by the layout (default: 15 minutes in at most 64 MiB)."""
    layout = deck.layout
    data = layout.recorder or {}
    if not isinstance(data, dict):
        raise LayoutError(
            "recorder must be a mapping", where=layout.where(("recorder",)), hint="see docs/recorder.md"
        )
    for key in data:
        if key not in _KEYS:
            raise LayoutError(
                f"recorder has no setting {key!r} (known: {', '.join(_KEYS)})",
                where=layout.where(("recorder", key), key=True),
                hint="see docs/recorder.md",
            )
    window = parse_span(data.get("window", 900))
    if window is None:
        raise LayoutError(
            f"recorder window must be a time like 15m, 90s or 1h, got {data['window']!r}",
            where=layout.where(("recorder", "window")),
        )
    budget = data.get("budget_mib", 64)
    if not isinstance(budget, (int, float)) or isinstance(budget, bool) or budget <= 0:
        raise LayoutError(
            f"recorder budget_mib must be a number of MiB > 0, got {budget!r}",
            where=layout.where(("recorder", "budget_mib")),
        )
    return Recorder(deck, window=window, budget=int(budget * 1024 * 1024), rules=_rules(deck))


def _plugin_where(where: str, path: Sequence[Any]) -> str:
    return where


def _rules(deck: Deck) -> list[AlertRule]:
    """The plugins' default alert rules, then the layout's (which replace or turn off defaults by name)."""
    layout = deck.layout
    mine = parse_rules(layout.alerts, lambda path: layout.where(("alerts", *path)))
    named = {item.get("name") for item in layout.alerts or () if isinstance(item, dict)}
    rules: list[AlertRule] = []
    for plugin, got in deck.parts.host.each("deck_alerts", configs=deck.parts.configs):
        where = f"plugin {plugin!r}, deck_alerts"
        if isinstance(got, Exception):
            raise LayoutError(f"{where} raised {type(got).__name__}: {got}")
        rules += [
            r for r in parse_rules(list(got), functools.partial(_plugin_where, where)) if r.name not in named
        ]
    rules += mine
    for rule in rules:
        if rule.source not in deck.scheduler:
            known = ", ".join(deck.scheduler.names()) or "none"
            raise LayoutError(
                f"alert {rule.name!r} watches source {rule.source!r}, which no plugin provides",
                hint=f"this layout's sources: {known}",
                where=layout.where(("alerts",)),
            )
    return rules


def parse_moment(text: str, start: float, end: float) -> float:
    """A moment of a recording: "HH:MM[:SS]" on its clock, "+90" after its start, "-90" before its end."""
    text = text.strip()
    if text[:1] in "+-":
        span = parse_span(text[1:])
        if span is not None:
            return start + span if text[0] == "+" else end - span
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", text)
    if match is None:
        raise RecordingError(f"--at {text!r}: expected HH:MM:SS, +SECONDS or -SECONDS (like -90s)")
    day = time.localtime(end)
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return time.mktime((day.tm_year, day.tm_mon, day.tm_mday, hours, minutes, seconds, 0, 0, -1))


def open_replay(deck: Deck, recording: Recording, path: Path, at: str | None) -> None:
    """Feed a deck from a recording instead of its sources, opening at `at` (default: the end)."""
    recorder = deck.recorder
    recorder.replay(recording, str(path))
    oldest, newest = recorder.ring.oldest, recorder.ring.newest
    if oldest is None or newest is None:
        raise RecordingError("the recording holds no result of this layout's sources", where=str(path))
    if at is not None:
        recorder.start_at = parse_moment(at, oldest, newest)
    note = f"; {recording.cut_short}" if recording.cut_short else ""
    deck.notify(
        f"replaying {path.name}: {age_text(newest - oldest)} recorded{note}", "warn" if note else "info"
    )
