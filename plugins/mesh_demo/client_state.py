"""Mutable records behind the snapshot; only the simulation's own modules touch them."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import BlobStatus, BlobView, GroupKind, Health, Lifecycle, Phase

__all__ = ["AdapterState", "BlobState", "ChainState", "DaemonState", "MigrationState", "NodeState"]


@dataclass(slots=True, eq=False)
class NodeState:
    """A node's live metrics and scheduling flags."""

    index: int
    id: str
    angle: float
    rtt_base: float
    cpu_base: float
    mem_base: float
    rtt_ms: float
    cpu: float
    mem: float
    sat: float
    health: Health = "healthy"
    cordoned: bool = False
    maintenance: bool = False
    draining_until: float | None = None
    drained: bool = False
    gen: int = 0  # bumped to cancel pending health-recovery and drain callbacks
    avoid: dict[str, float] = field(default_factory=dict)  # peers not placed on, until when

    @property
    def reachable(self) -> bool:
        return self.health != "unreachable"

    @property
    def schedulable(self) -> bool:
        """May receive new work: reachable and not cordoned, drained or in maintenance."""
        return self.reachable and not (self.cordoned or self.maintenance or self.drained)


@dataclass(slots=True, eq=False)
class DaemonState:
    """A daemon's lifecycle; `gen` is bumped to cancel its pending restart callbacks."""

    id: str
    name: str
    kind: str
    group: str
    group_kind: GroupKind
    lineage: str
    role: str
    ordinal: int
    node: str
    started_at: float
    state: Lifecycle = "running"
    health: Health = "healthy"
    sat: float = 30.0
    restarts: int = 0
    stopped_by_drain: bool = False
    gen: int = 0


@dataclass(slots=True, eq=False)
class BlobState:
    """A blob on one adapter, on its way from writing to fully replicated."""

    hash: str
    size: int
    want: int
    channel: str
    created_at: float
    have: int = 0
    status: BlobStatus = "writing"
    view: BlobView | None = None  # cached by the snapshot builder; reset on every change


@dataclass(slots=True, eq=False)
class AdapterState:
    """A node's blob adapter: fixed capacity, other data, and the blobs it holds."""

    id: str
    node: str
    role: str
    cap: int
    other_base: int  # data that is not blobs; `other_bytes` wanders around it
    other_bytes: int
    blobs: list[BlobState] = field(default_factory=list)
    blob_bytes: int = 0
    overflow: int = 0

    @property
    def used(self) -> int:
        return self.other_bytes + self.blob_bytes


@dataclass(slots=True, eq=False)
class MigrationState:
    """One daemon migration; progress accumulates only while the cluster is not frozen."""

    id: str
    daemon_id: str
    daemon: str
    source: str
    target: str
    size: int
    started_at: float
    phase: Phase = "Snapshot"
    phase_started_at: float = 0.0
    phase_duration: float = 1.0
    phase_elapsed: float = 0.0
    fail_at: float | None = None  # fraction of Transfer at which this attempt fails
    retries: int = 0
    finished_at: float | None = None
    paused: bool = False
    relocation: bool = False  # an existing daemon re-placed by the operator, not a fresh one
    gen: int = 0

    @property
    def active(self) -> bool:
        return self.finished_at is None

    @property
    def progress(self) -> float:
        if self.phase == "Complete":
            return 100.0
        return min(100.0, 100.0 * self.phase_elapsed / self.phase_duration)


@dataclass(slots=True, eq=False)
class ChainState:
    """A data chain replicated across nodes; one repair at a time."""

    name: str
    desired: int
    holders: list[str]
    leader: str | None
    repairing: str | None = None  # the node being added
    gen: int = 0
