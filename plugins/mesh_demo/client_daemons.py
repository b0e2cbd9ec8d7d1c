"""Daemons: the demo roster, groups read from name suffixes, restarts, crash loops, failover."""

from __future__ import annotations

import re

from .client_state import DaemonState
from .client_world import DAEMONS, World, wander
from .model import GroupKind, Lifecycle

__all__ = [
    "add_daemon",
    "drain",
    "drainable",
    "evict",
    "parse_group",
    "remove",
    "restart",
    "resume",
    "seed_roster",
    "start",
    "stop",
    "wander_saturation",
]

AGENT = "node_agent"
GROUP_ROSTER = (
    ("inference_worker#replica", "inference"),
    ("rollout_forge#fork@7", "rollout"),
    ("trainer_canary#standby", "trainer"),
)
MEMBERS_PER_GROUP = 3
RESTART_SECONDS = 2.5  # a graceful restart: drain in-flight work, then start
FORCED_RESTART_SECONDS = 1.0
START_SECONDS = 2.0
INCIDENT_MEAN_GAP = 50.0
CRASH_LOOP_SHARE = 0.35
CRASH_REASONS = (
    "exit 137 (OOM killed)",
    "CUDA error: an illegal memory access was encountered",
    "NCCL watchdog timeout after 600 s",
    "segfault in attention kernel",
)
SAT_TARGET = {"agent": 20.0, "inference": 62.0, "rollout": 48.0, "trainer": 35.0, "compute": 40.0}
ACTIVE: frozenset[Lifecycle] = frozenset({"running", "starting", "restarting", "crash-loop"})

_SUFFIX = re.compile(r"#(?:(replica)|(standby)|fork@(\d+))$")


def parse_group(name: str) -> tuple[str, GroupKind, int | None]:
    """Split a daemon name into (base, group kind, fork sequence) by its suffix."""
    match = _SUFFIX.search(name)
    if match is None:
        return name, "standalone", None
    base = name[: match.start()]
    if match.group(1):
        return base, "replica", None
    if match.group(2):
        return base, "standby", None
    return base, "fork", int(match.group(3))


def add_daemon(
    world: World,
    name: str,
    kind: str,
    node: str,
    *,
    started_at: float,
    ordinal: int = 0,
    state: Lifecycle = "running",
    lineage: str | None = None,
) -> DaemonState:
    """Register a daemon; its role and lineage follow from the group its name puts it in."""
    _, group_kind, fork_seq = parse_group(name)
    role = {"standalone": "standalone", "replica": "replica", "fork": "fork"}.get(
        group_kind, "active" if ordinal == 0 else "warm"
    )
    if lineage is None:
        lineage = {
            "standalone": "root",
            "replica": f"replica {ordinal + 1}/{MEMBERS_PER_GROUP}",
            "fork": f"fork@{fork_seq} · branch {ordinal + 1}",
        }.get(group_kind, f"standby · {role}")
    daemon_id = f"d-{world.new_hex(32)}"
    while daemon_id in world.daemons:
        daemon_id = f"d-{world.new_hex(32)}"
    daemon = DaemonState(
        id=daemon_id,
        name=name,
        kind=kind,
        group=name,
        group_kind=group_kind,
        lineage=lineage,
        role=role,
        ordinal=ordinal,
        node=node,
        started_at=started_at,
        state=state,
        sat=world.rng.uniform(10.0, 50.0),
    )
    world.daemons[daemon_id] = daemon
    world.touch(DAEMONS)
    return daemon


def seed_roster(world: World) -> list[DaemonState]:
    """A node_agent per node, and the replica, fork and standby trios on node 0."""
    rng = world.rng
    agents = [
        add_daemon(world, AGENT, "agent", node.id, started_at=world.start - rng.uniform(2, 30) * 3600)
        for node in world.nodes
    ]
    for name, kind in GROUP_ROSTER:
        for ordinal in range(MEMBERS_PER_GROUP):
            started = world.start - rng.uniform(300.0, 10_800.0)
            add_daemon(world, name, kind, world.nodes[0].id, started_at=started, ordinal=ordinal)
    for daemon in world.daemons.values():
        daemon.restarts = rng.choice((0, 0, 0, 0, 1, 2))
    return agents


def start(world: World) -> None:
    world.queue.after(world.rng.expovariate(1 / INCIDENT_MEAN_GAP), _incident, world)


def wander_saturation(world: World) -> None:
    rng = world.rng
    for daemon in world.daemons.values():
        if daemon.state in ("running", "migrating", "draining"):
            target = 92.0 if daemon.health == "degraded" else SAT_TARGET.get(daemon.kind, 40.0)
            daemon.sat = wander(rng, daemon.sat, target=target, step=3.0, lo=0.0, hi=100.0)
        else:
            daemon.sat = 0.0
    world.touch(DAEMONS)


def _successor(world: World, daemon: DaemonState) -> DaemonState | None:
    """The warm member that takes over if `daemon`, an active standby, goes down."""
    warm = [
        d
        for d in world.daemons.values()
        if d.group == daemon.group and d is not daemon and d.state == "running"
    ]
    return min(warm, key=lambda d: d.ordinal, default=None)


def _failover(world: World, daemon: DaemonState) -> None:
    if daemon.group_kind != "standby" or daemon.role != "active":
        return
    successor = _successor(world, daemon)
    if successor is None:
        world.note(
            "restart",
            f"{daemon.group}: no warm member to promote",
            node=daemon.node,
            daemon=daemon,
            level="ERROR",
        )
        return
    daemon.role, daemon.lineage = "warm", "standby · warm"
    successor.role, successor.lineage = "active", "standby · active"
    world.note(
        "restart",
        f"{daemon.group}: {successor.id} promoted to active",
        node=successor.node,
        daemon=successor,
        level="WARN",
    )


def restart(world: World, daemon: DaemonState, *, forced: bool) -> float:
    """Take `daemon` down and bring it back; returns how many seconds it stays down."""
    daemon.gen += 1
    daemon.state = "restarting"
    daemon.stopped_by_drain = False
    daemon.restarts += 1
    _failover(world, daemon)
    downtime = FORCED_RESTART_SECONDS if forced else RESTART_SECONDS
    world.queue.after(downtime, _up, world, daemon, daemon.gen)
    world.touch(DAEMONS)
    return downtime


def resume(world: World, daemon: DaemonState) -> None:
    """Start a daemon that a drain stopped (or cancel its pending stop)."""
    daemon.gen += 1
    daemon.stopped_by_drain = False
    if daemon.state == "draining":
        daemon.state = "running"
    else:
        daemon.state = "starting"
        world.queue.after(START_SECONDS, _up, world, daemon, daemon.gen)
    world.touch(DAEMONS)


def _up(world: World, daemon: DaemonState, gen: int) -> None:
    if daemon.gen != gen:
        return
    daemon.state, daemon.health, daemon.started_at = "running", "healthy", world.now
    world.note("restart", f"{daemon.name} {daemon.id} up on {daemon.node}", node=daemon.node, daemon=daemon)
    world.touch(DAEMONS)


def drainable(world: World, node_id: str, *, including_draining: bool = False) -> list[DaemonState]:
    """Workload daemons on a node that a drain stops (the node's own agent stays)."""
    states = ACTIVE | {"draining"} if including_draining else ACTIVE
    return [
        d for d in world.daemons.values() if d.node == node_id and d.kind != "agent" and d.state in states
    ]


def drain(world: World, daemon: DaemonState, *, at: float) -> None:
    daemon.gen += 1
    daemon.state = "draining"
    world.queue.at(at, _stop_if_current, world, daemon, daemon.gen)
    world.touch(DAEMONS)


def _stop_if_current(world: World, daemon: DaemonState, gen: int) -> None:
    if daemon.gen == gen:
        stop(world, daemon)


def stop(world: World, daemon: DaemonState) -> None:
    daemon.gen += 1
    daemon.state, daemon.health, daemon.stopped_by_drain = "stopped", "healthy", True
    _failover(world, daemon)
    world.log("INFO", f"{daemon.name} stopped (drain)", node=daemon.node, daemon=daemon, kind="restart")
    world.touch(DAEMONS)


def evict(world: World, daemon: DaemonState, node: str) -> DaemonState:
    """Kill `daemon` now, without draining, and start a new member of its group on `node`."""
    _failover(world, daemon)
    remove(world, daemon)
    replacement = add_daemon(
        world, daemon.name, daemon.kind, node, started_at=world.now, ordinal=daemon.ordinal, state="starting"
    )
    world.note(
        "restart",
        f"{daemon.name} {daemon.id} evicted from {daemon.node}; {replacement.id} starting on {node}",
        node=node,
        daemon=replacement,
        level="WARN",
    )
    world.queue.after(START_SECONDS, _up, world, replacement, replacement.gen)
    return replacement


def remove(world: World, daemon: DaemonState) -> None:
    daemon.gen += 1
    world.daemons.pop(daemon.id, None)
    world.touch(DAEMONS)


def _incident(world: World) -> None:
    """Now and then a workload daemon degrades or falls into a crash loop, then recovers."""
    rng = world.rng
    world.queue.after(rng.expovariate(1 / INCIDENT_MEAN_GAP), _incident, world)
    candidates = [
        d
        for d in world.daemons.values()
        if d.kind not in ("agent", "compute") and d.state == "running" and d.health == "healthy"
    ]
    if not candidates:
        return
    daemon = rng.choice(candidates)
    daemon.gen += 1
    if rng.random() < CRASH_LOOP_SHARE:
        _crash(world, daemon, daemon.gen, 1, rng.randint(2, 4))
        return
    daemon.health = "degraded"
    p99 = rng.randint(300, 1200)
    world.note(
        "health",
        f"{daemon.name} degraded — p99 {p99} ms over SLO",
        node=daemon.node,
        daemon=daemon,
        level="WARN",
    )
    world.queue.after(rng.uniform(20.0, 60.0), _heal, world, daemon, daemon.gen)
    world.touch(DAEMONS)


def _heal(world: World, daemon: DaemonState, gen: int) -> None:
    if daemon.gen != gen:
        return
    daemon.health = "healthy"
    world.note("health", f"{daemon.name} healthy again", node=daemon.node, daemon=daemon)
    world.touch(DAEMONS)


def _crash(world: World, daemon: DaemonState, gen: int, attempt: int, attempts: int) -> None:
    if daemon.gen != gen:
        return
    daemon.state, daemon.health = "crash-loop", "unhealthy"
    daemon.restarts += 1
    backoff = 2.0**attempt
    reason = world.rng.choice(CRASH_REASONS)
    world.note(
        "restart",
        f"{daemon.name} crashed: {reason} — restart in {backoff:.0f} s",
        node=daemon.node,
        daemon=daemon,
        level="ERROR",
    )
    if attempt == 1:
        _failover(world, daemon)
    if attempt < attempts:
        world.queue.after(backoff, _crash, world, daemon, gen, attempt + 1, attempts)
    else:
        world.queue.after(backoff, _up, world, daemon, gen)
    world.touch(DAEMONS)
