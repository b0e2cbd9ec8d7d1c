"""What the deck polls from a coordinator: the run's status, and the log of the node a panel asks for.

Both fetches run in the deck's worker threads and never raise for an expected condition (no
cluster, no run, a lost connection): the connection state is part of every snapshot, so the
dashboard always says where it stands while the last status received stays on show. The
status feed remembers each node across polls (a dead node keeps its last numbers, a finished
run its final losses); the log feed depends on its ``node`` parameter alone.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import psutil

from deck import Source
from deck.plugins.falcon_nodes.client import ConnectionState, FalconClient, FalconError, Phase
from deck.plugins.falcon_nodes.model import FalconStatus, NodeStatus
from deck.widgets import LogLine

__all__ = [
    "LOG_SOURCE",
    "STATUS_SOURCE",
    "FalconView",
    "LogFeed",
    "NodeLog",
    "RunEnd",
    "RunTracker",
    "StatusFeed",
    "coordinator_sources",
    "log_lines",
]

STATUS_SOURCE = "falcon.status"
LOG_SOURCE = "falcon.log"
#: How many of the selected node's last log lines are fetched (a node usually keeps 100).
LOG_LINES = 200
#: The longest loss history kept per node (the whole run for any realistic epoch count).
MAX_LOSSES = 10_000
#: Status changes kept per node.
MAX_CHANGES = 50
#: Errors meaning the node's actor is gone, not that the node reported a failure.
_DEATHS = ("actor died", "actor unavailable")


@dataclass(frozen=True, slots=True)
class RunEnd:
    """How a finished run ended: when, after how long, and each node's final loss."""

    finished_at: float
    duration: float | None
    final_losses: tuple[tuple[str, float], ...]
    counts: tuple[tuple[str, int], ...]

    @property
    def best(self) -> tuple[str, float] | None:
        """The node with the lowest final loss."""
        return min(self.final_losses, key=lambda item: item[1], default=None)


@dataclass(frozen=True, slots=True)
class FalconView:
    """One poll as the dashboard shows it: the connection and the last status received.

    ``live`` is False when the status is left over from an earlier poll (the connection is
    lost, or the run has gone). ``ended`` is set once every node has finished for good.
    """

    connection: ConnectionState
    status: FalconStatus | None = None
    nodes: tuple[NodeStatus, ...] = ()
    live: bool = False
    ended: RunEnd | None = None
    #: CPU % and resident MB of the node actors' processes that run on this machine, by pid.
    usage: tuple[tuple[int, float, float], ...] = ()
    received_at: float | None = field(default=None, compare=False)

    def age(self, now: float | None = None) -> float | None:
        """Seconds since the status on show was received, or None without one."""
        if self.received_at is None:
            return None
        return max(0.0, (time.time() if now is None else now) - self.received_at)

    def node(self, name: str | None) -> NodeStatus | None:
        """The node with this name, if the view has one."""
        return next((node for node in self.nodes if node.name == name), None)

    def usage_of(self, pid: int | None) -> tuple[float, float] | None:
        """(CPU %, resident MB) of a local actor process, when it is one."""
        return next(((cpu, rss) for known, cpu, rss in self.usage if known == pid), None)


@dataclass(frozen=True, slots=True)
class NodeLog:
    """The last log lines of one node, or why they cannot be shown (the lines may be older)."""

    node: str | None
    lines: tuple[str, ...] = ()
    problem: str | None = None


def _losses(previous: NodeStatus, node: NodeStatus) -> tuple[float, ...]:
    """The previous whole history extended by what this report adds to it."""
    history = previous.loss_history
    if node.loss is None or (node.current_epoch == previous.current_epoch and node.loss == previous.loss):
        return history
    new = 1
    if node.current_epoch is not None and previous.current_epoch is not None:
        new = node.current_epoch - previous.current_epoch
    if new <= 0:
        return history
    recent = node.loss_history[-new:] if 1 < new <= len(node.loss_history) else (node.loss,)
    return (history + tuple(recent))[-MAX_LOSSES:]


class RunTracker:
    """Remembers every node across polls, so that the rows tell the truth to the end of a run.

    A node whose actor died keeps its last numbers and reads ``dead`` (``done`` if it had
    finished); a node reporting an error keeps them too. Loss histories grow over the whole
    run, status changes are timed, and rows without news for ``stale_after`` seconds say so.
    """

    def __init__(self, stale_after: float, clock: Callable[[], float] = time.time) -> None:
        self.stale_after = stale_after
        self._clock = clock
        self._nodes: dict[str, NodeStatus] = {}
        self._rates: dict[str, tuple[float, int]] = {}

    def report(self, status: FalconStatus) -> tuple[NodeStatus, ...]:
        """The rows after a live report."""
        now = self._clock()
        rows = tuple(self._merge(self._nodes.get(node.name), node, now) for node in status.nodes)
        self._nodes = {node.name: node for node in rows}
        return rows

    def silence(self) -> tuple[NodeStatus, ...]:
        """The rows when no report came: the last ones, marked stale once they are old enough."""
        now = self._clock()
        rows = tuple(self._aged(node, now) for node in self._nodes.values())
        self._nodes = {node.name: node for node in rows}
        return rows

    def _aged(self, node: NodeStatus, now: float) -> NodeStatus:
        if node.ended or node.seen_at is None or now - node.seen_at < self.stale_after:
            return node
        stale_for = int(now - node.seen_at)
        return node if stale_for == node.stale_for else replace(node, stale_for=stale_for)

    def _merge(self, previous: NodeStatus | None, node: NodeStatus, now: float) -> NodeStatus:
        died = node.status == "error" and node.error in _DEATHS
        if previous is None:
            status = "dead" if died else node.status
            history = node.loss_history or (() if node.loss is None else (node.loss,))
            since = node.since or now  # a run directory knows when; a coordinator does not
            return replace(
                node,
                status=status,
                loss_history=history,
                since=since,
                seen_at=now,
                changes=((since, status),),
            )
        if died or (node.status == "error" and node.current_epoch is None and node.loss is None):
            return self._failed(previous, node, now, died)
        if node.status != "error" and _same_report(previous, node):
            return previous if previous.stale_for is None else replace(previous, seen_at=now, stale_for=None)
        return replace(
            node,
            loss_history=node.loss_history if node.since is not None else _losses(previous, node),
            since=previous.since if previous.status == node.status else node.since or now,
            seen_at=now,
            changes=_changed(previous, node.status, node.since or now),
            rate=self._rate(node, now, previous.rate),
        )

    def _failed(self, previous: NodeStatus, node: NodeStatus, now: float, died: bool) -> NodeStatus:
        """The last known row, now dead or in error; a node that had finished or failed stays so."""
        if died and (
            previous.status == "done" or (previous.status == "error" and previous.error != "timeout")
        ):
            return previous  # finished, or failed, before its actor went: that stays the news
        status = "dead" if died else "error"
        error = node.error
        if previous.status == status and previous.error == error:
            return previous
        return replace(
            previous,
            status=status,
            error=error,
            traceback=node.traceback,
            since=previous.since if previous.status == status else now,
            stale_for=None,
            changes=_changed(previous, status, now),
        )

    def _rate(self, node: NodeStatus, now: float, previous: float | None) -> float | None:
        if node.samples is None:
            return previous
        base = self._rates.get(node.name)
        if base is None or node.samples < base[1]:
            self._rates[node.name] = (now, node.samples)
            return previous
        if node.samples == base[1] or now <= base[0]:
            return previous
        self._rates[node.name] = (now, node.samples)
        return (node.samples - base[1]) / (now - base[0])


def _same_report(previous: NodeStatus, node: NodeStatus) -> bool:
    return (
        previous.status == node.status
        and previous.samples == node.samples
        and previous.current_epoch == node.current_epoch
        and previous.total_epochs == node.total_epochs
        and previous.loss == node.loss
        and previous.error == node.error
        and previous.controls == node.controls
        and previous.actor_id == node.actor_id
        and previous.pid == node.pid
        and (node.since is None or previous.loss_history == node.loss_history)
    )


def _changed(previous: NodeStatus, status: str, now: float) -> tuple[tuple[float, str], ...]:
    if previous.status == status:
        return previous.changes
    return (*previous.changes, (now, status))[-MAX_CHANGES:]


def run_end(status: FalconStatus, nodes: Sequence[NodeStatus]) -> RunEnd | None:
    """The run's summary once every node has finished for good; None while any works."""
    if status.state is not None:  # a run directory: its driver says when it ended
        if status.ended_at is None:
            return None
    elif not all(node.ended for node in nodes) or all(node.status == "error" for node in nodes):
        return None  # (nodes that only fail to answer have not finished anything)
    finished = max((node.since for node in nodes if node.since is not None), default=None)
    if status.ended_at is not None:
        finished = status.ended_at.timestamp()
    if finished is None:
        return None
    started = status.started_at.timestamp() if status.started_at is not None else None
    counts: dict[str, int] = {}
    for node in nodes:
        counts[node.status] = counts.get(node.status, 0) + 1
    return RunEnd(
        finished_at=finished,
        duration=finished - started if started is not None else None,
        final_losses=tuple((node.name, node.loss) for node in nodes if node.loss is not None),
        counts=tuple(sorted(counts.items())),
    )


class ProcessUsage:
    """CPU and memory of the actor processes that run here (a remote node's pid is not ours to read)."""

    def __init__(self) -> None:
        self._processes: dict[int, psutil.Process] = {}
        self._host = _local_addresses()

    def measure(self, nodes: Sequence[NodeStatus]) -> tuple[tuple[int, float, float], ...]:
        """(pid, CPU %, resident MB) for each local pid; CPU % over the time since the last call."""
        pids = {node.pid for node in nodes if node.pid and node.host in self._host and not node.ended}
        usage = []
        for pid in sorted(pids):
            process = self._processes.get(pid)
            try:
                if process is None:
                    process = self._processes[pid] = psutil.Process(pid)
                    process.cpu_percent(None)  # the first reading only starts the clock
                    continue
                usage.append((pid, round(process.cpu_percent(None)), round(process.memory_info().rss / 1e6)))
            except psutil.Error:
                self._processes.pop(pid, None)
        for gone in set(self._processes) - pids:
            del self._processes[gone]
        return tuple((pid, float(cpu), float(rss)) for pid, cpu, rss in usage)


def _local_addresses() -> frozenset[str]:
    """This machine's IP addresses, as Ray reports a node's host."""
    try:
        return frozenset(
            address.address for addresses in psutil.net_if_addrs().values() for address in addresses
        )
    except (OSError, psutil.Error):
        return frozenset({"127.0.0.1"})


class StatusFeed:
    """The ``falcon.status`` fetch: one poll of the coordinator, remembered across polls."""

    def __init__(self, client: FalconClient, tracker: RunTracker) -> None:
        self.client = client
        self.tracker = tracker
        self.usage = ProcessUsage()
        self._view = FalconView(client.state)

    def __call__(self) -> FalconView:
        return self.accept(self.client.poll(), self.client.state)

    def accept(self, status: FalconStatus | None, connection: ConnectionState) -> FalconView:
        """The view after one poll's answer (None: no answer, keep showing the last status)."""
        if status is None:
            nodes = self.tracker.silence()
            last = self._view.status
            ended = run_end(last, nodes) if last is not None else None
            view = replace(self._view, connection=connection, nodes=nodes, live=False, ended=ended)
        else:
            nodes = self.tracker.report(status)
            view = FalconView(
                connection=connection,
                status=replace(status, nodes=nodes),
                nodes=nodes,
                live=True,
                ended=run_end(status, nodes),
                usage=self.usage.measure(nodes),
                received_at=time.time(),
            )
        self._view = view
        return view


class LogFeed:
    """The ``falcon.log`` fetch: the log tail of the node named by the ``node`` parameter."""

    def __init__(self, client: FalconClient) -> None:
        self.client = client
        self._last = NodeLog(None)

    def __call__(self, params: Mapping[str, Any]) -> NodeLog:
        node = params.get("node")
        if not isinstance(node, str):
            return self._keep(NodeLog(None, problem="no node selected"))
        state = self.client.state
        if state.phase is not Phase.CONNECTED:
            return self._keep(NodeLog(node, problem=f"log unavailable: {_first(state.describe())}"))
        try:
            return self._keep(NodeLog(node, self.client.node_log(node, LOG_LINES)))
        except FalconError as exc:
            return self._keep(NodeLog(node, problem=f"log unavailable: {_first(str(exc))}"))

    def _keep(self, log: NodeLog) -> NodeLog:
        if log.problem is not None and log.node is not None and log.node == self._last.node:
            log = replace(log, lines=self._last.lines)
        self._last = log
        return log


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


#: Seconds the scheduler allows a fetch beyond the client's own bounded connect and call.
FETCH_MARGIN = 10.0


def coordinator_sources(client: FalconClient) -> list[Source[Any]]:
    """The sources of a coordinator run: its status, and the log of the node the panels name."""
    config = client.config
    timeout = config.connect_timeout + config.timeout + FETCH_MARGIN
    backoff = max(5.0, config.refresh)
    return [
        Source(
            STATUS_SOURCE,
            StatusFeed(client, RunTracker(stale_after=2 * config.refresh)),
            interval=config.refresh,
            timeout=timeout,
            max_backoff=backoff,
            description="the coordinator's get_status: every node and the buffer",
        ),
        Source(
            LOG_SOURCE,
            LogFeed(client),
            interval=config.refresh,
            timeout=timeout,
            max_backoff=backoff,
            description="the selected node's last log lines",
            params={"node": None},
        ),
    ]
