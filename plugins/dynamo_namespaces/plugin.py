"""The dynamo plugin's hooks: state files (Dynamo 0.3) and the live 1.x deployment, side by side."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from deck import (
    Action,
    Command,
    Context,
    Option,
    PanelType,
    PluginError,
    Result,
    Source,
    StatusSegment,
    hookimpl,
)

from . import actions_cli
from .actions import DynamoActions, LiveActions
from .client import STATE_DIR_ENV, resolve_state_dir
from .client_live import DEFAULT_FRONTEND, locate_store
from .model_live import StoreView
from .panels import ComponentsPanel, GpusPanel, OverviewPanel, StatePanel, WatchersPanel
from .panels_live import FleetPanel, LivePanel, LoadPanel, ModelsPanel, PlannerPanel, TrafficPanel
from .source import PARAMS, SOURCE, FolderView, StateFolderSource
from .source_live import (
    FRONTEND,
    PLANNER,
    STORE,
    WORKERS,
    FrontendSource,
    PlannerSource,
    StoreSource,
    WorkersSource,
)

__all__ = ["DynamoPlugin"]

_OPTIONAL_TEXT = (str, type(None))


def _segment(result: Result[FolderView]) -> Any:
    view = result.value
    if view is None:
        return ""
    if view.problem is not None and view.namespace is None:
        return [("muted", "no state files")]
    role = "bad" if view.state is not None and not view.state.ok else "accent"
    return [("muted", "ns "), (role, view.namespace or "—")]


def _live_segment(result: Result[StoreView]) -> Any:
    view = result.value
    if view is None:
        return ""
    if view.error is not None:
        return [("muted", "no 1.x store")]
    stale = view.stale_workers
    count = len(view.workers)
    workers = [("accent", f"{count} worker{'' if count == 1 else 's'}")] + (
        [("bad", f" {stale} stale")] if stale else []
    )
    return [("muted", f"{view.store.label} · "), *workers]


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
            *self._live_sources(config),
        ]

    def _live_sources(self, config: Mapping[str, Any]) -> list[Source[Any]]:
        try:
            store = locate_store(config.get("discovery"))
        except ValueError as exc:
            raise PluginError(str(exc), where="plugins.dynamo.discovery") from None
        etcd = config.get("etcd") or (store.location if store.kind == "etcd" else None)
        if etcd is None and os.environ.get("ETCD_ENDPOINTS"):
            etcd = os.environ["ETCD_ENDPOINTS"].split(",")[0]
        every = max(0.2, float(config.get("live_interval") or 1.0))
        fleet, workers = StoreSource(store), WorkersSource(store)
        frontend, planner = (
            FrontendSource(str(config.get("frontend") or DEFAULT_FRONTEND)),
            PlannerSource(etcd),
        )
        self._closers += [fleet, workers, frontend, planner]
        return [
            Source(
                STORE,
                fleet.fetch,
                interval=every,
                timeout=10.0,
                description=f"Dynamo 1.x store {store.label}",
            ),
            Source(
                WORKERS, workers.fetch, interval=2 * every, timeout=10.0, description="workers' system ports"
            ),
            Source(
                FRONTEND,
                frontend.fetch,
                interval=2 * every,
                timeout=10.0,
                description=f"frontend {frontend.url}",
            ),
            Source(
                PLANNER,
                planner.fetch,
                interval=2 * every,
                timeout=10.0,
                description=f"planner keys in etcd {planner.etcd}",
            ),
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
            StatusSegment("dynamo.namespace", SOURCE, _segment),
            StatusSegment("dynamo.store", STORE, _live_segment),
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
