"""The declared panels over rows: sparklines, gauges, pairs, a log, JSON, and what the table shares."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

import urwid

from deck import JsonPanel, LogPanel, Panel, PanelContext, Result, sanitize
from deck.plugins.declare.model import Snapshot, Threshold
from deck.plugins.declare.source import source_name
from deck.plugins.declare.source_parse import pick
from deck.widgets import Cell, Gauge, KeyValue, LogLine, json_preview, sparkline

__all__ = [
    "DeclaredGauges",
    "DeclaredJson",
    "DeclaredLog",
    "DeclaredPairs",
    "DeclaredSparklines",
    "StatusPile",
    "is_number",
    "select_rows",
    "series_label",
    "show",
    "status_markup",
    "with_role",
]

_LABEL_WIDTH = 16
_LEVEL = re.compile(r"\b(fatal|critical|crit|error|err|warning|warn|debug|trace)\b", re.I)


def show(value: Any) -> Cell:
    """A field as a cell: numbers kept short, nested values previewed, nothing as a dash."""
    if value is None or value == "":
        return [("muted", "—")]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 10000 else f"{value:.4g}"
    if isinstance(value, (dict, list)):
        return json_preview(value)
    return str(value)


def with_role(threshold: Threshold | None) -> Any:
    def render(value: Any) -> Cell:
        cell = show(value)
        role = threshold.role(value) if threshold is not None else None
        return [(role, cell)] if role and isinstance(cell, str) else cell

    return render


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def series_label(fields: Mapping[str, Any], label: str | None, alone: str | None = None) -> str:
    """What names a row in charts and gauges: the `label` field, a series' name and labels,
    `alone` for the only row of a snapshot, or else the row's first field."""
    if label:
        return str(fields.get(label, "?"))
    if "metric" in fields:
        labels = fields.get("labels") or ""
        return f"{fields['metric']}{{{labels}}}" if labels else str(fields["metric"])
    if alone is not None:
        return alone
    return str(next(iter(fields.values()), "?"))


def select_rows(snapshot: Snapshot, options: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The rows a panel shows: those whose fields match every glob of `match` (and `metric`)."""
    globs = dict(options.get("match") or {})
    if options.get("metric"):
        globs["metric"] = options["metric"]
    if not globs:
        return list(snapshot.rows)
    return [
        row
        for row in snapshot.rows
        if all(fnmatchcase(_plain(row.get(name)), str(glob)) for name, glob in globs.items())
    ]


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def status_markup(result: Result[Snapshot]) -> list[tuple[str, str]]:
    """The line under a declared panel: the latest error in full, or a note about the data."""
    if result.error:
        return [("bad", f"⚠ {sanitize(result.error)}")]
    if result.value is not None and result.value.note:
        return [("warn", f"⚠ {sanitize(result.value.note)}")]
    return []


def meta_text(snapshot: Snapshot) -> str:
    """Facts about the last fetch for a panel's border: "status 200 · 12 ms"."""
    return " · ".join(value if name == "took" else f"{name} {value}" for name, value in snapshot.meta)


class StatusPile(urwid.Pile):
    """A panel body with a status line under it, shown only when there is something to say."""

    def __init__(self, body: urwid.Widget) -> None:
        super().__init__([body])
        self._markup: list[tuple[str, str]] = []

    def say(self, markup: list[tuple[str, str]]) -> None:
        """Show `markup` under the body (empty hides the line)."""
        if markup == self._markup:
            return
        self._markup = markup
        del self.contents[1:]
        if markup:
            self.contents.append((urwid.Text(markup, wrap="ellipsis"), self.options("pack")))
        self.focus_position = 0


class _OneSource(Panel):
    """A panel over the one declared source its `source` option names, with a status line."""

    def __init__(self, ctx: PanelContext, body: urwid.Widget) -> None:
        super().__init__(ctx)
        self.sources = (source_name(ctx.options["source"]),)
        self._body = StatusPile(body)
        self.widget = self._body


class DeclaredSparklines(_OneSource):
    """One sparkline per row over the last fetches, with the latest value: a chart without a plugin."""

    def __init__(self, ctx: PanelContext) -> None:
        self.view = KeyValue()
        super().__init__(ctx, self.view)
        self._history: dict[str, deque[float | None]] = {}
        self._seen_at: float | None = None

    @property
    def _field(self) -> str:
        return "rate" if self.ctx.options.get("rate") else str(self.ctx.options.get("value") or "value")

    def update(self, result: Result[Snapshot]) -> None:
        snapshot = result.value
        assert snapshot is not None
        self._body.say(status_markup(result))
        if result.fetched_at == self._seen_at:  # a failure re-delivers the last good snapshot
            return
        self._seen_at = result.fetched_at
        points = int(self.ctx.options.get("points") or 60)
        current: dict[str, float | None] = {}
        rows = select_rows(snapshot, self.ctx.options)
        alone = self._field if len(rows) == 1 else None
        for fields in rows:
            value = fields.get(self._field)
            current[series_label(fields, self.ctx.options.get("label"), alone)] = (
                float(value) if isinstance(value, (int, float)) else None
            )
        for name in list(self._history):
            if name not in current:
                del self._history[name]
        for name, value in current.items():
            self._history.setdefault(name, deque(maxlen=points)).append(value)
        threshold = (self.ctx.options.get("thresholds") or {}).get(self._field)
        render = with_role(threshold)
        self.view.pairs = [
            (name, [*sparkline(list(history), points), (None, "  "), *_segments(render(history[-1]))])
            for name, history in self._history.items()
        ]

    @property
    def subtitle(self) -> str:
        parts = [f"{len(self._history)} series"] if len(self._history) > 1 else []
        if self.ctx.options.get("rate"):
            parts.append("per second")
        return " · ".join(parts)


def _segments(cell: Cell) -> list[tuple[str | None, str]]:
    return [(None, cell)] if isinstance(cell, str) else list(cell)


class DeclaredGauges(_OneSource):
    """One gauge per row: its `value` against `max`, turning warn and bad at the given levels."""

    def __init__(self, ctx: PanelContext) -> None:
        self._walker: urwid.SimpleFocusListWalker[Gauge] = urwid.SimpleFocusListWalker([])
        super().__init__(ctx, urwid.ListBox(self._walker))
        self._gauges: dict[str, Gauge] = {}

    def update(self, result: Result[Snapshot]) -> None:
        snapshot = result.value
        assert snapshot is not None
        options = self.ctx.options
        field = str(options.get("value") or "value")
        top = float(options.get("max") or 100.0)
        rows = select_rows(snapshot, options)
        alone = field if len(rows) == 1 else None
        readings = {series_label(fields, options.get("label"), alone): fields.get(field) for fields in rows}
        width = min(_LABEL_WIDTH, max((len(name) for name in readings), default=0)) + 1
        if list(readings) != list(self._gauges):
            self._gauges = {
                name: Gauge(
                    _shorten(sanitize(name), width - 1),
                    warn=float(options.get("warn") or top * 0.75) / top,
                    bad=float(options.get("bad") or top * 0.9) / top,
                    label_width=width,
                )
                for name in readings
            }
            self._walker[:] = list(self._gauges.values())
        for name, value in readings.items():
            fraction = float(value) / top if isinstance(value, (int, float)) else None
            detail = str(show(value)) if top != 100 and is_number(value) else ""
            self._gauges[name].update(fraction, detail)
        self._body.say(status_markup(result))


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class DeclaredPairs(_OneSource):
    """Labels and values: a JSON answer (or the part at `path`), or one pair per row by `key`/`value`."""

    def __init__(self, ctx: PanelContext) -> None:
        self.view = KeyValue()
        super().__init__(ctx, self.view)
        self._meta = ""

    def update(self, result: Result[Snapshot]) -> None:
        snapshot = result.value
        assert snapshot is not None
        options = self.ctx.options
        self._meta = meta_text(snapshot)
        pairs: list[tuple[str | None, Cell]] = []
        if options.get("key"):
            value_field = str(options.get("value") or "value")
            pairs += [
                (sanitize(str(fields.get(options["key"]))), show(fields.get(value_field)))
                for fields in select_rows(snapshot, options)
            ]
        else:
            document = pick(snapshot.document, options["path"]) if options.get("path") else snapshot.document
            if isinstance(document, list) and len(document) == 1:
                document = document[0]  # one row (a /proc file, a status line): its fields
            pairs += list(_flatten(document))
        self.view.pairs = pairs
        self._body.say(status_markup(result))

    @property
    def subtitle(self) -> str:
        return self._meta


def _flatten(value: Any, prefix: str = "", depth: int = 0) -> Iterable[tuple[str | None, Cell]]:
    """Nested mappings as dotted labels, two levels deep; deeper values are previewed."""
    if isinstance(value, Mapping) and depth < 2:
        for key, item in value.items():
            yield from _flatten(
                item, f"{prefix}{sanitize(key)}" if not prefix else f"{prefix}.{sanitize(key)}", depth + 1
            )
    else:
        yield (prefix or "value", show(value))


class DeclaredLog(LogPanel):
    """A command's or server's output lines, newest last, with levels guessed from the words in them."""

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx, maxlen=int(ctx.options.get("lines") or 5000))
        self.sources = (source_name(ctx.options["source"]),)
        self.log.show_time = False
        self._body = StatusPile(self.log)
        self.widget = self._body

    def update(self, result: Result[Snapshot]) -> None:
        super().update(result)
        self._body.say(status_markup(result))

    def lines(self, value: Snapshot) -> list[LogLine]:
        return [LogLine(line, _level(line)) for line in value.lines]


def _level(line: str) -> str:
    match = _LEVEL.search(line)
    return match.group(1) if match else "info"


class DeclaredJson(JsonPanel):
    """A source's whole document (or the part at `path`) as foldable JSON."""

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx, fold_depth=ctx.options.get("fold_depth"))
        self.sources = (source_name(ctx.options["source"]),)
        self._body = StatusPile(self.view)
        self.widget = self._body
        self._meta = ""

    def update(self, result: Result[Snapshot]) -> None:
        super().update(result)
        assert result.value is not None
        self._meta = meta_text(result.value)
        self._body.say(status_markup(result))

    @property
    def subtitle(self) -> str:
        return self._meta

    def value(self, snapshot: Snapshot) -> Any:
        path = self.ctx.options.get("path")
        return pick(snapshot.document, path) if path else snapshot.document
