"""The Falcon node table, the node detail and the selected node's log (the summary: panels_summary.py)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import urwid

from deck import LogPanel, Panel, PanelContext, Result, TablePanel
from deck.plugins.falcon_nodes.model import NodeStatus, SortMode, sort_nodes
from deck.plugins.falcon_nodes.source import (
    LOG_LINES,
    LOG_SOURCE,
    STATUS_SOURCE,
    FalconView,
    NodeLog,
    log_lines,
)
from deck.widgets import (
    Cell,
    Column,
    KeyValue,
    LogLine,
    Segment,
    Table,
    badge,
    progress_bar,
    sparkline,
)

__all__ = [
    "DETAIL_SCREEN",
    "HINTS",
    "LOG_HINTS",
    "STATUS_ROLES",
    "NodeDetailPanel",
    "NodeLogPanel",
    "NodeTable",
    "NodesPanel",
    "curve",
    "node_columns",
]

#: Status colours: green running, blue on its way, orange held, red failed, cyan finished.
STATUS_ROLES = {
    "training": "good",
    "simulating": "good",
    "initializing": "info",
    "idle": "muted",
    "paused": "warn",
    "interrupted": "warn",
    "stopped": "warn",
    "done": "accent",
    "error": "bad",
    "failed": "bad",
    "dead": "bad",
    "unknown": "muted",
}
#: The plugin's actions the panels list in the footer (see actions.py).
HINTS = ("falcon.open_node", "falcon.sort")
LOG_HINTS = ("falcon.next_node", "falcon.prev_node")
#: The screen Enter on a node opens, when the layout has one by that name.
DETAIL_SCREEN = "Node"


# ---- node table -----------------------------------------------------------------------------------

_STATUS, _SAMPLES, _LOSS = 14, 9, 8
_GAPS = 5  # between six columns
#: The sparkline shows at most this many of the last losses.
TREND_POINTS = 40


def _samples(value: int | None) -> Cell:
    return [("muted", "—")] if value is None else f"{value:,}"


def _loss(value: float | None) -> Cell:
    if value is None:
        return [("muted", "—")]
    if not math.isfinite(value):
        return [("bad", str(value))]
    return f"{value:.4f}"


_BADGE = badge(STATUS_ROLES)


def _status(node: NodeStatus) -> Cell:
    """The status badge; a finished node says when, a row without news for a while is dimmed."""
    if node.stale_for is not None:
        return [("muted", f"{node.status} · {node.stale_for}s?")]
    badge_ = _BADGE(node.status)
    if node.ended and node.since is not None and isinstance(badge_, list):
        return [*badge_, ("muted", datetime.fromtimestamp(node.since).strftime(" %H:%M"))]
    return badge_


def _trend(points: int) -> Callable[[NodeStatus], Cell]:
    def render(node: NodeStatus) -> Cell:
        if node.error and node.status != "dead":  # a dead node's badge says it; its curve stays
            return [("bad", f"⚠ {node.error}")]
        return sparkline(node.loss_history, points)

    return render


def _progress(bar: int) -> Callable[[float | None], Cell]:
    return lambda fraction: progress_bar(fraction, bar)


def node_columns(width: int) -> list[Column[NodeStatus]]:
    """The table's columns for a width; the trend (or a node's error) gets the room left over."""
    name = min(24, max(10, width // 7))
    bar = min(20, max(6, width // 10))
    trend = max(8, width - _GAPS - name - _STATUS - _SAMPLES - _LOSS - (bar + 5))
    return [
        Column("Node", lambda n: n.name, width=name, sortable=False),
        Column("Status", lambda n: n, _status, width=_STATUS, sortable=False),
        Column("Samples", lambda n: n.samples, _samples, width=_SAMPLES, align="right", sortable=False),
        Column("Loss", lambda n: n.loss, _loss, width=_LOSS, align="right", sortable=False),
        Column("Trend", lambda n: n, _trend(min(trend, TREND_POINTS)), min_width=trend, sortable=False),
        Column("Progress", lambda n: n.progress, _progress(bar), width=bar + 5, sortable=False),
    ]


class NodeTable(Table[NodeStatus]):
    """The node table; its trend and progress columns are refitted when its width changes."""

    def __init__(self, on_select: Callable[[NodeStatus | None], None]) -> None:
        super().__init__(
            node_columns(80), row_id=lambda node: node.name, on_select=on_select, empty="no nodes yet"
        )
        self._fitted_width = 80

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]  # a box widget
        if size[0] != self._fitted_width:
            self._fitted_width = size[0]
            self.columns = node_columns(size[0])
        return super().render(size, focus)


class NodesPanel(TablePanel[NodeStatus]):
    """Every node of the run, in the operator's sort order; the selection drives the log."""

    sources = (STATUS_SOURCE,)

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx, table=NodeTable(self._selected))
        self.sort = SortMode(ctx.config.get("sort") or "name")
        self._view: FalconView | None = None

    def update(self, result: Result[FalconView]) -> None:
        if result.value is not None:
            self._view = result.value
            self._show(result.value)

    def cycle_sort(self) -> SortMode:
        """Switch to the next sort order and show it now, without waiting for a poll."""
        self.sort = self.sort.next()
        if self._view is not None:
            self._show(self._view)
        return self.sort

    def _show(self, view: FalconView) -> None:
        self.table.empty = "no nodes yet" if view.status is None else "the run has no nodes registered"
        self.table.update(sort_nodes(view.nodes, self.sort))

    def _selected(self, node: NodeStatus | None) -> None:
        name = node.name if node is not None else None
        if name != self.ctx.deck.params(LOG_SOURCE).get("node"):
            self.ctx.deck.retarget(LOG_SOURCE, node=name)

    def move(self, step: int) -> None:
        """Select the node `step` rows below (negative: above) the selected one."""
        self.table.cursor = self.table.cursor + step

    @property
    def subtitle(self) -> str:
        parts = [f"{self.table.summary} nodes", f"sort: {self.sort.value}"]
        view = self._view
        age = view.age() if view is not None else None
        if view is not None and view.status is not None and not view.live and age is not None:
            parts.append(f"last update {age:.0f} s ago")
        return " · ".join(parts)

    def hints(self) -> Sequence[tuple[str, str] | str]:
        return HINTS


# ---- node detail ------------------------------------------------------------------------------------


def curve(values: Sequence[float], width: int) -> Cell:
    """A sparkline of a whole history: long histories are averaged into `width` buckets."""
    points = [value for value in values if math.isfinite(value)]
    if len(points) > width > 0:
        step = len(points) / width
        points = [
            sum(bucket) / len(bucket)
            for index in range(width)
            if (bucket := points[int(index * step) : max(int(index * step) + 1, int((index + 1) * step))])
        ]
    return sparkline(points)


def _clock(stamp: float | None) -> str:
    return "—" if stamp is None else datetime.fromtimestamp(stamp).strftime("%H:%M:%S")


def _changes(node: NodeStatus) -> Cell:
    segments: list[Segment] = []
    for index, (stamp, status) in enumerate(node.changes[-6:]):
        if index:
            segments.append(("muted", " → "))
        segments += [(STATUS_ROLES.get(status, "text"), status), ("muted", f" {_clock(stamp)}")]
    return segments or [("muted", "—")]


def _usage(usage: tuple[float, float] | None) -> Cell:
    if usage is None:
        return [("muted", "— (the actor's process is not on this machine, or has ended)")]
    cpu, rss = usage
    return [("text", f"CPU {cpu:.0f}%  RSS {rss:,.0f} MB"), ("muted", "  (the actor's process)")]


def detail_pairs(
    node: NodeStatus, width: int, usage: tuple[float, float] | None = None
) -> list[tuple[str | None, Cell]]:
    """What the detail view says about one node, line by line."""
    status: list[Segment] = [(STATUS_ROLES.get(node.status, "text"), node.status)]
    if node.since is not None:
        status.append(("muted", f" since {_clock(node.since)}"))
    if node.stale_for is not None:
        status.append(("warn", f"  no news for {node.stale_for} s"))
    epochs = (
        f"{node.current_epoch}/{node.total_epochs}" if node.total_epochs else str(node.current_epoch or "—")
    )
    rate = f"  ({node.rate:,.1f} samples/s)" if node.rate is not None else ""
    if node.steps_rate is not None:
        rate += f"  ({node.steps_rate:,.1f} steps/s)"
    losses = [value for value in node.loss_history if math.isfinite(value)]
    best = f"  best {min(losses):.4f}  over {len(losses):,} epochs" if losses else ""
    pairs: list[tuple[str | None, Cell]] = [("Status", status)]
    if node.error:  # what went wrong first: the rest can wait below
        pairs.append(("Error", [("bad", node.error)]))
    raised = raised_at(node.traceback or "")
    if raised:  # a traceback ends where the error was raised: say so before its first frames
        pairs.append(("Raised at", [("text", raised)]))
    pairs += [
        ("History", _changes(node)),
        ("Epoch", epochs),
        ("Samples", f"{_samples(node.samples) if node.samples is not None else '—'}{rate}"),
        ("Loss", [("text", _loss_text(node.loss)), ("muted", best)]),
        ("Curve", curve(node.loss_history, max(8, width - 12))),
        ("Actor", _actor(node)),
        ("Resources", _resources(node)),
    ]
    if node.pid:
        pairs.append(("Usage", _usage(usage)))
    if node.traceback:
        pairs.append(("Traceback", [("muted", "")]))
        pairs += [(None, [("muted", line)]) for line in node.traceback.splitlines()]
    return pairs


_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+), in (?P<function>\S+)')


def raised_at(traceback: str) -> str | None:
    """The innermost frame of a Python traceback: `src/model.py:19 in simulate_batch: raise ...`."""
    lines = traceback.splitlines()
    for index in range(len(lines) - 1, -1, -1):
        frame = _FRAME.match(lines[index])
        if frame is None:
            continue
        code = lines[index + 1].strip() if index + 1 < len(lines) else ""
        where = f"{'/'.join(frame['path'].rsplit('/', 2)[-2:])}:{frame['line']} in {frame['function']}"
        return f"{where}: {code}" if code and not code.startswith(("File ", "^")) else where
    return None


def _actor(node: NodeStatus) -> Cell:
    if node.actor_id is None:
        return [("muted", "—")]
    where = f"  pid {node.pid} on {node.host}" if node.pid and node.host else ""
    ray_node = f"  (Ray node {node.node_id[:12]}…)" if node.node_id else ""
    return [("text", node.actor_id), ("muted", where + ray_node)]


def _resources(node: NodeStatus) -> Cell:
    """The Ray node's resources, as Ray counts them (memory in bytes shown in GB)."""
    if not node.resources:
        return [("muted", "—")]
    parts = [
        f"{key} {amount / 1e9:.1f} GB" if key == "memory" else f"{key} {amount:g}"
        for key, amount in node.resources
    ]
    return [("muted", "Ray node: "), ("text", ", ".join(parts))]


def _loss_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}" if math.isfinite(value) else str(value)


class _DetailLines(KeyValue):
    """Key-value lines rebuilt for the width they are drawn at (the curve takes the width)."""

    def __init__(self, pairs: Callable[[int], list[tuple[str | None, Cell]]]) -> None:
        super().__init__()
        self._make = pairs
        self._width = 0

    def refill(self) -> None:
        """Rebuild the lines at the last width drawn."""
        self.pairs = self._make(self._width or 80)

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]  # a box widget
        if size[0] != self._width:
            self._width = size[0]
            self.refill()
        return super().render(size, focus)


class NodeDetailPanel(Panel):
    """Everything known of the node the log follows: status history, whole loss curve, error, actor."""

    sources = (STATUS_SOURCE, LOG_SOURCE)

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx)
        self._view: FalconView | None = None
        self.lines = _DetailLines(self._pairs)
        self.widget = self.lines

    @property
    def node_name(self) -> str | None:
        """The node shown: the one the log source is fetched for."""
        name = self.ctx.deck.params(LOG_SOURCE).get("node")
        return name if isinstance(name, str) else None

    @property
    def title(self) -> str:
        return f"{self.ctx.title} · {self.node_name}" if self.node_name else self.ctx.title

    def update(self, result: Result[Any]) -> None:
        if isinstance(result.value, FalconView):
            self._view = result.value
        self.lines.refill()

    def _pairs(self, width: int) -> list[tuple[str | None, Cell]]:
        name = self.node_name
        node = self._view.node(name) if self._view is not None else None
        if node is None:
            return [(None, [("muted", "select a node in the node table and press Enter")])]
        return detail_pairs(node, width, self._view.usage_of(node.pid) if self._view is not None else None)

    @property
    def selection(self) -> Any:
        return self._view.node(self.node_name) if self._view is not None else None


# ---- log ------------------------------------------------------------------------------------------


class NodeLogPanel(LogPanel):
    """The selected node's last log lines, following it as the selection moves."""

    sources = (LOG_SOURCE,)

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx, maxlen=LOG_LINES + 1)
        self._node: str | None = None

    @property
    def title(self) -> str:
        return f"{self.ctx.title} · {self._node}" if self._node else self.ctx.title

    def update(self, result: Result[NodeLog]) -> None:
        log = result.value
        if log is not None and log.node != self._node:
            self._node = log.node
            self.log.follow, self.log.paused = True, False
        super().update(result)

    def lines(self, value: Any) -> list[LogLine]:
        if not isinstance(value, NodeLog):
            return []
        lines = log_lines(value.lines)
        if value.problem:
            lines.append(LogLine(value.problem, "warn" if value.node else "debug"))
        elif not lines:
            lines.append(LogLine(f"{value.node} has not logged anything yet", "debug"))
        return lines

    def hints(self) -> Sequence[Any]:  # action ids, as the base Panel takes them
        return LOG_HINTS
