"""What Enter shows: a node, daemon, group or migration with everything around it, as foldable JSON."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from .model import (
    MIGRATION_PHASES,
    DaemonView,
    GroupView,
    LogLine,
    MeshSnapshot,
    MigrationView,
    NodeView,
)
from .panels_cells import age, plain

__all__ = ["RECENT_LOGS", "describe"]

RECENT_LOGS = 15
_TIME_FIELDS = ("ts", "when", "issued_at", "started_at", "created_at", "phase_started_at", "finished_at")


def _clock(ts: float | None) -> str | None:
    return None if ts is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def _ago(snapshot: MeshSnapshot, ts: float) -> str:
    return plain(age(snapshot.now - ts))


def _recent(lines: tuple[LogLine, ...]) -> list[str]:
    return [
        f"{time.strftime('%H:%M:%S', time.localtime(line.ts))} {line.level:<5} "
        f"{line.node or 'mesh'} {line.daemon + ': ' if line.daemon else ''}{line.message}"
        for line in lines[-RECENT_LOGS:]
    ]


def _daemon_row(snapshot: MeshSnapshot, d: DaemonView) -> dict[str, Any]:
    return {
        "id": d.id,
        "name": d.name,
        "node": d.node,
        "role": d.role,
        "state": d.state,
        "health": d.health,
        "saturation %": d.sat_pct,
        "restarts": d.restarts,
        "up for": _ago(snapshot, d.started_at),
    }


def _daemon_line(snapshot: MeshSnapshot, d: DaemonView) -> str:
    restarts = f" · {d.restarts} restart{'s' if d.restarts != 1 else ''}" if d.restarts else ""
    return (
        f"{d.id} {d.name} ({d.role}) on {d.node}: {d.state}, {d.health}, sat {d.sat_pct:.0f}%, "
        f"up {_ago(snapshot, d.started_at)}{restarts}"
    )


def _migration_line(m: MigrationView) -> str:
    return f"{m.id} {m.daemon} {m.source} → {m.target}: {m.phase} {m.progress:.0f}%"


def node_details(node: NodeView, snapshot: MeshSnapshot) -> tuple[str, dict[str, Any]]:
    adapter = next((a for a in snapshot.adapters if a.node == node.id), None)
    rtt = "local" if node.is_self else "unreachable" if node.rtt_ms is None else f"{node.rtt_ms:.2f} ms"
    value: dict[str, Any] = {
        "node": node.id,
        "health": node.health,
        "rtt": rtt,
        "cpu %": node.cpu_pct,
        "memory %": node.mem_pct,
        "disk %": node.disk_pct,
        "saturation %": node.sat_pct,
        "scheduling": "schedulable" if node.maint == "—" else node.maint,
        "avoids": list(node.avoiding),
        "draining until": _clock(node.draining_until),
        "chains held": [
            f"{c.name} ({'leader' if c.leader == node.id else 'holder'}, {c.status})"
            for c in snapshot.chains
            if node.id in c.holders
        ],
        "migrations": [_migration_line(m) for m in snapshot.migrations if node.id in (m.source, m.target)],
        "blob adapter": None
        if adapter is None
        else {
            "id": adapter.id,
            "role": adapter.role,
            "used GiB": round(adapter.used_bytes / 2**30, 1),
            "capacity GiB": round(adapter.cap_bytes / 2**30, 1),
            "blobs": adapter.blobs,
            "spilled to peers": adapter.overflow,
        },
        "daemons": [_daemon_line(snapshot, d) for d in snapshot.daemons_on(node.id)],
        "recent logs": _recent(snapshot.logs_for(node.id)),
    }
    title = f"{node.id}{' (this node)' if node.is_self else ''} · {node.health} · {rtt}"
    return title, value


def daemon_details(daemon: DaemonView, snapshot: MeshSnapshot) -> tuple[str, dict[str, Any]]:
    group = next((g for g in snapshot.groups if g.name == daemon.group), None)
    value: dict[str, Any] = {
        **_daemon_row(snapshot, daemon),
        "kind": daemon.kind,
        "lineage": daemon.lineage,
        "started": _clock(daemon.started_at),
        "group": None
        if group is None
        else {
            "name": group.name,
            "kind": group.kind,
            "status": group.summary,
            "members": list(group.members),
        },
        "migrations": [_migration_line(m) for m in snapshot.migrations if m.daemon_id == daemon.id],
        "recent logs": _recent(snapshot.logs_for(daemon.id)),
    }
    return f"{daemon.name} {daemon.id} · {daemon.state} on {daemon.node}", value


def group_details(group: GroupView, snapshot: MeshSnapshot) -> tuple[str, dict[str, Any]]:
    members = [d for d in snapshot.daemons if d.group == group.name]
    lines: tuple[LogLine, ...] = tuple(line for line in snapshot.logs if line.daemon_id in group.members)
    value = {
        "group": group.name,
        "kind": group.kind,
        "fork sequence": group.fork_seq,
        "status": group.summary,
        "health": group.health,
        "active member": group.active,
        "members": [f"{_daemon_line(snapshot, d)} · {d.lineage}" for d in members],
        "recent logs": _recent(lines),
    }
    return f"{group.name} · {group.summary}", value


def migration_details(m: MigrationView, snapshot: MeshSnapshot) -> tuple[str, dict[str, Any]]:
    if m.phase in MIGRATION_PHASES:
        current = MIGRATION_PHASES.index(m.phase)
        timeline = {
            phase: "done" if i < current else f"{m.progress:.0f}%" if i == current else "waiting"
            for i, phase in enumerate(MIGRATION_PHASES)
        }
    else:
        timeline = {m.phase: "stopped"}
    value = {
        "migration": m.id,
        "daemon": f"{m.daemon} {m.daemon_id}",
        "from": m.source,
        "to": m.target,
        "this node's part": m.role,
        "size GiB": round(m.size_bytes / 2**30, 2),
        "phase": m.phase,
        "paused by freeze": m.paused,
        "phases": timeline,
        "retries": m.retries,
        "started": _clock(m.started_at),
        "finished": _clock(m.finished_at),
        "recent logs": _recent(snapshot.logs_for(m.daemon_id)),
    }
    return f"{m.id} · {m.daemon} · {m.phase}", value


def _generic(item: Any) -> tuple[str, dict[str, Any]]:
    value = {}
    for field in dataclasses.fields(item):
        raw = getattr(item, field.name)
        if field.name in _TIME_FIELDS:
            raw = _clock(raw)
        elif isinstance(raw, tuple):
            raw = [list(x) if isinstance(x, tuple) else x for x in raw]
        value[field.name] = raw
    first = dataclasses.fields(item)[0].name
    return f"{type(item).__name__.removesuffix('View')} {getattr(item, first)}", value


def describe(item: Any, snapshot: MeshSnapshot) -> tuple[str, dict[str, Any]] | None:
    """A title and a JSON-ready description of a selected row, or None for nothing selected."""
    if item is None:
        return None
    if isinstance(item, NodeView):
        return node_details(item, snapshot)
    if isinstance(item, DaemonView):
        return daemon_details(item, snapshot)
    if isinstance(item, GroupView):
        return group_details(item, snapshot)
    if isinstance(item, MigrationView):
        return migration_details(item, snapshot)
    if dataclasses.is_dataclass(item):
        return _generic(item)
    return None
