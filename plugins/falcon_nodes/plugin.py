"""The falcon plugin's hooks: an htop for Falcon training runs on Ray.

The deck never imports Ray: the client talks to the cluster through a child process, and
every call runs in the deck's worker threads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deck import Action, Command, Context, Option, PanelType, Source, StatusSegment, hookimpl
from deck.plugins.falcon_nodes import actions_cli
from deck.plugins.falcon_nodes.actions import falcon_actions
from deck.plugins.falcon_nodes.client import FalconClient, FalconConfig
from deck.plugins.falcon_nodes.client_coordinator import COORDINATOR_NAME, LEGACY_COORDINATOR_NAME, NAMESPACE
from deck.plugins.falcon_nodes.model import SortMode
from deck.plugins.falcon_nodes.panels import NodeDetailPanel, NodeLogPanel, NodesPanel
from deck.plugins.falcon_nodes.panels_rundir import RunsPanel
from deck.plugins.falcon_nodes.panels_summary import SummaryPanel, connection_segment
from deck.plugins.falcon_nodes.source import STATUS_SOURCE, coordinator_sources
from deck.plugins.falcon_nodes.source_rundir import file_sources

__all__ = ["FalconPlugin"]


class FalconPlugin:
    """A Falcon run's nodes, buffer and logs: from its coordinator on Ray, or from falcon-sbi run dirs."""

    def __init__(self) -> None:
        self.client: FalconClient | None = None

    @hookimpl
    def deck_options(self) -> Mapping[str, Option]:
        return {
            "address": Option(
                str,
                "auto",
                "Ray cluster: 'auto' (this machine's or $RAY_ADDRESS), 'host:port', 'ray://host:port'",
            ),
            "namespace": Option(str, NAMESPACE, "Ray namespace of the coordinator actor"),
            "actor": Option(str, COORDINATOR_NAME, "name of the coordinator actor"),
            "fallback_actor": Option(
                (str, type(None)), LEGACY_COORDINATOR_NAME, "tried when 'actor' is not found (null: none)"
            ),
            "refresh": Option(float, 1.0, "seconds between polls of the run"),
            "timeout": Option(float, 5.0, "seconds a status, log or pause call may take"),
            "connect_timeout": Option(float, 30.0, "seconds connecting to the cluster may take"),
            "sort": Option(str, "name", "the nodes' first sort order", choices=[m.value for m in SortMode]),
            "run_dir": Option(
                (str, type(None)), None, "a falcon-sbi 0.5 run directory to read instead of a coordinator"
            ),
            "runs": Option(
                (str, type(None)),
                None,
                "a folder of falcon-sbi runs (e.g. output/): a runs list to pick from",
            ),
        }

    @hookimpl
    def deck_sources(self, config: Mapping[str, Any]) -> list[Source[Any]]:
        if self.client is not None:
            self.client.close()
            self.client = None
        if config.get("run_dir") or config.get("runs"):
            return file_sources(config)
        options = {key: value for key, value in config.items() if key not in ("sort", "run_dir", "runs")}
        self.client = FalconClient(FalconConfig.from_mapping(options))
        return coordinator_sources(self.client)

    @hookimpl
    def deck_panels(self) -> list[PanelType]:
        return [
            PanelType(
                "falcon.summary",
                SummaryPanel,
                {},
                "connection, run directory, elapsed time or how the run ended, node counts, buffer bar",
                "Falcon",
            ),
            PanelType(
                "falcon.nodes",
                NodesPanel,
                {},
                "every node: status, samples, loss, trend and progress; Enter opens a node, s sorts",
                "Nodes",
            ),
            PanelType(
                "falcon.node",
                NodeDetailPanel,
                {},
                "the selected node: status history, whole loss curve, throughput, error, actor",
                "Node",
            ),
            PanelType(
                "falcon.runs",
                RunsPanel,
                {},
                "the falcon-sbi runs of the 'runs' folder: state, start, duration, best val loss",
                "Runs",
            ),
            PanelType(
                "falcon.log",
                NodeLogPanel,
                {},
                "the selected node's log, following the selection",
                "Log",
            ),
        ]

    @hookimpl
    def deck_actions(self) -> list[Action]:
        return falcon_actions(lambda: self.client)

    @hookimpl
    def deck_commands(self) -> list[Command]:
        return [
            Command(actions_cli.COMMAND, actions_cli.DESCRIPTION, actions_cli.main, actions_cli.configure)
        ]

    @hookimpl
    def deck_status_segments(self) -> list[StatusSegment]:
        return [StatusSegment("falcon.connection", STATUS_SOURCE, connection_segment)]

    @hookimpl
    def deck_startup(self, ctx: Context) -> None:
        for panel in ctx.panels("falcon.nodes")[:1]:
            ctx.focus_panel(panel)  # the table takes the keys from the start

    @hookimpl
    def deck_shutdown(self, ctx: Context) -> None:
        client, self.client = self.client, None
        if client is not None:
            client.close()
