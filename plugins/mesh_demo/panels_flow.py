"""The traffic's tables: DATAFORTS, BLOBS, NRPC, MIGRATIONS and AUDIT."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from deck import PanelContext
from deck.widgets import Cell, Column, bytes_, progress_bar, rate

from . import panels_cells as cells
from .client import MeshClient
from .model import (
    MIGRATION_PHASES,
    AdapterView,
    AuditEntry,
    BlobView,
    MeshSnapshot,
    MigrationView,
    NrpcCall,
)
from .panels import MeshTable, Timed
from .panels_cells import node_order
from .panels_digest import NrpcStats, nrpc_stats

__all__ = ["AdaptersPanel", "AuditPanel", "BlobsPanel", "MigrationsPanel", "NrpcPanel"]


# ---- DATAFORTS and BLOBS ----------------------------------------------------------------------------

_ROLE_ROLES = {"anchor": "accent", "vault": "magenta", "edge": "text"}


def _disk(width: int) -> Any:
    percent = cells.percent(width)

    def render(adapter: AdapterView) -> Cell:
        used = f" {adapter.used_bytes / 2**30:,.0f}/{adapter.cap_bytes / 2**30:,.0f} GiB"
        return [*cells.segments(percent(adapter.disk_pct)), ("muted", used)]

    return render


def _overflow(value: int) -> Cell:
    return [("muted", "0")] if not value else [("warn", str(value))]


class AdaptersPanel(MeshTable[AdapterView]):
    """DATAFORTS: each node's blob adapter, its disk and the blobs it spilled to peers."""

    export_name = "dataforts"
    columns = (
        Column("NODE", lambda a: a.node, width=8, sort_key=node_order),
        Column("ROLE", lambda a: a.role, width=7, render=lambda v: [(_ROLE_ROLES.get(v, "text"), v)]),
        Column("HEALTH", lambda a: a.health, width=13, render=cells.health, sort_key=cells.health_rank),
        Column("DISK", lambda a: a, weight=2, render=_disk(8), sort_key=lambda a: a.disk_pct),
        Column("ADAPT", lambda a: a.id, weight=1),
        Column("BLOBS", lambda a: a.blobs, width=5, align="right"),
        Column("OVERFLOW", lambda a: a.overflow, width=8, align="right", render=_overflow),
    )
    narrow_columns = (
        Column("NODE", lambda a: a.node, width=8, sort_key=node_order),
        Column("ROLE", lambda a: a.role, width=6, render=lambda v: [(_ROLE_ROLES.get(v, "text"), v)]),
        Column("HEALTH", lambda a: a.health, width=13, render=cells.health, sort_key=cells.health_rank),
        Column("DISK", lambda a: a, weight=2, render=_disk(0), sort_key=lambda a: a.disk_pct),
        Column("BLOBS", lambda a: a.blobs, width=5, align="right"),
        Column("OVERFLOW", lambda a: a.overflow, width=8, align="right", render=_overflow),
    )

    def __init__(self, ctx: PanelContext, client: MeshClient) -> None:
        super().__init__(ctx, client, row_id=lambda a: a.id, empty="no adapters")

    def section(self, snapshot: MeshSnapshot) -> Any:
        return snapshot.adapters

    def rows(self, snapshot: MeshSnapshot) -> Sequence[AdapterView]:
        return snapshot.adapters


def _repl(value: tuple[int, int]) -> Cell:
    have, want = value
    return [("good" if have >= want else "warn", f"{have}/{want}")]


class BlobsPanel(MeshTable[Timed[BlobView]]):
    """Every blob on every adapter, newest first, with its replication."""

    export_name = "blobs"
    ticking = True
    newest_first = True
    columns = (
        Column("ADAPTER", lambda r: r.item.adapter, width=12),
        Column("HASH", lambda r: r.item.hash, width=12, render=lambda h: h[:12]),
        Column("SIZE", lambda r: r.item.size_bytes, width=10, align="right", render=bytes_),
        Column("REPL", lambda r: (r.item.have, r.item.want), width=4, render=_repl),
        Column("STATUS", lambda r: r.item.status, width=13, render=cells.blob_status),
        Column("AGE", lambda r: r.now - r.item.created_at, width=6, align="right", render=cells.age),
        Column("CHANNEL", lambda r: r.item.channel, weight=1),
    )
    narrow_columns = (
        Column("NODE", lambda r: r.item.node, width=7, sort_key=node_order),
        Column("HASH", lambda r: r.item.hash, width=10, render=lambda h: h[:10]),
        Column("SIZE", lambda r: r.item.size_bytes, width=9, align="right", render=bytes_),
        Column("REPL", lambda r: (r.item.have, r.item.want), width=4, render=_repl),
        Column("STATUS", lambda r: r.item.status, width=13, render=cells.blob_status),
        Column("AGE", lambda r: r.now - r.item.created_at, width=6, align="right", render=cells.age),
        Column("CHANNEL", lambda r: r.item.channel, weight=1),
    )

    def __init__(self, ctx: PanelContext, client: MeshClient) -> None:
        super().__init__(ctx, client, row_id=lambda r: (r.item.adapter, r.item.hash), empty="no blobs")

    def section(self, snapshot: MeshSnapshot) -> Any:
        return snapshot.blobs

    def rows(self, snapshot: MeshSnapshot) -> Sequence[Timed[BlobView]]:
        now = snapshot.now
        return [Timed(b, now) for b in snapshot.blobs]

    @property
    def selection(self) -> BlobView | None:  # type: ignore[override]  # the item of the timed row
        row = super().selection
        return row.item if row is not None else None


# ---- NRPC -----------------------------------------------------------------------------------------


def _call(call: NrpcCall) -> str:
    return f"{call.caller} → {call.callee}"


class NrpcPanel(MeshTable[NrpcCall]):
    """Every recorded nRPC call, newest first; `p` freezes the view."""

    export_name = "nrpc"
    newest_first = True
    columns = (
        Column("TS", lambda c: c.ts, width=12, render=cells.clock_time(millis=True)),
        Column("CALLER → CALLEE", _call, width=17),
        Column("METHOD", lambda c: c.method, width=9),
        Column("LATENCY", lambda c: c.latency_ms, width=9, align="right", render=cells.latency),
        Column("REQ", lambda c: c.req_bytes, width=7, align="right", render=bytes_),
        Column("RESP", lambda c: c.resp_bytes, width=7, align="right", render=bytes_),
        Column("STATUS", lambda c: c.status, width=10, render=cells.nrpc_status),
        Column("ERROR", lambda c: c.error, weight=1, render=lambda v: [("bad", v)] if v else ""),
    )
    narrow_columns = (
        Column("TS", lambda c: c.ts, width=8, render=cells.clock_time()),
        Column("CALLER → CALLEE", _call, min_width=15),
        Column("LATENCY", lambda c: c.latency_ms, width=8, align="right", render=cells.latency),
        Column("REQ", lambda c: c.req_bytes, width=6, align="right", render=bytes_),
        Column("RESP", lambda c: c.resp_bytes, width=6, align="right", render=bytes_),
        Column("STATUS", lambda c: c.status, width=10, render=cells.nrpc_status),
    )

    def __init__(self, ctx: PanelContext, client: MeshClient) -> None:
        super().__init__(ctx, client, row_id=lambda c: c.seq, empty="no calls yet")
        self.stats: NrpcStats | None = None

    def section(self, snapshot: MeshSnapshot) -> Any:
        return snapshot.nrpc

    def rows(self, snapshot: MeshSnapshot) -> Sequence[NrpcCall]:
        return snapshot.nrpc[::-1]

    def synced(self, snapshot: MeshSnapshot) -> None:
        self.stats = nrpc_stats(snapshot.nrpc, snapshot.now)

    def toggle_pause(self) -> bool:
        """Freeze or unfreeze the table; returns True when now frozen."""
        self.frozen = not self.frozen
        return self.frozen

    @property
    def subtitle(self) -> str:
        parts = [self.table.summary]
        stats = self.stats
        if stats is not None:
            parts.append(cells.plain(rate(stats.rate)))
            if stats.p99_ms is not None:
                parts.append(f"p99 {stats.p99_ms:.0f} ms")
            parts.append(f"{stats.failed_pct:.1f}% failed")
        if self.frozen:
            parts.append("PAUSED")
        return " · ".join(parts)


# ---- MIGRATIONS -----------------------------------------------------------------------------------

_PHASE_ROLES = {"Complete": "good", "Failed": "bad", "Aborted": "warn"}


PAUSED = " (paused)"


def _phase_value(migration: MigrationView) -> str:
    return migration.phase + (PAUSED if migration.paused else "")


def _phase(value: str) -> Cell:
    phase = value.removesuffix(PAUSED)
    if phase in _PHASE_ROLES:
        return [(_PHASE_ROLES[phase], phase)]
    step = f" {MIGRATION_PHASES.index(phase) + 1}/{len(MIGRATION_PHASES) - 1}"
    if value.endswith(PAUSED):
        return [("info", f"{cells.kind_icon('freeze')} {phase}"), ("muted", step)]
    return [("magenta", phase), ("muted", step)]


def _progress_value(migration: MigrationView) -> float | None:
    return None if migration.phase in ("Failed", "Aborted") else migration.progress


def _progress(width: int) -> Any:
    def render(value: float | None) -> Cell:
        return [("muted", "—")] if value is None else progress_bar(value / 100, width)

    return render


def _retries(value: int) -> Cell:
    return [("muted", "0")] if not value else [("warn", str(value))]


def _role(value: str) -> Cell:
    return [("accent" if value != "observer" else "muted", value)]


def _until(row: Timed[MigrationView]) -> float:
    return row.item.finished_at or row.now


class MigrationsPanel(MeshTable[Timed[MigrationView]]):
    """Migrations newest first: phase, progress within it, retries and how long it has taken."""

    export_name = "migrations"
    ticking = True
    newest_first = True
    columns = (
        Column("DAEMON", lambda r: r.item.daemon, weight=1, min_width=12),
        Column("SOURCE", lambda r: r.item.source, width=7, sort_key=node_order),
        Column("TARGET", lambda r: r.item.target, width=7, sort_key=node_order),
        Column("ROLE", lambda r: r.item.role, width=8, render=_role),
        Column("SIZE", lambda r: r.item.size_bytes, width=9, align="right", render=bytes_),
        Column("PHASE", lambda r: _phase_value(r.item), width=14, render=_phase),
        Column("PROG", lambda r: _progress_value(r.item), width=15, render=_progress(10)),
        Column("RETRY", lambda r: r.item.retries, width=5, align="right", render=_retries),
        Column(
            "AGE/PHASE",
            lambda r: r.now - r.item.phase_started_at,
            width=9,
            align="right",
            render=cells.age,
        ),
        Column("ELAPSED", lambda r: _until(r) - r.item.started_at, width=7, align="right", render=cells.age),
    )
    narrow_columns = (
        Column("DAEMON", lambda r: r.item.daemon, weight=1, min_width=10),
        Column("SOURCE", lambda r: r.item.source, width=7, sort_key=node_order),
        Column("TARGET", lambda r: r.item.target, width=7, sort_key=node_order),
        Column("PHASE", lambda r: _phase_value(r.item), width=14, render=_phase),
        Column("PROG", lambda r: _progress_value(r.item), width=10, render=_progress(5)),
        Column("RETRY", lambda r: r.item.retries, width=5, align="right", render=_retries),
        Column("ELAPSED", lambda r: _until(r) - r.item.started_at, width=7, align="right", render=cells.age),
    )

    def __init__(self, ctx: PanelContext, client: MeshClient) -> None:
        super().__init__(ctx, client, row_id=lambda r: r.item.id, empty="no migrations yet (one every 30 s)")

    def section(self, snapshot: MeshSnapshot) -> Any:
        return snapshot.migrations

    def rows(self, snapshot: MeshSnapshot) -> Sequence[Timed[MigrationView]]:
        now = snapshot.now
        return [Timed(m, now) for m in snapshot.migrations]

    @property
    def selection(self) -> MigrationView | None:  # type: ignore[override]  # the item of the timed row
        row = super().selection
        return row.item if row is not None else None

    def hints(self) -> Sequence[tuple[str, str]]:
        if self.ctx.deck.read_only:
            return super().hints()
        return (*super().hints(), ("F", "Freeze"), ("T", "Thaw"))

    @property
    def subtitle(self) -> str:
        snapshot = self.snapshot
        if snapshot is None:
            return self.table.summary
        active = sum(1 for m in snapshot.migrations if m.active)
        frozen = " · FROZEN" if snapshot.frozen_until is not None else ""
        return f"{self.table.summary} · {active} active{frozen}"


# ---- AUDIT ----------------------------------------------------------------------------------------


def _args(entry: AuditEntry) -> str:
    return " ".join(f"{k}={v}" for k, v in entry.args)


def _reason(entry: AuditEntry) -> str:
    return f"via {entry.via}: {entry.reason}" if entry.via else entry.reason


class AuditPanel(MeshTable[AuditEntry]):
    """Every signed command submitted, newest first, whatever became of it."""

    export_name = "audit"
    newest_first = True
    columns = (
        Column("SEQ", lambda a: a.seq, width=5, align="right"),
        Column("WHEN", lambda a: a.when, width=14, render=cells.clock_time("%m-%d %H:%M:%S")),
        Column("OUTCOME", lambda a: a.outcome, width=12, render=cells.outcome),
        Column("OPERATOR", lambda a: a.operator, width=12),
        Column("COMMAND", lambda a: a.command, width=20),
        Column("TARGET", lambda a: a.target, width=12),
        Column("ARGS", _args, width=14),
        Column("REASON", _reason, weight=1),
    )
    narrow_columns = (
        Column("SEQ", lambda a: a.seq, width=4, align="right"),
        Column("WHEN", lambda a: a.when, width=8, render=cells.clock_time()),
        Column("OUTCOME", lambda a: a.outcome, width=11, render=cells.outcome),
        Column("COMMAND", lambda a: a.command, width=16),
        Column("TARGET", lambda a: a.target, width=11),
        Column("REASON", _reason, weight=1),
    )

    def __init__(self, ctx: PanelContext, client: MeshClient) -> None:
        super().__init__(ctx, client, row_id=lambda a: a.seq, empty="no commands yet")

    def section(self, snapshot: MeshSnapshot) -> Any:
        return snapshot.audit

    def rows(self, snapshot: MeshSnapshot) -> Sequence[AuditEntry]:
        return snapshot.audit[::-1]

    @property
    def subtitle(self) -> str:
        snapshot = self.snapshot
        rejected = 0 if snapshot is None else sum(1 for a in snapshot.audit if a.outcome == "rejected")
        return f"{self.table.summary} · {rejected} rejected" if rejected else self.table.summary
