"""Immutable values the simulated mesh hands to the UI; a snapshot is never mutated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "LEVEL_RANK",
    "MIGRATION_PHASES",
    "AdapterView",
    "AuditEntry",
    "BlastRadius",
    "BlobView",
    "ChainView",
    "DaemonView",
    "GroupView",
    "LogLine",
    "MeshEvent",
    "MeshSnapshot",
    "MigrationView",
    "NodeView",
    "NrpcCall",
    "Outcome",
]

Health = Literal["healthy", "degraded", "unhealthy", "unreachable"]
Lifecycle = Literal["starting", "running", "migrating", "restarting", "crash-loop", "draining", "stopped"]
GroupKind = Literal["standalone", "replica", "fork", "standby"]
LogLevel = Literal["DEBUG", "INFO", "WARN", "ERROR"]
EventKind = Literal["log", "join", "health", "restart", "migration", "chain", "blob", "admin", "freeze"]
NrpcStatus = Literal["Ok", "InFlight", "Err", "Timeout"]
Phase = Literal["Snapshot", "Transfer", "Restore", "Replay", "Cutover", "Complete", "Failed", "Aborted"]
BlobStatus = Literal["writing", "replicating", "stored"]
ChainStatus = Literal["healthy", "repairing", "degraded", "leaderless"]
OutcomeStatus = Literal["accepted", "rejected", "failed"]

LEVEL_RANK: dict[str, int] = {"DEBUG": 0, "INFO": 1, "WARN": 2, "ERROR": 3}
MIGRATION_PHASES: tuple[Phase, ...] = (
    "Snapshot",
    "Transfer",
    "Restore",
    "Replay",
    "Cutover",
    "Complete",
)


@dataclass(frozen=True, slots=True)
class NodeView:
    """One row of NODES; NET.MAP places the peer at polar (angle, rtt_ms) around node 0."""

    id: str
    index: int
    is_self: bool
    health: Health
    rtt_ms: float | None  # None while unreachable; 0.0 for the operator's own node
    cpu_pct: float
    mem_pct: float
    disk_pct: float
    sat_pct: float
    daemons: int
    cordoned: bool
    maintenance: bool
    draining_until: float | None
    drained: bool
    angle: float
    avoiding: tuple[str, ...] = ()  # peers this node places nothing on for now

    @property
    def maint(self) -> str:
        """The MAINT column: the strongest scheduling restriction on the node."""
        if self.maintenance:
            return "maint"
        if self.draining_until is not None:
            return "draining"
        if self.drained:
            return "drained"
        return "cordoned" if self.cordoned else "—"


@dataclass(frozen=True, slots=True)
class DaemonView:
    """One row of DAEMONS; age is `snapshot.now - started_at`."""

    id: str
    name: str
    kind: str
    lineage: str
    group: str
    role: str
    node: str
    state: Lifecycle
    health: Health
    sat_pct: float
    started_at: float
    restarts: int


@dataclass(frozen=True, slots=True)
class GroupView:
    """Daemons folded by name; the suffix (#replica, #fork@N, #standby) gives the kind."""

    name: str
    base: str
    kind: GroupKind
    fork_seq: int | None
    members: tuple[str, ...]
    active: str | None  # the active member of a standby group
    health: Health
    summary: str  # e.g. "3/3 ready", "1 active + 2 warm"


@dataclass(frozen=True, slots=True)
class ChainView:
    """One row of CHAINS: a replica group's chain (holders are daemons) or a data chain (nodes)."""

    name: str
    kind: Literal["replica", "data"]
    held: int
    desired: int
    status: ChainStatus
    leader: str | None
    holders: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AdapterView:
    """One row of DATAFORTS: a node's blob adapter."""

    id: str
    node: str
    role: str
    health: Health
    used_bytes: int
    cap_bytes: int
    blobs: int
    overflow: int  # blobs spilled to a peer because this adapter was full

    @property
    def disk_pct(self) -> float:
        return 100.0 * self.used_bytes / self.cap_bytes


@dataclass(frozen=True, slots=True)
class BlobView:
    """One row of BLOBS; age is `snapshot.now - created_at`."""

    hash: str
    adapter: str
    node: str
    size_bytes: int
    have: int
    want: int
    status: BlobStatus
    created_at: float
    channel: str

    @property
    def repl(self) -> str:
        return f"{self.have}/{self.want}"


@dataclass(frozen=True, slots=True)
class MigrationView:
    """One row of MIGRATIONS; AGE/PHASE is `now - phase_started_at`, ELAPSED `now - started_at`."""

    id: str
    daemon: str
    daemon_id: str
    source: str
    target: str
    role: str  # the operator's node's part in it: "source", "target" or "observer"
    size_bytes: int
    phase: Phase
    progress: float  # 0..100 within the current phase
    retries: int
    started_at: float
    phase_started_at: float
    finished_at: float | None
    paused: bool

    @property
    def active(self) -> bool:
        return self.finished_at is None


@dataclass(frozen=True, slots=True)
class NrpcCall:
    """One recorded nRPC call; `latency_ms` is None while in flight."""

    seq: int
    ts: float
    caller: str
    callee: str
    method: str
    latency_ms: float | None
    req_bytes: int
    resp_bytes: int | None
    status: NrpcStatus
    error: str


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line of LOGS; `kind` picks the icon, `daemon_id` is None for cluster notes."""

    seq: int
    ts: float
    level: LogLevel
    node: str | None
    daemon_id: str | None
    daemon: str | None
    kind: EventKind
    message: str


@dataclass(frozen=True, slots=True)
class MeshEvent:
    """One line of the NET.MAP event tail."""

    seq: int
    ts: float
    kind: EventKind
    node: str | None
    text: str


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of AUDIT: every submitted command, whatever its outcome."""

    seq: int
    when: float
    issued_at: float
    outcome: OutcomeStatus
    operator: str
    command: str
    target: str
    args: tuple[tuple[str, str], ...]
    reason: str
    via: str | None = None  # the peer that relayed the command; None: this deck's console


@dataclass(frozen=True, slots=True)
class Outcome:
    """What `Mesh.submit` did with a signed command."""

    status: OutcomeStatus
    reason: str
    audit: AuditEntry

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"


@dataclass(frozen=True, slots=True)
class BlastRadius:
    """What a command would touch, in plain words, computed without changing anything."""

    command: str
    target: str
    break_glass: bool
    valid: bool  # False when the command cannot apply; `summary` says why
    summary: str
    details: tuple[str, ...]
    nodes: tuple[str, ...]
    daemons: tuple[str, ...]
    migrations: tuple[str, ...]
    chains: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MeshSnapshot:
    """Everything the UI renders at one instant.

    Sections that did not change since the previous snapshot are the identical tuple
    object, so a panel can skip work with an `is` check. Rings (nrpc, logs, events,
    audit) are oldest first.
    """

    now: float
    version: int  # counts processed events and commands; unchanged means same content
    this_node: str
    frozen_until: float | None
    nodes: tuple[NodeView, ...]
    links: tuple[tuple[str, str], ...]  # nearest-neighbour edges for NET.MAP
    daemons: tuple[DaemonView, ...]
    groups: tuple[GroupView, ...]
    chains: tuple[ChainView, ...]
    adapters: tuple[AdapterView, ...]
    blobs: tuple[BlobView, ...]
    migrations: tuple[MigrationView, ...]
    nrpc: tuple[NrpcCall, ...]
    logs: tuple[LogLine, ...]
    events: tuple[MeshEvent, ...]
    audit: tuple[AuditEntry, ...]

    def node(self, node_id: str) -> NodeView | None:
        return next((n for n in self.nodes if n.id == node_id), None)

    def daemon(self, daemon_id: str) -> DaemonView | None:
        return next((d for d in self.daemons if d.id == daemon_id), None)

    def daemons_on(self, node_id: str) -> tuple[DaemonView, ...]:
        return tuple(d for d in self.daemons if d.node == node_id)

    def logs_for(self, ident: str) -> tuple[LogLine, ...]:
        """Log lines about a node or daemon id (the `l` key's drill-down)."""
        return tuple(line for line in self.logs if ident in (line.node, line.daemon_id))
