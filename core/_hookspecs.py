"""The hooks a deck plugin may implement (pluggy project "deck")."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from deck._actions import Action, Command, StatusSegment
    from deck._context import Context
    from deck._panels import Option, PanelType
    from deck._sources import Source

__all__ = ["hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("deck")
hookimpl = pluggy.HookimplMarker("deck")


@hookspec
def deck_options() -> Mapping[str, Option]:
    """The settings this plugin accepts under its name in a layout's `plugins:`."""


@hookspec
def deck_configure(config: Mapping[str, Any]) -> None:
    """Called once, before any hook below, with the plugin's checked config.

    Build here what the plugin's sources, panels and actions share (a client, a folder), so
    that every later hook can use it.

    Args:
        config: the plugin's settings from the layout, defaults filled in.
    """


@hookspec
def deck_sources(config: Mapping[str, Any]) -> Sequence[Source[Any]]:
    """The sources this plugin contributes, given its config from the layout.

    Args:
        config: the plugin's settings from the layout, defaults filled in.
    """


@hookspec
def deck_panels(config: Mapping[str, Any]) -> Sequence[PanelType]:
    """The panel types this plugin offers to layouts.

    Args:
        config: the plugin's settings from the layout (empty when listing every plugin).
    """


@hookspec
def deck_actions(config: Mapping[str, Any]) -> Sequence[Action]:
    """The actions this plugin offers (keys, palette, help).

    Args:
        config: the plugin's settings from the layout (empty when listing every plugin).
    """


@hookspec
def deck_status_segments(config: Mapping[str, Any]) -> Sequence[StatusSegment]:
    """Small live texts this plugin adds to the header.

    Args:
        config: the plugin's settings from the layout.
    """


@hookspec
def deck_alerts(config: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    """Default alert rules, written as in a layout's `alerts:` (docs/recorder.md).

    A layout's rule of the same name replaces one of these; `enabled: false` turns it off.

    Args:
        config: the plugin's settings from the layout.
    """


@hookspec
def deck_themes() -> Mapping[str, Path]:
    """Extra themes, by name, that layouts and --theme may use."""


@hookspec
def deck_layouts() -> Mapping[str, Path]:
    """Layouts this plugin ships, by name, found by `deck --layout NAME` after the built-ins."""


@hookspec
def deck_commands() -> Sequence[Command]:
    """`deck NAME ...` subcommands this plugin adds to the command line."""


@hookspec
def deck_startup(ctx: Context) -> Awaitable[None] | None:
    """Called on the event loop before the first fetch: open connections, start tasks.

    Args:
        ctx: the plugin's handle on the running deck.
    """


@hookspec
def deck_shutdown(ctx: Context) -> Awaitable[None] | None:
    """Called on the event loop when the deck exits: close what startup opened.

    Args:
        ctx: the plugin's handle on the running deck.
    """
