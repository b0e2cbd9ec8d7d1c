"""The simulation's shared mutable state, its random source, clock and bounded rings."""

from __future__ import annotations

import random

from .client_ring import Ring
from .client_scheduler import EventQueue
from .client_state import AdapterState, ChainState, DaemonState, MigrationState, NodeState
from .model import AuditEntry, EventKind, LogLevel, LogLine, MeshEvent, NrpcCall

__all__ = ["SECTIONS", "World", "wander"]

LOG_CAPACITY = 5_000
NRPC_CAPACITY = 5_000
AUDIT_CAPACITY = 2_000
EVENT_CAPACITY = 300

NODES, DAEMONS, ADAPTERS, BLOBS, MIGRATIONS, CHAINS, CLUSTER = (
    "nodes",
    "daemons",
    "adapters",
    "blobs",
    "migrations",
    "chains",
    "cluster",
)
SECTIONS = frozenset({NODES, DAEMONS, ADAPTERS, BLOBS, MIGRATIONS, CHAINS, CLUSTER})


def wander(rng: random.Random, value: float, *, target: float, step: float, lo: float, hi: float) -> float:
    """One step of a bounded, mean-reverting random walk."""
    value += (target - value) * 0.15 + rng.gauss(0.0, step)
    return lo if value < lo else hi if value > hi else value


class World:
    """Everything the subsystems share; `dirty` names the sections the next snapshot rebuilds."""

    def __init__(self, *, seed: int, node_count: int, start: float) -> None:
        self.rng = random.Random(seed)
        self.queue = EventQueue(start)
        self.start = start
        self.node_count = node_count
        self.nodes: list[NodeState] = []
        self.daemons: dict[str, DaemonState] = {}
        self.adapters: list[AdapterState] = []
        self.migrations: list[MigrationState] = []
        self.chains: list[ChainState] = []
        self.logs: Ring[LogLine] = Ring(LOG_CAPACITY)
        self.nrpc: Ring[NrpcCall] = Ring(NRPC_CAPACITY)
        self.events: Ring[MeshEvent] = Ring(EVENT_CAPACITY)
        self.audit: Ring[AuditEntry] = Ring(AUDIT_CAPACITY)
        self.frozen_until: float | None = None
        self.freeze_gen = 0
        self.next_migration_at: float | None = None
        self.rotation = 0  # index into the peers of the next migration target
        self.relocations = 0  # migrations started by an invalidated placement
        self.commands_applied = 0
        self.dirty: set[str] = set(SECTIONS)

    @property
    def now(self) -> float:
        return self.queue.now

    @property
    def version(self) -> int:
        return self.queue.processed + self.commands_applied

    @property
    def frozen(self) -> bool:
        return self.frozen_until is not None and self.now < self.frozen_until

    def touch(self, *sections: str) -> None:
        self.dirty.update(sections)

    def node(self, node_id: str) -> NodeState | None:
        for node in self.nodes:
            if node.id == node_id:
                return node
        return None

    def daemons_on(self, node_id: str) -> list[DaemonState]:
        return [d for d in self.daemons.values() if d.node == node_id]

    def new_hex(self, bits: int) -> str:
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def log(
        self,
        level: LogLevel,
        message: str,
        *,
        node: str | None = None,
        daemon: DaemonState | None = None,
        kind: EventKind = "log",
    ) -> None:
        daemon_id, name = (daemon.id, daemon.name) if daemon else (None, None)
        line = LogLine(self.logs.next_seq, self.now, level, node, daemon_id, name, kind, message)
        self.logs.append(line)

    def note(
        self,
        kind: EventKind,
        text: str,
        *,
        node: str | None = None,
        daemon: DaemonState | None = None,
        level: LogLevel = "INFO",
    ) -> None:
        """Record a cluster event in the NET.MAP tail and in LOGS."""
        self.events.append(MeshEvent(self.events.next_seq, self.now, kind, node, text))
        self.log(level, text, node=node, daemon=daemon, kind=kind)
