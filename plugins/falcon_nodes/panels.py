"""The Falcon node table and the selected node's log (the run summary is in summary.py)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import urwid

from deck import LogPanel, PanelContext, Result, TablePanel
from deck.plugins.falcon_nodes.model import NodeStatus, sort_nodes
from deck.plugins.falcon_nodes.source import (
    LOG_LINES,
    LOG_SOURCE,
    STATUS_SOURCE,
    FalconSession,
    FalconView,
    NodeLog,
    log_lines,
)
from deck.widgets import Cell, Column, LogLine, Table, badge, progress_bar, sparkline

__all__ = [
    "HINTS",
    "LOG_HINTS",
    "STATUS_ROLES",
    "NodeLogPanel",
    "NodeTable",
    "NodesPanel",
    "node_columns",
]

#: Status colours: green running, blue on its way, orange held, red failed, cyan finished.
STATUS_ROLES = {
    "training": "good",
    "simulating": "good",
    "initializing": "info",
    "idle": "muted",
    "paused": "warn",
    "done": "accent",
    "error": "bad",
    "unknown": "muted",
}
#: The plugin's global actions the panels list in the footer (see actions.py); the table
#: moves with j/k itself, the log panel's j/k scroll the log, so it lists the node keys.
HINTS = ("falcon.sort",)
LOG_HINTS = ("falcon.next_node", "falcon.sort")


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


def _trend(points: int) -> Callable[[NodeStatus], Cell]:
    def render(node: NodeStatus) -> Cell:
        if node.error:
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
        Column("Status", lambda n: n.status, badge(STATUS_ROLES), width=_STATUS, sortable=False),
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

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:
        if size[0] != self._fitted_width:
            self._fitted_width = size[0]
            self.columns = node_columns(size[0])
        return super().render(size, focus)


class NodesPanel(TablePanel[NodeStatus]):
    """Every node of the run, in the operator's sort order; the selection drives the log."""

    sources = (STATUS_SOURCE,)

    def __init__(self, ctx: PanelContext, session: FalconSession) -> None:
        super().__init__(ctx, table=NodeTable(self._selected))
        self.session = session
        self._view: FalconView | None = None

    def update(self, result: Result[FalconView]) -> None:
        if result.value is not None:
            self._view = result.value
            self._show(result.value)

    def resort(self) -> None:
        """Show the nodes in the session's (new) sort order now, without waiting for a poll."""
        if self._view is not None:
            self._show(self._view)

    def _show(self, view: FalconView) -> None:
        mode = self.session.sort
        nodes = view.nodes if view.sort is mode else sort_nodes(view.nodes, mode)
        self.table.empty = "no nodes yet" if view.status is None else "the run has no nodes registered"
        self.table.update(nodes)

    def _selected(self, node: NodeStatus | None) -> None:
        name = node.name if node is not None else None
        if name != self.session.selected:
            self.session.selected = name
            self.ctx.deck.refresh(LOG_SOURCE)

    def move(self, step: int) -> None:
        """Select the node `step` rows below (negative: above) the selected one."""
        self.table.cursor = self.table.cursor + step

    @property
    def subtitle(self) -> str:
        parts = [f"{self.table.summary} nodes", f"sort: {self.session.sort.value}"]
        view = self._view
        age = view.age() if view is not None else None
        if view is not None and view.status is not None and not view.live and age is not None:
            parts.append(f"last update {age:.0f} s ago")
        return " · ".join(parts)

    def hints(self) -> Sequence[tuple[str, str] | str]:
        return HINTS


# ---- log ------------------------------------------------------------------------------------------


class NodeLogPanel(LogPanel):
    """The selected node's last log lines, following it as the selection moves."""

    sources = (LOG_SOURCE,)

    def __init__(self, ctx: PanelContext, session: FalconSession) -> None:
        super().__init__(ctx, maxlen=LOG_LINES + 1)
        self.session = session
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

    def hints(self) -> Sequence[tuple[str, str] | str]:
        return LOG_HINTS
