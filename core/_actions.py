"""Actions, status-bar segments and CLI commands: what plugins contribute besides panels."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deck._context import ActionContext
    from deck._sources import Result

__all__ = ["GLOBAL", "Action", "Command", "StatusSegment"]

#: The scope of actions that work whatever panel has the focus.
GLOBAL = "global"


@dataclass(frozen=True)
class Action:
    """Something the operator can do, by key, from the command palette, or from help.

    Args:
        id: unique id, conventionally "plugin.verb"; layouts rebind keys by this id.
        title: what help and the palette show.
        handler: called with an ActionContext; may be `async def`. A returned string
            is shown as a success message; raising shows an error and keeps the deck up.
        keys: default keys (urwid names: "k", "ctrl n", "enter", "f5").
        scope: GLOBAL, or the panel type (e.g. "system.processes") it acts on, or a tuple
            of panel types that all offer it.
        mutating: changes something outside the deck; disabled by --read-only.
        confirm: a question asked first (or a function building it from the context).
        destructive: draw the confirmation in red.
        blocking: run the handler in a worker thread (for synchronous I/O).
    """

    id: str
    title: str
    handler: Callable[[ActionContext], Any]
    keys: Sequence[str] = ()
    scope: str | Sequence[str] = GLOBAL
    mutating: bool = False
    confirm: str | Callable[[ActionContext], str | None] | None = None
    destructive: bool = False
    blocking: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.keys, str):
            object.__setattr__(self, "keys", (self.keys,))
        else:
            object.__setattr__(self, "keys", tuple(self.keys))
        if not isinstance(self.scope, str):
            object.__setattr__(self, "scope", tuple(self.scope))

    @property
    def scopes(self) -> tuple[str, ...]:
        """Every scope the action is bound in."""
        return (self.scope,) if isinstance(self.scope, str) else tuple(self.scope)


@dataclass(frozen=True)
class StatusSegment:
    """A small live text in the header, rendered from one source's latest result.

    `render` returns plain text or urwid markup with theme roles, e.g. `[("good", "● online")]`.
    """

    name: str
    source: str
    render: Callable[[Result[Any]], Any]


@dataclass(frozen=True)
class Command:
    """A `deck NAME ...` subcommand contributed by a plugin.

    `configure` adds arguments to the subcommand's parser; `run` returns the exit code.
    """

    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    configure: Callable[[argparse.ArgumentParser], None] = field(default=lambda parser: None)
