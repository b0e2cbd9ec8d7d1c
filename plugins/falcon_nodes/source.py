"""What the deck polls: the run's status and the selected node's log, through one FalconClient.

Both fetches run in the deck's worker threads and never raise for an expected condition (no
cluster, no run, a lost connection): the connection state is part of every snapshot, so the
dashboard always says where it stands while the last status received stays on show.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from deck.plugins.falcon_nodes.client import (
    ConnectionState,
    FalconClient,
    FalconConfig,
    FalconError,
    Phase,
)
from deck.plugins.falcon_nodes.model import FalconStatus, NodeStatus, SortMode, sort_nodes
from deck.widgets import LogLine

__all__ = [
    "LOG_SOURCE",
    "STATUS_SOURCE",
    "FalconSession",
    "FalconView",
    "NodeLog",
    "log_lines",
]

STATUS_SOURCE = "falcon.status"
LOG_SOURCE = "falcon.log"
#: How many of the selected node's last log lines are fetched (a node usually keeps 100).
LOG_LINES = 200


@dataclass(frozen=True, slots=True)
class FalconView:
    """One poll as the dashboard shows it: the connection and the last status received.

    ``nodes`` are the status's nodes in ``sort`` order. ``live`` is False when the status is
    left over from an earlier poll (the connection is lost, or the run has gone).
    """

    connection: ConnectionState
    status: FalconStatus | None = None
    nodes: tuple[NodeStatus, ...] = ()
    sort: SortMode = SortMode.NAME
    live: bool = False
    received_at: float | None = field(default=None, compare=False)

    def age(self, now: float | None = None) -> float | None:
        """Seconds since the status on show was received, or None without one."""
        if self.received_at is None:
            return None
        return max(0.0, (time.time() if now is None else now) - self.received_at)


@dataclass(frozen=True, slots=True)
class NodeLog:
    """The last log lines of one node, or why they cannot be shown (the lines may be older)."""

    node: str | None
    lines: tuple[str, ...] = ()
    problem: str | None = None


class FalconSession:
    """The plugin's live state, shared by its sources, panels and actions.

    Owns the client (opened on the deck's start, closed on its exit), the operator's sort
    mode and selected node, and keeps node rows stable: a node whose status did not change
    between polls keeps its NodeStatus object, so the table can reuse its drawn line.
    """

    def __init__(self, config: FalconConfig | None = None) -> None:
        self.client: FalconClient | None = None
        self.selected: str | None = None
        self._rows: dict[str, NodeStatus] = {}
        self._log = NodeLog(None)
        self.configure(config or FalconConfig())

    def configure(self, config: FalconConfig, sort: SortMode = SortMode.NAME) -> None:
        """Take the layout's settings (before the client is opened)."""
        self.config = config
        self.sort = sort
        self._view = FalconView(ConnectionState(Phase.CONNECTING, config.address), sort=sort)

    def open(self) -> None:
        """Create the client; it connects on the first poll."""
        if self.client is None:
            self.client = FalconClient(self.config)

    def close(self) -> None:
        """Stop the client's Ray child process, ending a request in flight."""
        client, self.client = self.client, None
        if client is not None:
            client.close()

    @property
    def connection(self) -> ConnectionState:
        """The connection as of now (readable while a poll is waiting on Ray)."""
        client = self.client
        return client.state if client is not None else self._view.connection

    @property
    def view(self) -> FalconView:
        """The latest view built by a poll."""
        return self._view

    def retry_now(self) -> None:
        """Make the next poll try to connect at once, skipping the back-off."""
        if self.client is not None:
            self.client.retry_now()

    # ---- polling (worker threads) -------------------------------------------------------------

    def fetch_status(self) -> FalconView:
        """Poll the coordinator once; the view says how the connection stands."""
        client = self.client
        if client is None:
            return self._view
        return self.accept(client.poll(), client.state)

    def accept(self, status: FalconStatus | None, connection: ConnectionState) -> FalconView:
        """The view after one poll's answer (None: no answer, keep showing the last status)."""
        if status is None:
            view = replace(self._view, connection=connection, live=False)
        else:
            nodes = self._stable(status.nodes)
            view = FalconView(
                connection=connection,
                status=replace(status, nodes=nodes),
                nodes=sort_nodes(nodes, self.sort),
                sort=self.sort,
                live=True,
                received_at=time.time(),
            )
        self._view = view
        return view

    def _stable(self, nodes: Sequence[NodeStatus]) -> tuple[NodeStatus, ...]:
        previous = self._rows
        stable = tuple(old if (old := previous.get(node.name)) == node else node for node in nodes)
        self._rows = {node.name: node for node in stable}
        return stable

    def fetch_log(self) -> NodeLog:
        """The selected node's log tail; when it cannot be read, the reason (and the old lines)."""
        node, client = self.selected, self.client
        if node is None:
            return self._keep(NodeLog(None, problem="no node selected"))
        state = client.state if client is not None else self._view.connection
        if client is None or state.phase is not Phase.CONNECTED:
            return self._keep(NodeLog(node, problem=f"log unavailable: {_first(state.describe())}"))
        try:
            return self._keep(NodeLog(node, client.node_log(node, LOG_LINES)))
        except FalconError as exc:
            return self._keep(NodeLog(node, problem=f"log unavailable: {_first(str(exc))}"))

    def _keep(self, log: NodeLog) -> NodeLog:
        if log.problem is not None and log.node is not None and log.node == self._log.node:
            log = replace(log, lines=self._log.lines)
        self._log = log
        return log

    # ---- the operator's choices (event loop) -------------------------------------------------

    def cycle_sort(self) -> SortMode:
        """Switch to the next sort mode; returns it."""
        self.sort = self.sort.next()
        return self.sort

    def pause(self, name: str) -> str:
        """Pause a node (blocking); FalconError says why it did not."""
        return self._client_for(f"pause {name}").pause(name)

    def resume(self, name: str) -> str:
        """Resume a node (blocking); FalconError says why it did not."""
        return self._client_for(f"resume {name}").resume(name)

    def _client_for(self, what: str) -> FalconClient:
        client = self.client
        if client is None or client.state.phase is not Phase.CONNECTED:
            raise FalconError(f"cannot {what}: {self.connection.describe()}")
        return client


def _first(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


_STAMP = re.compile(r"\[(\d{2}):(\d{2}):(\d{2})\]\s?")
_ERROR = re.compile(r"\b(error|exception|traceback|failed|fatal|nan)\b", re.IGNORECASE)
_WARN = re.compile(r"\bwarn(ing)?\b", re.IGNORECASE)


def _level(text: str) -> str:
    if _ERROR.search(text):
        return "error"
    return "warn" if _WARN.search(text) else "info"


def _stamp_time(match: re.Match[str], now: datetime) -> float | None:
    hours, minutes, seconds = (int(part) for part in match.groups())
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    stamp = now.replace(hour=hours, minute=minutes, second=seconds, microsecond=0)
    if stamp > now + timedelta(minutes=5):  # written before midnight
        stamp -= timedelta(days=1)
    return stamp.timestamp()


def log_lines(lines: Iterable[str], now: datetime | None = None) -> list[LogLine]:
    """Node log lines for a LogView: a leading "[HH:MM:SS]" becomes the line's time (today)."""
    now = now or datetime.now()
    result = []
    for text in lines:
        match = _STAMP.match(text)
        stamp = _stamp_time(match, now) if match else None
        body = text[match.end() :] if match and stamp is not None else text
        result.append(LogLine(body, _level(body), stamp))
    return result
