"""The dynamo plugin's hooks: one folder-watching source, five panels, scaling actions, the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deck import (
    Action,
    Command,
    Context,
    Option,
    PanelType,
    Result,
    Source,
    StatusSegment,
    hookimpl,
)

from . import actions_cli
from .actions import DynamoActions
from .client import STATE_DIR_ENV, resolve_state_dir
from .panels import ComponentsPanel, GpusPanel, OverviewPanel, StatePanel, WatchersPanel
from .source import PARAMS, SOURCE, FolderView, StateFolderSource

__all__ = ["DynamoPlugin"]

_OPTIONAL_TEXT = (str, type(None))


def _segment(result: Result[FolderView]) -> Any:
    view = result.value
    if view is None:
        return ""
    if view.problem is not None and view.namespace is None:
        return [("warn", "no deployments")]
    role = "bad" if view.state is not None and not view.state.ok else "accent"
    return [("muted", "ns "), (role, view.namespace or "—")]


class DynamoPlugin:
    """Dynamo deployments seen through their local state files: inspect, and scale workers."""

    def __init__(self) -> None:
        self._actions = DynamoActions()

    @hookimpl
    def deck_options(self) -> Mapping[str, Option]:
        return {
            "state_dir": Option(
                _OPTIONAL_TEXT, None, f"state folder (default: ${STATE_DIR_ENV}, else ~/.dynamo/state)"
            ),
            "namespace": Option(_OPTIONAL_TEXT, None, "namespace to show (default: ask when several)"),
            "poll": Option(float, 0.25, "seconds between checks of the folder (a stat of each file)"),
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
            )
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
        ]

    @hookimpl
    def deck_actions(self) -> list[Action]:
        return self._actions.actions()

    @hookimpl
    def deck_status_segments(self) -> list[StatusSegment]:
        return [StatusSegment("dynamo.namespace", SOURCE, _segment)]

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
        ctx.spawn(self._actions.pick_on_start(ctx), "dynamo namespace picker")
