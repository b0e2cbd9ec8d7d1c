"""The mesh plugin's hooks: one simulated mesh per deck, its views, its actions, its header segment."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from deck import (
    Action,
    Option,
    Panel,
    PanelContext,
    PanelType,
    Source,
    StatusSegment,
    hookimpl,
)

from .actions import build_actions
from .client import MeshClient, open_client, running
from .client_sim import MAX_NODES, MIN_NODES
from .panels_digest import headline_segment
from .panels_fleet import ChainsPanel, DaemonsPanel, GroupsPanel, NodesPanel
from .panels_flow import AdaptersPanel, AuditPanel, BlobsPanel, MigrationsPanel, NrpcPanel
from .panels_logs import LogsPanel
from .panels_map import MapPanel, SummaryPanel
from .source import FOLLOW, SOURCE, mesh_source

__all__ = ["MeshPlugin"]


class MeshPlugin:
    """mesh-demo: a simulated N-node mesh in this process, the deck's default with no services needed.

    Config (under `plugins: {mesh: {...}}`): `seed` (0: the same mesh every start), `nodes`,
    `refresh` (seconds between snapshots), `operator` (the id that signs admin commands; the
    login name when empty) and `export_dir` (where `e` writes tables).
    """

    def __init__(self) -> None:
        self.client: MeshClient | None = None
        self.refresh = 0.5

    @hookimpl
    def deck_options(self) -> Mapping[str, Option]:
        return {
            "seed": Option(
                int, 0, "seeds the simulation: the same seed gives the same mesh", range=(0, 2**32 - 1)
            ),
            "nodes": Option(int, 9, f"node count, {MIN_NODES}..{MAX_NODES}; node 0 is the operator's view"),
            "refresh": Option(float, 0.5, "seconds between snapshots of the mesh"),
            "operator": Option(str, "", "operator id that signs admin commands (default: login name)"),
            "export_dir": Option(str, ".", "folder where `e` writes deck-<tab>-<time>.txt"),
        }

    @hookimpl
    def deck_configure(self, config: Mapping[str, Any]) -> None:
        self.client = open_client(config)
        self.refresh = config["refresh"]

    @hookimpl
    def deck_sources(self) -> list[Source[Any]]:
        return [mesh_source(running(self.client), self.refresh)]

    @hookimpl
    def deck_panels(self) -> list[PanelType]:
        def build(cls: Callable[..., Panel], **kwargs: Any) -> Callable[[PanelContext], Panel]:
            return lambda ctx: cls(ctx, running(self.client), **kwargs)

        def logs(ctx: PanelContext) -> Panel:
            return LogsPanel(
                ctx, running(self.client), follow=ctx.options["follow"], chips=ctx.options["chips"]
            )

        follow = {
            "follow": Option(str, "none", "show everything, or only the selected group's or node's", FOLLOW)
        }
        return [
            PanelType("mesh.map", build(MapPanel), {}, "peers placed around node 0 by RTT", "NET.MAP"),
            PanelType(
                "mesh.events",
                build(LogsPanel, events_only=True, chips=False),
                {},
                "the tail of cluster events",
                "Events",
            ),
            PanelType("mesh.summary", build(SummaryPanel), {}, "the mesh at a glance", "Mesh"),
            PanelType("mesh.nodes", build(NodesPanel), {}, "every node; admin commands act here", "NODES"),
            PanelType("mesh.daemons", build(DaemonsPanel), follow, "daemons and their lifecycle", "DAEMONS"),
            PanelType("mesh.groups", build(GroupsPanel), {}, "daemon groups by name suffix", "GROUPS"),
            PanelType("mesh.chains", build(ChainsPanel), {}, "replica and data chains", "CHAINS"),
            PanelType("mesh.dataforts", build(AdaptersPanel), {}, "each node's blob adapter", "DATAFORTS"),
            PanelType("mesh.blobs", build(BlobsPanel), {}, "every blob and its replication", "BLOBS"),
            PanelType("mesh.nrpc", build(NrpcPanel), {}, "recorded nRPC calls; p pauses", "NRPC"),
            PanelType(
                "mesh.migrations", build(MigrationsPanel), {}, "daemon migrations by phase", "MIGRATIONS"
            ),
            PanelType("mesh.audit", build(AuditPanel), {}, "every signed command and its outcome", "AUDIT"),
            PanelType(
                "mesh.logs",
                logs,
                {
                    **follow,
                    "chips": Option(bool, True, "show the level chips and the filter above the lines"),
                },
                "log lines; / filters, v level, p pause",
                "LOGS",
            ),
        ]

    @hookimpl
    def deck_actions(self) -> list[Action]:
        return build_actions(running(self.client))

    @hookimpl
    def deck_status_segments(self) -> list[StatusSegment]:
        return [StatusSegment("mesh.health", SOURCE, headline_segment)]
