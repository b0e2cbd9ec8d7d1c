"""The fleet's tables: NODES, DAEMONS, GROUPS and CHAINS."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

from deck import PanelContext
from deck.widgets import Cell, Column

from . import panels_cells as cells
from .client import MeshClient
from .model import ChainView, DaemonView, GroupView, MeshSnapshot, NodeView
from .panels import MeshTable, Timed
from .panels_cells import node_order
from .source import followed, select

__all__ = ["ChainsPanel", "DaemonsPanel", "GroupsPanel", "NodesPanel"]


def _muted_dash(value: Any) -> Cell:
    return [("muted", "—")] if value in (None, "", "—") else str(value)


# ---- NODES ----------------------------------------------------------------------------------------

_MAINT_ROLES = {"maint": "magenta", "draining": "warn", "drained": "warn", "cordoned": "warn"}


def _maint(value: str) -> Cell:
    return [("muted", "—")] if value == "—" else [(_MAINT_ROLES.get(value, "text"), value)]


def _avoiding(peers: tuple[str, ...]) -> Cell:
    return [("warn", " ".join(peers))] if peers else [("muted", "—")]


def _live(node: NodeView, value: float) -> float | None:
    """A metric, or None while the node is unreachable (its last value would mislead)."""
    return None if node.rtt_ms is None else value


class NodesPanel(MeshTable[NodeView]):
    """Every node as node 0 sees it; admin commands act on the selected node."""

    export_name = "nodes"
    columns = (
        Column("NODE", lambda n: n.id, width=9, sort_key=node_order),
        Column("HEALTH", lambda n: n.health, width=13, render=cells.health, sort_key=cells.health_rank),
        Column("RTT", lambda n: n.rtt_ms, width=9, align="right", render=cells.rtt),
        Column("CPU", lambda n: _live(n, n.cpu_pct), width=11, render=cells.percent(6)),
        Column("MEM", lambda n: _live(n, n.mem_pct), width=11, render=cells.percent(6)),
        Column("DISK", lambda n: _live(n, n.disk_pct), width=11, render=cells.percent(6)),
        Column("SAT", lambda n: _live(n, n.sat_pct), width=11, render=cells.percent(6)),
        Column("DAEMONS", lambda n: n.daemons, width=7, align="right"),
        Column("MAINT", lambda n: n.maint, render=_maint, min_width=8),
        Column("AVOIDS", lambda n: n.avoiding, render=_avoiding, min_width=6, sort_key=len),
    )
    narrow_columns = (
        Column("NODE", lambda n: n.id, width=8, sort_key=node_order),
        Column("HEALTH", lambda n: n.health, width=13, render=cells.health, sort_key=cells.health_rank),
        Column("RTT", lambda n: n.rtt_ms, width=8, align="right", render=cells.rtt),
        Column("CPU", lambda n: _live(n, n.cpu_pct), width=4, align="right", render=cells.percent()),
        Column("MEM", lambda n: _live(n, n.mem_pct), width=4, align="right", render=cells.percent()),
        Column("DISK", lambda n: _live(n, n.disk_pct), width=4, align="right", render=cells.percent()),
        Column("SAT", lambda n: _live(n, n.sat_pct), width=4, align="right", render=cells.percent()),
        Column("DAEMONS", lambda n: n.daemons, width=7, align="right"),
        Column("MAINT", lambda n: n.maint, render=_maint, min_width=8),
        Column("AVOIDS", lambda n: n.avoiding, render=_avoiding, min_width=6, sort_key=len),
    )

    def __init__(self, ctx: PanelContext, client: MeshClient) -> None:
        super().__init__(ctx, client, row_id=lambda n: n.id, empty="no nodes")
        self.table.on_select = self._selected

    def _selected(self, node: NodeView | None) -> None:
        if node is not None:
            select(self.ctx.deck, node=node.id)

    def section(self, snapshot: MeshSnapshot) -> Any:
        return snapshot.nodes

    def rows(self, snapshot: MeshSnapshot) -> Sequence[NodeView]:
        return snapshot.nodes

    @property
    def subtitle(self) -> str:
        return f"{self.table.summary} · seen from node-0"


# ---- DAEMONS --------------------------------------------------------------------------------------

_KIND_ROLES = {"agent": "muted", "compute": "magenta", "inference": "accent", "trainer": "info"}


def _daemon_label(value: str) -> Cell:
    name, _, ident = value.rpartition(" ")
    return [("text", name), ("muted", f" {ident}")]


def _kind(value: str) -> Cell:
    return [(_KIND_ROLES.get(value, "text"), value)]


class DaemonsPanel(MeshTable[Timed[DaemonView]]):
    """Every daemon, or (with `follow: group` / `follow: node`) those of the selected group or node."""

    export_name = "daemons"
    ticking = True
    columns = (
        Column("DAEMON", lambda r: f"{r.item.name} {r.item.id}", render=_daemon_label, weight=2.1),
        Column("KIND", lambda r: r.item.kind, width=9, render=_kind),
        Column("LINEAGE", lambda r: r.item.lineage, weight=1),
        Column("NODE", lambda r: r.item.node, width=7, sort_key=node_order),
        Column("STATE", lambda r: r.item.state, width=12, render=cells.state),
        Column("HEALTH", lambda r: r.item.health, width=13, render=cells.health, sort_key=cells.health_rank),
        Column("SAT", lambda r: r.item.sat_pct, width=9, render=cells.percent(4)),
        Column("AGE", lambda r: r.now - r.item.started_at, width=6, align="right", render=cells.age),
    )
    narrow_columns = (
        Column("DAEMON", lambda r: f"{r.item.name} {r.item.id}", render=_daemon_label, min_width=14),
        Column("NODE", lambda r: r.item.node, width=7, sort_key=node_order),
        Column("STATE", lambda r: r.item.state, width=12, render=cells.state),
        Column("HEALTH", lambda r: r.item.health, width=13, render=cells.health, sort_key=cells.health_rank),
        Column("SAT", lambda r: r.item.sat_pct, width=4, align="right", render=cells.percent()),
        Column("AGE", lambda r: r.now - r.item.started_at, width=6, align="right", render=cells.age),
    )
    tiny_columns = (
        Column("DAEMON", lambda r: f"{r.item.name} {r.item.id}", render=_daemon_label, min_width=12),
        Column("STATE", lambda r: r.item.state, width=12, render=cells.state),
        Column(
            "HEALTH", lambda r: r.item.health, width=11, render=cells.health_word, sort_key=cells.health_rank
        ),
        Column("AGE", lambda r: r.now - r.item.started_at, width=6, align="right", render=cells.age),
    )

    def __init__(self, ctx: PanelContext, client: MeshClient) -> None:
        self.follow = ctx.options.get("follow", "none")
        empty = "no daemons" if self.follow == "none" else f"select a {self.follow} first"
        super().__init__(ctx, client, row_id=lambda r: r.item.id, empty=empty)

    def section(self, snapshot: MeshSnapshot) -> Any:
        return snapshot.daemons

    def extra_key(self) -> Hashable:
        return followed(self.ctx.deck, self.follow)

    def rows(self, snapshot: MeshSnapshot) -> Sequence[Timed[DaemonView]]:
        now, chosen = snapshot.now, followed(self.ctx.deck, self.follow)
        daemons = snapshot.daemons
        if self.follow == "group":
            daemons = tuple(d for d in daemons if d.group == chosen)
        elif self.follow == "node":
            daemons = tuple(d for d in daemons if d.node == chosen)
        return [Timed(d, now) for d in daemons]

    @property
    def selection(self) -> DaemonView | None:  # type: ignore[override]  # the item of the timed row
        row = super().selection
        return row.item if row is not None else None

    @property
    def title(self) -> str:
        chosen = followed(self.ctx.deck, self.follow)
        return f"{self.ctx.title} · {chosen}" if chosen else self.ctx.title


# ---- GROUPS ---------------------------------------------------------------------------------------

_GROUP_KIND_ROLES = {"replica": "accent", "fork": "magenta", "standby": "info", "standalone": "muted"}


def _group_kind(value: str) -> Cell:
    return [(_GROUP_KIND_ROLES.get(value, "text"), value)]


class GroupsPanel(MeshTable[GroupView]):
    """Daemons folded into groups by their name's suffix; the members view follows the selection."""

    export_name = "groups"
    columns = (
        Column("GROUP", lambda g: g.name, weight=2),
        Column("KIND", lambda g: g.kind, width=10, render=_group_kind),
        Column("MEMBERS", lambda g: len(g.members), width=7, align="right"),
        Column("STATUS", lambda g: g.summary, weight=1.5),
        Column("HEALTH", lambda g: g.health, width=13, render=cells.health, sort_key=cells.health_rank),
    )

    def __init__(self, ctx: PanelContext, client: MeshClient) -> None:
        super().__init__(ctx, client, row_id=lambda g: g.name, empty="no groups")
        self.table.on_select = self._selected

    def _selected(self, group: GroupView | None) -> None:
        select(self.ctx.deck, group=group.name if group is not None else None)

    def section(self, snapshot: MeshSnapshot) -> Any:
        return snapshot.groups

    def rows(self, snapshot: MeshSnapshot) -> Sequence[GroupView]:
        # Groups with several members first: they are what this view is for.
        return sorted(snapshot.groups, key=lambda g: (g.kind == "standalone", g.name))


# ---- CHAINS ---------------------------------------------------------------------------------------


def _held(value: tuple[int, int]) -> Cell:
    held, desired = value
    role = "good" if held >= desired else "bad" if held == 0 else "warn"
    return [(role, str(held))]


def _holders(value: str) -> Cell:
    return value or [("bad", "none")]


class ChainsPanel(MeshTable[ChainView]):
    """Replica chains (held by daemons) and data chains (held by nodes), leader first."""

    export_name = "chains"
    columns = (
        Column("CHAIN", lambda c: c.name, weight=1.3),
        Column("KIND", lambda c: c.kind, width=7),
        Column("HELD", lambda c: (c.held, c.desired), width=4, align="right", render=_held),
        Column("DESIRED", lambda c: c.desired, width=7, align="right"),
        Column("STATUS", lambda c: c.status, width=12, render=cells.chain_status),
        Column("LEADER", lambda c: c.leader, width=10, render=_muted_dash),
        Column("HOLDERS", lambda c: ", ".join(c.holders), weight=2, render=_holders),
    )
    narrow_columns = (
        Column("CHAIN", lambda c: c.name, weight=1.2),
        Column("HELD", lambda c: (c.held, c.desired), width=4, align="right", render=_held),
        Column("DESIRED", lambda c: c.desired, width=7, align="right"),
        Column("STATUS", lambda c: c.status, width=12, render=cells.chain_status),
        Column("HOLDERS", lambda c: ", ".join(c.holders), weight=1.5, render=_holders),
    )

    def __init__(self, ctx: PanelContext, client: MeshClient) -> None:
        super().__init__(ctx, client, row_id=lambda c: c.name, empty="no chains")

    def section(self, snapshot: MeshSnapshot) -> Any:
        return snapshot.chains

    def rows(self, snapshot: MeshSnapshot) -> Sequence[ChainView]:
        return snapshot.chains
