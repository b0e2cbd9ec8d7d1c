"""The run summary: connection, run directory, elapsed time or how the run ended, node counts, buffer bar."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

import urwid

from deck import Panel, PanelContext, Result
from deck.plugins.falcon_nodes.client import ConnectionState, Phase
from deck.plugins.falcon_nodes.model import STATUS_ORDER, BufferStats
from deck.plugins.falcon_nodes.panels import HINTS, STATUS_ROLES
from deck.plugins.falcon_nodes.source import STATUS_SOURCE, FalconView, RunEnd
from deck.widgets import Cell, KeyValue, Segment, icons

__all__ = ["SummaryPanel", "buffer_markup", "connection_markup", "connection_segment", "phase_role"]

_PHASE_ROLES = {
    Phase.CONNECTED: "good",
    Phase.CONNECTING: "info",
    Phase.WAITING: "warn",
    Phase.GONE: "warn",
    Phase.FILES: "good",
}
_SHORT = {
    Phase.CONNECTING: "connecting to {address}",
    Phase.CONNECTED: "connected to {address}",
    Phase.WAITING: "waiting for a run",
    Phase.GONE: "coordinator gone",
    Phase.LOST: "connection lost",
    Phase.NO_CLUSTER: "no Ray cluster",
    Phase.REFUSED: "refused by the Ray cluster",
    Phase.NO_RAY: "Ray is not installed",
    Phase.FILES: "reading {address}",
}
_LABEL_WIDTH = len("Failure") + 2  # the widest label and KeyValue's gap


def phase_role(state: ConnectionState) -> str:
    """The theme role a connection state is drawn in."""
    return _PHASE_ROLES.get(state.phase, "bad")


def connection_markup(state: ConnectionState, *, short: bool = False) -> list[Segment]:
    """The connection as a coloured dot and text; `short` fits the header."""
    if not short:
        return [(phase_role(state), f"{icons.dot} "), ("text", state.describe())]
    text = _SHORT[state.phase].format(address=state.address)
    retry = state.retry_in()
    if retry is not None:
        text += f" (retry in {retry} s)"
    return [(phase_role(state), f"{icons.dot} {text}")]


def _clock(elapsed: timedelta | None) -> str:
    if elapsed is None:
        return "—"
    seconds = int(elapsed.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    text = f"{hours:02d}:{seconds // 60:02d}:{seconds % 60:02d}"
    return f"{days}d {text}" if days else text


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


class _LiveLines(urwid.WidgetWrap[KeyValue]):
    """Key-value lines computed at every draw: the elapsed time and retry countdown tick."""

    no_cache: ClassVar[Sequence[str]] = ("render",)

    def __init__(self, pairs: Callable[[int], list[tuple[str | None, Cell]]]) -> None:
        self._pairs = pairs
        self._view = KeyValue()
        super().__init__(self._view)

    def selectable(self) -> bool:
        return False

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]  # a box widget
        self._view.pairs = self._pairs(size[0])
        return self._view.render(size, focus)


def buffer_markup(buffer: BufferStats | None, width: int) -> list[Segment]:
    """A proportional bar of training | validation | disfavoured samples, with a legend."""
    if buffer is None:
        return [("muted", "no dataset manager registered")]
    if buffer.error:
        return [("bad", f"⚠ {buffer.error}")]
    full = icons.bar[0]
    parts = (
        ("good", full, buffer.training, "training"),
        ("info", "=" if icons.ascii else "▓", buffer.validation, "validation"),
        ("magenta", ":" if icons.ascii else "▒", buffer.disfavoured, "disfavoured"),
    )
    legend: list[Segment] = []
    for index, (role, glyph, count, label) in enumerate(parts):
        legend += [("muted", "  " if index else " "), (role, glyph), ("text", f" {_count(count)} {label}")]
    bar_width = max(8, min(48, width - sum(len(text) for _, text in legend)))
    total = sum(count or 0 for _, _, count, _ in parts)
    if not total:
        return [("bar_empty", icons.bar[1] * bar_width), *legend]
    cells = [(count or 0) * bar_width / total for _, _, count, _ in parts]
    widths = [math.floor(cell) for cell in cells]
    by_remainder = sorted(range(len(cells)), key=lambda i: widths[i] - cells[i])
    for index in by_remainder[: bar_width - sum(widths)]:  # largest remainders get the spare cells
        widths[index] += 1
    bar: list[Segment] = [(part[0], part[1] * cells) for part, cells in zip(parts, widths)]
    return [*bar, *legend]


_ENDINGS = {"failed": ("bad", "failed "), "interrupted": ("warn", "interrupted ")}


def connection_segment(result: Result[Any]) -> list[Segment]:
    """The header's short connection segment."""
    view = result.value
    if not isinstance(view, FalconView):
        return [("info", "connecting to Ray")]
    return connection_markup(view.connection, short=True)


def ended_markup(ended: RunEnd, state: str | None = None) -> list[Segment]:
    """How a finished run ended: when, after how long, and its best final loss."""
    at = datetime.fromtimestamp(ended.finished_at).strftime("%Y-%m-%d %H:%M:%S")
    segments: list[Segment] = [_ENDINGS.get(state or "", ("accent", "finished ")), ("text", at)]
    if ended.duration is not None:
        segments += [("muted", " after "), ("text", _clock(timedelta(seconds=max(0.0, ended.duration))))]
    best = ended.best
    if best is not None:
        segments += [("muted", "  best final loss "), ("text", f"{best[1]:.4f}"), ("muted", f" ({best[0]})")]
    return segments


class SummaryPanel(Panel):
    """Connection, run directory, elapsed time (or how the run ended), node counts, the buffer bar."""

    sources = (STATUS_SOURCE,)

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx)
        self.widget = _LiveLines(self._pairs)
        self._view: FalconView | None = None
        self._counted: FalconView | None = None
        self._counts: list[Segment] = []

    def update(self, result: Result[FalconView]) -> None:
        if isinstance(result.value, FalconView):
            self._view = result.value

    def _pairs(self, width: int) -> list[tuple[str | None, Cell]]:
        view = self._view
        if view is None:
            return [("Ray", [("info", f"{icons.dot} "), ("text", "connecting…")])]
        label = "Files" if view.connection.phase is Phase.FILES else "Ray"
        pairs: list[tuple[str | None, Cell]] = [(label, connection_markup(view.connection))]
        status = view.status
        if status is None:
            pairs.append(("Run", [("muted", "no run yet")]))
            return pairs
        if view.live or view.received_at is None:
            elapsed = status.elapsed()
        else:
            tz = status.started_at.tzinfo if status.started_at else None
            elapsed = status.elapsed(datetime.fromtimestamp(view.received_at, tz))
        age = view.age()
        stale: list[Segment] = [] if view.live or age is None else [("warn", f"  as of {age:.0f} s ago")]
        timing: list[Segment] = (
            [("muted", "  "), *ended_markup(view.ended, status.state)]
            if view.ended is not None
            else [("muted", "  elapsed "), ("text", _clock(elapsed))]
        )
        run: list[Segment] = [
            ("title", status.run_dir or "(unnamed run)"),
            *stale,
            *timing,
            ("muted", "  "),
            *self._node_counts(view),
        ]
        if status.problem:
            run = [("bad", f"⚠ {status.problem}")]
        pairs.append(("Run", run))
        if status.failure:
            pairs.append(("Failure", [("bad", f"⚠ {status.failure}")]))
        pairs.append(("Buffer", buffer_markup(status.buffer, width - _LABEL_WIDTH)))
        return pairs

    def _node_counts(self, view: FalconView) -> list[Segment]:
        if view is not self._counted:
            counts = Counter(node.status for node in view.nodes)
            order = sorted(counts, key=lambda s: (STATUS_ORDER.get(s, len(STATUS_ORDER)), s))
            segments: list[Segment] = [("text", f"{len(view.nodes):,} nodes")]
            for index, status in enumerate(order):
                role = STATUS_ROLES.get(status, "text")
                segments += [("muted", ", " if index else ": "), (role, f"{counts[status]:,} {status}")]
            self._counted, self._counts = view, segments
        return self._counts

    def hints(self) -> Sequence[tuple[str, str] | str]:
        return HINTS
