"""Alerts: rules from the layout (and plugins' defaults), checked on every result and every second.

Four kinds: a field crossing a threshold (`above`, `below`), a rate of change (`rising` for N
results in a row, `rate_above` per minute), a state (`equals`), and a source gone silent
(`silent` seconds). An alert fires when its rule starts to hold and clears when it stops.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final

from deck._clock import now
from deck._errors import LayoutError
from deck._sources import Result

if TYPE_CHECKING:
    from deck._deck import Deck

__all__ = ["Alert", "AlertRule", "Alerts", "parse_rules"]

log = logging.getLogger(__name__)

KINDS: Final = ("above", "below", "rising", "rate_above", "equals", "silent")
_AGGREGATES: Final[dict[str, Callable[[list[float]], float]]] = {
    "max": max,
    "min": min,
    "sum": sum,
    "mean": lambda values: sum(values) / len(values),
    "count": len,
}
_KEYS: Final = ("name", "source", "field", "of", "percent_of", "level", "bell", "enabled", *KINDS)


@dataclass(frozen=True)
class AlertRule:
    """One rule: which source and field, which kind of test, and how loud."""

    name: str
    source: str
    kind: str
    limit: Any
    field: str = ""
    of: str = "max"
    percent_of: str = ""
    level: str = "warn"
    bell: bool = False


@dataclass(frozen=True)
class Alert:
    """An alert that fired: when, by which rule, what it saw; `cleared` once the rule stops holding."""

    at: float
    rule: str
    message: str
    level: str
    cleared: float | None = None


def _fail(where: Callable[[Sequence[Any]], str], path: Sequence[Any], message: str) -> LayoutError:
    return LayoutError(message, where=where(path), hint="see docs/recorder.md (Alerts)")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_rules(data: Any, where: Callable[[Sequence[Any]], str], origin: str = "alerts") -> list[AlertRule]:
    """Rules from layout (or plugin) data, each checked; LayoutError names the bad one."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise _fail(where, (), f"{origin} must be a list of rules")
    rules = []
    for index, item in enumerate(data):
        rule = _rule(item, where, (index,))
        if rule is not None:
            rules.append(rule)
    return rules


def _rule(item: Any, where: Callable[[Sequence[Any]], str], path: tuple[Any, ...]) -> AlertRule | None:
    if not isinstance(item, dict):
        raise _fail(where, path, "an alert rule must be a mapping")
    unknown = [key for key in item if key not in _KEYS]
    if unknown:
        raise _fail(
            where, (*path, unknown[0]), f"alert rules have no key {unknown[0]!r} (known: {', '.join(_KEYS)})"
        )
    kinds = [key for key in KINDS if key in item]
    name, source = item.get("name"), item.get("source")
    if not isinstance(name, str) or not name:
        raise _fail(where, path, "every alert rule needs a name")
    if item.get("enabled") is False:
        return None
    if not isinstance(source, str) or "." not in source:
        raise _fail(where, path, f"alert {name!r} needs a source like 'system.memory'")
    if len(kinds) != 1:
        raise _fail(where, path, f"alert {name!r} needs exactly one of {', '.join(KINDS)}")
    kind, limit = kinds[0], item[kinds[0]]
    if kind != "equals" and not _number(limit):
        raise _fail(where, (*path, kind), f"alert {name!r}: {kind} must be a number, got {limit!r}")
    if kind != "silent" and not isinstance(item.get("field"), str):
        raise _fail(where, path, f"alert {name!r} needs the field to watch, like field: loss")
    if item.get("of", "max") not in _AGGREGATES:
        raise _fail(where, (*path, "of"), f"alert {name!r}: of must be one of {', '.join(_AGGREGATES)}")
    if item.get("level", "warn") not in ("warn", "error"):
        raise _fail(where, (*path, "level"), f"alert {name!r}: level must be warn or error")
    return AlertRule(
        name=name,
        source=source,
        kind=kind,
        limit=limit,
        field=str(item.get("field", "")),
        of=str(item.get("of", "max")),
        percent_of=str(item.get("percent_of", "")),
        level=str(item.get("level", "warn")),
        bell=bool(item.get("bell", False)),
    )


def field_values(value: Any, path: str) -> list[Any]:
    """Every value at a dotted path; a list or tuple on the way yields one value per item."""
    found = [value]
    for part in path.split(".") if path else ():
        step = []
        for item in found:
            for each in item if isinstance(item, (list, tuple)) else (item,):
                got = each.get(part) if isinstance(each, Mapping) else getattr(each, part, None)
                if got is not None:
                    step.append(got)
        found = step
    flat: list[Any] = []
    for item in found:
        flat.extend(item if isinstance(item, (list, tuple)) else (item,))
    return flat


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


class Alerts:
    """Checks the rules against results as they arrive, keeps the history, marks the recorder."""

    def __init__(self, deck: Deck, rules: Iterable[AlertRule]) -> None:
        self.deck = deck
        self.rules = list(rules)
        self.history: list[Alert] = []
        self._active: dict[str, int] = {}  # rule name -> index in history
        self._streaks: dict[str, int] = {}
        self._last: dict[str, tuple[float, float]] = {}
        self._heard: dict[str, float] = {}
        self._answers: dict[str, int] = {}
        self.watchers: list[Callable[[list[Alert]], None]] = []  # told of every change (the panel)
        self._started = now()
        if any(rule.kind == "silent" for rule in self.rules):
            deck.spawn(self._watch_silence(), "alerts: silent sources")

    @property
    def active(self) -> list[Alert]:
        """The alerts whose rules hold now."""
        return [self.history[i] for i in self._active.values()]

    def on_result(self, result: Result[Any], at: float) -> None:
        """Check the rules of a result's source (a recorder listener)."""
        if result.ok:
            self._heard[result.source] = at
        if not result.has_value:
            return
        for rule in self.rules:
            if rule.source == result.source and rule.kind != "silent":
                try:
                    message = self._check(rule, result.value, at)
                except Exception as exc:  # a rule that does not fit the data says so once
                    message = None
                    log.debug("alert %s could not be checked: %s", rule.name, exc)
                self._set(rule, message, at)

    def _measure(self, rule: AlertRule, value: Any) -> float | None:
        values = [float(v) for v in map(_plain, field_values(value, rule.field)) if _number(v)]
        if rule.percent_of:
            totals = [float(v) for v in field_values(value, rule.percent_of) if _number(v)]
            values = [100 * v / t for v, t in zip(values, totals) if t]
        return _AGGREGATES[rule.of](values) if values else None

    def _check(self, rule: AlertRule, value: Any, at: float) -> str | None:
        if rule.kind == "equals":
            wanted = str(rule.limit).lower()
            matches = [v for v in field_values(value, rule.field) if str(_plain(v)).lower() == wanted]
            return f"{rule.field} is {rule.limit} ({len(matches)} of them)" if matches else None
        measured = self._measure(rule, value)
        if measured is None:
            return None
        shown = f"{measured:.4g}{'%' if rule.percent_of else ''}"
        if rule.kind == "above":
            return f"{rule.field} {shown} > {rule.limit}" if measured > rule.limit else None
        if rule.kind == "below":
            return f"{rule.field} {shown} < {rule.limit}" if measured < rule.limit else None
        previous = self._last.get(rule.name)
        self._last[rule.name] = (at, measured)
        if previous is None:
            return None
        if rule.kind == "rising":
            self._streaks[rule.name] = self._streaks.get(rule.name, 0) + 1 if measured > previous[1] else 0
            steps = self._streaks[rule.name]
            return f"{rule.field} rose {steps} times in a row, now {shown}" if steps >= rule.limit else None
        elapsed = at - previous[0]
        rate = (measured - previous[1]) / elapsed * 60 if elapsed > 0 else 0.0
        return f"{rule.field} grows {rate:.3g}/min (> {rule.limit})" if rate > rule.limit else None

    def check_silence(self) -> None:
        """Fire (or clear) every `silent` rule by how long its source has not answered."""
        if self.deck.recorder.replaying:
            return  # a recording's sources are silent by nature: its alerts come from the file
        moment = now()
        # A fetch that brought the same value reaches no panel: the scheduler's counts still show it.
        answers = {s.name: s.runs - s.failures for s in self.deck.scheduler.stats()}
        for name, count in answers.items():
            if self._answers.get(name, count) != count:
                self._heard[name] = moment
            self._answers[name] = count
        for rule in self.rules:
            if rule.kind != "silent" or rule.source not in answers:
                continue
            quiet = moment - self._heard.get(rule.source, self._started)
            self._set(rule, f"{rule.source} silent for {quiet:.0f}s" if quiet > rule.limit else None, moment)

    async def _watch_silence(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            self.check_silence()

    def _set(self, rule: AlertRule, message: str | None, at: float) -> None:
        index = self._active.get(rule.name)
        if message is None:
            if index is not None:
                self.history[index] = replace(self.history[index], cleared=at)
                del self._active[rule.name]
                self._changed()
            return
        if index is not None:
            return
        alert = Alert(at, rule.name, message, rule.level)
        self._active[rule.name] = len(self.history)
        self.history.append(alert)
        self._changed()
        self.deck.recorder.mark(
            at, f"{rule.name}: {message}", {"rule": rule.name, "message": message, "level": rule.level}
        )
        self.deck.notify(f"alert: {rule.name}: {message}", "error" if rule.level == "error" else "warn")
        if rule.bell and self.deck.on_bell is not None:
            self.deck.on_bell()

    def _changed(self) -> None:
        for watcher in self.watchers:
            watcher(self.history)
        self.deck.request_redraw()

    def restore(self, alerts: Iterable[tuple[float, Mapping[str, Any]]]) -> None:
        """The history of a recording being replayed (its rules are not checked again)."""
        for at, data in alerts:
            level = "error" if data.get("level") == "error" else "warn"
            self.history.append(
                Alert(at, str(data.get("rule", "alert")), str(data.get("message", "")), level)
            )
        self._changed()
