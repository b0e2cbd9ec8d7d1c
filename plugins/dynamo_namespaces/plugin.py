"""The dynamo plugin's hooks: state files (Dynamo 0.3) and the live 1.x deployment, side by side."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deck import (
    Action,
    Command,
    Context,
    Option,
    PanelType,
    Source,
    StatusSegment,
    hookimpl,
)

from . import actions_cli
from .actions import DynamoActions, LiveActions
from .client import STATE_DIR_ENV, resolve_state_dir
from .client_live import DEFAULT_FRONTEND
from .panels import ComponentsPanel, GpusPanel, OverviewPanel, StatePanel, WatchersPanel, namespace_segment
from .panels_live import (
    FleetPanel,
    LivePanel,
    LoadPanel,
    ModelsPanel,
    PlannerPanel,
    TrafficPanel,
    store_segment,
)
from .source import PARAMS, SOURCE, StateFolderSource
from .source_live import STORE, live_sources

__all__ = ["DynamoPlugin"]

_OPTIONAL_TEXT = (str, type(None))


class DynamoPlugin:
    """Dynamo deployments: 0.3 state files (inspect, scale workers) and a live view of 1.x."""

    def __init__(self) -> None:
        self._actions = DynamoActions()
        self._closers: list[Any] = []

    @hookimpl
    def deck_options(self) -> Mapping[str, Option]:
        return {
            "state_dir": Option(
                _OPTIONAL_TEXT, None, f"state folder (default: ${STATE_DIR_ENV}, else ~/.dynamo/state)"
            ),
            "namespace": Option(_OPTIONAL_TEXT, None, "namespace to show (default: ask when several)"),
            "poll": Option(float, 0.25, "seconds between checks of the folder (a stat of each file)"),
            "discovery": Option(
                _OPTIONAL_TEXT,
                None,
                "Dynamo 1.x store, file:<folder> or etcd:<url> (default: $ETCD_ENDPOINTS for etcd, "
                "else $DYN_FILE_KV, else $TMPDIR/dynamo_store_kv)",
            ),
            "frontend": Option(str, DEFAULT_FRONTEND, "the Dynamo 1.x frontend's HTTP address"),
            "etcd": Option(
                _OPTIONAL_TEXT,
                None,
                "etcd holding the planner's keys (default: the store's, else $ETCD_ENDPOINTS)",
            ),
            "live_interval": Option(float, 1.0, "seconds between reads of the 1.x store; HTTP every 2x that"),
        }

    @hookimpl
    def deck_sources(self, config: Mapping[str, Any]) -> list[Source[Any]]:
        folder = StateFolderSource(resolve_state_dir(config.get("state_dir")))
        return [
            Source(
                SOURCE,
                folder.fetch,
                interval=max(0.05, float(config.get("poll") or 0.25)),
                timeout=30.0,
                description="the Dynamo state folder: stat poll, changed files re-read",
                params={**PARAMS, "namespace": config.get("namespace")},
            ),
            *live_sources(config, self._closers.append),
        ]

    @hookimpl
    def deck_panels(self) -> list[PanelType]:
        return [
            PanelType(
                "dynamo.overview", OverviewPanel, {}, "DYNAMO banner, namespace, file and health", "Namespace"
            ),
            PanelType(
                "dynamo.components",
                ComponentsPanel,
                {},
                "component types with their watchers, count and GPUs",
                "Components",
            ),
            PanelType(
                "dynamo.watchers",
                WatchersPanel,
                {},
                "every circus watcher; Enter shows its full command",
                "Watchers",
            ),
            PanelType("dynamo.gpus", GpusPanel, {}, "GPU map: which watcher holds which GPU", "GPUs"),
            PanelType("dynamo.state", StatePanel, {}, "the state file as coloured JSON", "Raw state"),
            PanelType(
                "dynamo.live",
                LivePanel,
                {},
                "Dynamo 1.x: store, fleet summary, frontend, planner",
                "Deployment",
            ),
            PanelType(
                "dynamo.fleet", FleetPanel, {}, "namespaces, components, endpoints, instances", "Fleet"
            ),
            PanelType(
                "dynamo.models",
                ModelsPanel,
                {},
                "model cards, readiness, workers; b sets the busy threshold",
                "Models",
            ),
            PanelType(
                "dynamo.load", LoadPanel, {}, "per worker: running, waiting, KV cache, in flight", "Load"
            ),
            PanelType(
                "dynamo.traffic",
                TrafficPanel,
                {},
                "frontend request rates, tokens/s, latency quantiles",
                "Traffic",
            ),
            PanelType(
                "dynamo.planner", PlannerPanel, {}, "planner targets against running workers", "Planner"
            ),
        ]

    @hookimpl
    def deck_actions(self, config: Mapping[str, Any]) -> list[Action]:
        live = LiveActions(str(config.get("frontend") or DEFAULT_FRONTEND))
        return [*self._actions.actions(), *live.actions()]

    @hookimpl
    def deck_status_segments(self) -> list[StatusSegment]:
        return [
            StatusSegment("dynamo.namespace", SOURCE, namespace_segment),
            StatusSegment("dynamo.store", STORE, store_segment),
        ]

    @hookimpl
    def deck_commands(self) -> list[Command]:
        return [
            Command(
                actions_cli.COMMAND,
                actions_cli.DESCRIPTION,
                run=actions_cli.main,
                configure=actions_cli.configure,
            )
        ]

    @hookimpl
    def deck_startup(self, ctx: Context) -> None:
        ctx.spawn(self._actions.start(ctx), "dynamo start")

    @hookimpl
    async def deck_shutdown(self, ctx: Context) -> None:
        for source in self._closers:
            await source.aclose()
