"""Builds immutable snapshots, rebuilding only the sections the simulation marked dirty."""

from __future__ import annotations

import math
from collections import Counter

from . import client_daemons as daemon_roster
from . import client_placement as placement
from .client_state import ChainState, DaemonState
from .client_world import ADAPTERS, BLOBS, CHAINS, DAEMONS, MIGRATIONS, NODES, World
from .model import (
    AdapterView,
    BlobView,
    ChainStatus,
    ChainView,
    DaemonView,
    GroupView,
    Health,
    MeshSnapshot,
    MigrationView,
    NodeView,
)

__all__ = ["SnapshotBuilder"]

_HEALTH_RANK: dict[Health, int] = {"healthy": 0, "degraded": 1, "unhealthy": 2, "unreachable": 3}


class SnapshotBuilder:
    """Keeps the last tuple of every section and returns the last snapshot while nothing moved."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._last: MeshSnapshot | None = None
        self._adapters: tuple[AdapterView, ...] = ()
        self._nodes: tuple[NodeView, ...] = ()
        self._links: tuple[tuple[str, str], ...] = ()
        self._daemons: tuple[DaemonView, ...] = ()
        self._groups: tuple[GroupView, ...] = ()
        self._chains: tuple[ChainView, ...] = ()
        self._blobs: tuple[BlobView, ...] = ()
        self._migrations: tuple[MigrationView, ...] = ()

    def build(self) -> MeshSnapshot:
        world, last = self._world, self._last
        if last is not None and last.version == world.version and last.now == world.now:
            return last
        self._refresh(world.dirty)
        world.dirty.clear()
        frozen_until = world.frozen_until if world.frozen else None
        self._last = MeshSnapshot(
            now=world.now,
            version=world.version,
            this_node=world.nodes[0].id,
            frozen_until=frozen_until,
            nodes=self._nodes,
            links=self._links,
            daemons=self._daemons,
            groups=self._groups,
            chains=self._chains,
            adapters=self._adapters,
            blobs=self._blobs,
            migrations=self._migrations,
            nrpc=world.nrpc.items(),
            logs=world.logs.items(),
            events=world.events.items(),
            audit=world.audit.items(),
        )
        return self._last

    def _refresh(self, dirty: set[str]) -> None:
        world = self._world
        if dirty & {NODES, ADAPTERS}:
            self._adapters = tuple(_adapter_views(world))
        if dirty & {NODES, ADAPTERS, DAEMONS}:
            self._nodes = tuple(_node_views(world, self._adapters))
            self._links = _links(self._nodes)
        if dirty & {NODES, DAEMONS}:
            self._daemons = tuple(_daemon_views(world))
            self._groups = tuple(_group_views(self._daemons))
        if dirty & {NODES, DAEMONS, CHAINS}:
            self._chains = tuple(_chain_views(world, self._daemons, self._groups))
        if BLOBS in dirty:
            self._blobs = tuple(_blob_views(world))
        if MIGRATIONS in dirty:
            self._migrations = tuple(_migration_views(world))


def _adapter_views(world: World) -> list[AdapterView]:
    views = []
    for adapter, node in zip(world.adapters, world.nodes, strict=True):
        fill = adapter.used / adapter.cap
        health: Health = "unreachable" if not node.reachable else "degraded" if fill > 0.85 else "healthy"
        views.append(
            AdapterView(
                adapter.id,
                adapter.node,
                adapter.role,
                health,
                adapter.used,
                adapter.cap,
                len(adapter.blobs),
                adapter.overflow,
            )
        )
    return views


def _node_views(world: World, adapters: tuple[AdapterView, ...]) -> list[NodeView]:
    per_node = Counter(d.node for d in world.daemons.values())
    views = []
    for node, adapter in zip(world.nodes, adapters, strict=True):
        views.append(
            NodeView(
                id=node.id,
                index=node.index,
                is_self=node.index == 0,
                health=node.health,
                rtt_ms=round(node.rtt_ms, 2) if node.reachable else None,
                cpu_pct=round(node.cpu, 1),
                mem_pct=round(node.mem, 1),
                disk_pct=round(adapter.disk_pct, 1),
                sat_pct=round(node.sat, 1),
                daemons=per_node[node.id],
                cordoned=node.cordoned,
                maintenance=node.maintenance,
                draining_until=node.draining_until,
                drained=node.drained,
                angle=node.angle,
                avoiding=tuple(placement.avoided(world, node)),
            )
        )
    return views


def _links(nodes: tuple[NodeView, ...]) -> tuple[tuple[str, str], ...]:
    """Each reachable node joined to its nearest reachable neighbour on the RTT map."""
    points = {
        n.id: (n.rtt_ms * math.cos(n.angle), n.rtt_ms * math.sin(n.angle))
        for n in nodes
        if n.rtt_ms is not None
    }
    edges = set()
    for ident, (x, y) in points.items():
        others = [(math.hypot(x - ox, y - oy), other) for other, (ox, oy) in points.items() if other != ident]
        if others:
            nearest = min(others)[1]
            edges.add((ident, nearest) if ident < nearest else (nearest, ident))
    return tuple(sorted(edges))


def _daemon_views(world: World) -> list[DaemonView]:
    reachable = {n.id: n.reachable for n in world.nodes}
    index = {n.id: n.index for n in world.nodes}
    ordered = sorted(
        world.daemons.values(), key=lambda d: (index[d.node], d.kind != "agent", d.name, d.ordinal)
    )
    return [_daemon_view(d, reachable[d.node]) for d in ordered]


def _daemon_view(daemon: DaemonState, reachable: bool) -> DaemonView:
    return DaemonView(
        id=daemon.id,
        name=daemon.name,
        kind=daemon.kind,
        lineage=daemon.lineage,
        group=daemon.group,
        role=daemon.role,
        node=daemon.node,
        state=daemon.state,
        health=daemon.health if reachable else "unreachable",
        sat_pct=round(daemon.sat, 1),
        started_at=daemon.started_at,
        restarts=daemon.restarts,
    )


def _group_views(daemons: tuple[DaemonView, ...]) -> list[GroupView]:
    members: dict[str, list[DaemonView]] = {}
    for daemon in daemons:
        members.setdefault(daemon.group, []).append(daemon)
    return [_group_view(name, group) for name, group in members.items()]


def _group_view(name: str, members: list[DaemonView]) -> GroupView:
    base, kind, fork_seq = daemon_roster.parse_group(name)
    running = [m for m in members if m.state == "running"]
    active = next((m.id for m in members if m.role == "active"), None)
    if kind == "replica":
        summary = f"{len(running)}/{len(members)} ready"
    elif kind == "fork":
        summary = f"{len(members)} forks @ {fork_seq}, {len(running)} running"
    elif kind == "standby":
        active_up = any(m.id == active and m.state == "running" for m in members)
        warm = sum(1 for m in running if m.id != active)
        summary = f"{1 if active_up else 0} active + {warm} warm"
    else:
        summary = f"{len(members)} standalone" if len(members) > 1 else members[0].state
    health = max((m.health for m in members), key=_HEALTH_RANK.__getitem__)
    return GroupView(name, base, kind, fork_seq, tuple(m.id for m in members), active, health, summary)


def _chain_views(
    world: World, daemons: tuple[DaemonView, ...], groups: tuple[GroupView, ...]
) -> list[ChainView]:
    """Replica groups form chains of daemons; data chains are held by nodes."""
    by_id = {d.id: d for d in daemons}
    views = []
    for group in groups:
        if group.kind != "replica":
            continue
        holders = tuple(
            i for i in group.members if by_id[i].state == "running" and by_id[i].health != "unreachable"
        )
        status: ChainStatus = "healthy" if len(holders) == len(group.members) else "degraded"
        views.append(
            ChainView(
                group.name,
                "replica",
                len(holders),
                len(group.members),
                status if holders else "leaderless",
                holders[0] if holders else None,
                holders,
            )
        )
    views.extend(_data_chain_view(chain) for chain in world.chains)
    return views


def _data_chain_view(chain: ChainState) -> ChainView:
    held = len(chain.holders)
    status: ChainStatus
    if chain.leader is None:
        status = "leaderless"
    elif chain.repairing is not None:
        status = "repairing"
    else:
        status = "healthy" if held >= chain.desired else "degraded"
    return ChainView(chain.name, "data", held, chain.desired, status, chain.leader, tuple(chain.holders))


def _blob_views(world: World) -> list[BlobView]:
    """Newest first; each blob's view is reused until the blob changes."""
    views = []
    for adapter in world.adapters:
        for blob in adapter.blobs:
            if blob.view is None:
                blob.view = BlobView(
                    blob.hash,
                    adapter.id,
                    adapter.node,
                    blob.size,
                    blob.have,
                    blob.want,
                    blob.status,
                    blob.created_at,
                    blob.channel,
                )
            views.append(blob.view)
    views.sort(key=lambda b: b.created_at, reverse=True)
    return views


def _migration_views(world: World) -> list[MigrationView]:
    this_node = world.nodes[0].id
    views = []
    for m in reversed(world.migrations):
        role = "source" if m.source == this_node else "target" if m.target == this_node else "observer"
        views.append(
            MigrationView(
                id=m.id,
                daemon=m.daemon,
                daemon_id=m.daemon_id,
                source=m.source,
                target=m.target,
                role=role,
                size_bytes=m.size,
                phase=m.phase,
                progress=round(m.progress, 1),
                retries=m.retries,
                started_at=m.started_at,
                phase_started_at=m.phase_started_at,
                finished_at=m.finished_at,
                paused=m.paused,
            )
        )
    return views
