"""Immutable snapshots of a Falcon run, parsed defensively from the coordinator's status dict."""

from __future__ import annotations

import enum
import functools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = [
    "ENDED",
    "MAX_HISTORY",
    "STATUS_ORDER",
    "BufferStats",
    "FalconStatus",
    "NodeStatus",
    "SortMode",
    "first_meaningful_line",
    "parse_node",
    "parse_status",
    "sort_nodes",
    "strip_ansi",
]

#: How the status sort ranks nodes: what needs the operator first (errors), then work in
#: progress, then waiting, then finished. Any other status ranks after these, by its text.
STATUS_ORDER: Mapping[str, int] = {
    "error": 0,
    "failed": 0,
    "dead": 1,
    "training": 2,
    "simulating": 3,
    "initializing": 4,
    "paused": 5,
    "idle": 6,
    "interrupted": 7,
    "done": 8,
}

#: A node's loss history is a trend line; longer replies are cut to their last entries.
MAX_HISTORY = 100
#: Statuses a node never leaves: its row keeps its last known numbers.
ENDED = frozenset({"done", "dead", "error", "failed", "interrupted"})

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit|Failure)\b.*")


def strip_ansi(text: str) -> str:
    """Ray's own error text without its colour codes (sanitising still escapes anything else)."""
    return _ANSI.sub("", text)


def first_meaningful_line(text: str) -> str:
    """The line that says what went wrong: the last exception line of a traceback, else the first line."""
    lines = [line.strip() for line in strip_ansi(text).strip().splitlines() if line.strip()]
    if not lines:
        return ""
    exceptions = [line for line in lines if _EXCEPTION_LINE.match(line)]
    return exceptions[-1] if exceptions else lines[0]


@dataclass(frozen=True, slots=True)
class NodeStatus:
    """One training node as last reported; None means the node did not say."""

    name: str
    status: str
    samples: int | None = None
    current_epoch: int | None = None
    total_epochs: int | None = None
    loss: float | None = None
    loss_history: tuple[float, ...] = ()
    error: str | None = None
    traceback: str | None = None
    actor_id: str | None = None
    controls: tuple[str, ...] = ()
    #: When the node entered its status, and when the monitor last heard from it (Unix seconds).
    since: float | None = None
    seen_at: float | None = None
    #: Seconds without news, once the row counts as stale (None: up to date).
    stale_for: int | None = None
    #: The status changes the monitor saw, oldest first: (Unix seconds, status).
    changes: tuple[tuple[float, str], ...] = ()
    #: Samples per second over the last change of the sample count.
    rate: float | None = None
    #: Training steps per second (falcon-sbi's Epoch lines).
    steps_rate: float | None = None
    #: Where the node's actor runs: host, pid, Ray node id, and that Ray node's resources.
    host: str | None = None
    pid: int | None = None
    node_id: str | None = None
    resources: tuple[tuple[str, float], ...] = ()

    @property
    def ended(self) -> bool:
        """Whether the node is finished for good (done, dead or failed)."""
        return self.status in ENDED

    @property
    def progress(self) -> float | None:
        """Fraction of epochs done in [0, 1]; 1 when done, None when unknown."""
        if self.status == "done":
            return 1.0
        if self.current_epoch is None or not self.total_epochs or self.total_epochs <= 0:
            return None
        return min(1.0, max(0.0, self.current_epoch / self.total_epochs))


@dataclass(frozen=True, slots=True)
class BufferStats:
    """The dataset manager's sample counts, or the reason they are missing."""

    training: int | None = None
    validation: int | None = None
    disfavoured: int | None = None
    total_length: int | None = None
    tombstone: int | None = None
    deleted: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class FalconStatus:
    """One answer of the coordinator's get_status, ready for display."""

    run_dir: str | None
    started_at: datetime | None
    nodes: tuple[NodeStatus, ...]
    buffer: BufferStats | None
    problem: str | None = None
    #: A run read from its directory: running ("starting"), done, failed or interrupted, and why.
    state: str | None = None
    failure: str | None = None
    ended_at: datetime | None = None
    ray_address: str | None = None
    #: The local driver process (pid, start time) that an interrupt would go to.
    driver: tuple[int, float] | None = None

    def elapsed(self, now: datetime | None = None) -> timedelta | None:
        """Time since the run started, or None when the start time is unknown."""
        if self.started_at is None:
            return None
        now = now or datetime.now(self.started_at.tzinfo)
        return max(timedelta(0), now - self.started_at)

    def node(self, name: str) -> NodeStatus | None:
        """The node with this name, if the run has one."""
        return next((node for node in self.nodes if node.name == name), None)


class SortMode(enum.Enum):
    """Node table orders, cycled name → status → loss."""

    NAME = "name"
    STATUS = "status"
    LOSS = "loss"

    def next(self) -> SortMode:
        """The mode after this one, wrapping around."""
        modes = list(SortMode)
        return modes[(modes.index(self) + 1) % len(modes)]


_DIGITS = re.compile(r"(\d+)")


@functools.lru_cache(maxsize=16384)  # names repeat every poll
def _natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Orders 'node-2' before 'node-10' while keeping plain text alphabetical."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.casefold()) for part in _DIGITS.split(name) if part
    )


def _status_key(node: NodeStatus) -> tuple[int, str]:
    return STATUS_ORDER.get(node.status, len(STATUS_ORDER)), node.status


def _loss_key(node: NodeStatus) -> tuple[int, float]:
    if node.loss is None or math.isnan(node.loss):
        return 1, 0.0
    return 0, node.loss


def sort_nodes(nodes: Iterable[NodeStatus], mode: SortMode) -> tuple[NodeStatus, ...]:
    """Nodes in display order; ties (and the name mode) fall back to natural name order.

    The loss order is ascending with nodes that have no loss (or NaN) last.
    """
    by_name = sorted(nodes, key=lambda node: _natural_key(node.name))
    if mode is SortMode.STATUS:
        by_name.sort(key=_status_key)
    elif mode is SortMode.LOSS:
        by_name.sort(key=_loss_key)
    return tuple(by_name)


def _as_int(value: object) -> int | None:
    if type(value) is int:
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _as_float(value: object) -> float | None:
    if type(value) is float:
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _as_history(value: object) -> tuple[float, ...]:
    if not isinstance(value, (list, tuple)):
        return ()
    recent = value[-MAX_HISTORY:]
    try:
        return tuple(map(float, recent))  # the common case, at C speed
    except (TypeError, ValueError):
        numbers = (_as_float(item) for item in recent)
        return tuple(number for number in numbers if number is not None)


def _parse_started_at(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def parse_node(name: str, raw: object) -> NodeStatus:
    """One node's status dict as a NodeStatus; anything unreadable becomes an error row."""
    if not isinstance(raw, Mapping):
        return NodeStatus(name, "error", error=f"unreadable status ({type(raw).__name__})")
    error = _as_text(raw.get("error"))
    traceback = _as_text(raw.get("traceback"))
    if error is not None:
        traceback = strip_ansi(traceback or error) if traceback or "\n" in error else None
        error = first_meaningful_line(error) or error
    status = _as_text(raw.get("status")) or ("error" if error else "unknown")
    controls = raw.get("controls")
    return NodeStatus(
        name=name,
        status=status,
        samples=_as_int(raw.get("samples")),
        current_epoch=_as_int(raw.get("current_epoch")),
        total_epochs=_as_int(raw.get("total_epochs")),
        loss=_as_float(raw.get("loss")),
        loss_history=_as_history(raw.get("loss_history")),
        error=error,
        traceback=traceback,
        actor_id=_as_text(raw.get("actor_id")),
        controls=tuple(str(c) for c in controls) if isinstance(controls, (list, tuple)) else (),
        host=_as_text(raw.get("host")),
        pid=_as_int(raw.get("pid")),
        node_id=_as_text(raw.get("node_id")),
        resources=_as_resources(raw.get("resources")),
    )


def _as_resources(value: object) -> tuple[tuple[str, float], ...]:
    if not isinstance(value, Mapping):
        return ()
    pairs = ((str(key), _as_float(amount)) for key, amount in value.items())
    return tuple((key, amount) for key, amount in pairs if amount is not None)


def _parse_nodes(raw: object) -> tuple[NodeStatus, ...]:
    if isinstance(raw, Mapping):
        return tuple(parse_node(str(name), node) for name, node in raw.items())
    if isinstance(raw, (list, tuple)):
        named = (node for node in raw if isinstance(node, Mapping) and "name" in node)
        return tuple(parse_node(str(node["name"]), node) for node in named)
    return ()


def _parse_buffer(raw: object) -> BufferStats | None:
    if raw is None or (isinstance(raw, Mapping) and not raw):
        return None
    if not isinstance(raw, Mapping):
        return BufferStats(error=f"unreadable buffer stats ({type(raw).__name__})")
    return BufferStats(
        training=_as_int(raw.get("training")),
        validation=_as_int(raw.get("validation")),
        disfavoured=_as_int(raw.get("disfavoured")),
        total_length=_as_int(raw.get("total_length")),
        tombstone=_as_int(raw.get("tombstone")),
        deleted=_as_int(raw.get("deleted")),
        error=_as_text(raw.get("error")),
    )


def parse_status(raw: object) -> FalconStatus:
    """The coordinator's get_status reply as a FalconStatus; never raises.

    Any field may be missing, null or of the wrong type: it then reads as unknown. Node
    statuses this module does not know are kept as the text the node sent.
    """
    if not isinstance(raw, Mapping):
        return FalconStatus(
            run_dir=None,
            started_at=None,
            nodes=(),
            buffer=None,
            problem=f"coordinator sent {type(raw).__name__}, expected a status dict",
        )
    return FalconStatus(
        run_dir=_as_text(raw.get("run_dir")),
        started_at=_parse_started_at(raw.get("started_at")),
        nodes=_parse_nodes(raw.get("nodes")),
        buffer=_parse_buffer(raw.get("buffer")),
    )
