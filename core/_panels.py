"""Panels: views built from layout options and fed by sources."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import urwid

if TYPE_CHECKING:
    from deck._context import Context
    from deck._sources import Result

__all__ = ["Option", "Panel", "PanelContext", "PanelType"]


@dataclass(frozen=True)
class Option:
    """One setting a layout may give a panel or a plugin, checked when the layout loads.

    Args:
        type: the Python type (or tuple of types) the value must have.
        default: used when the layout leaves it out.
        help: one line for `deck --list` and the docs.
        choices: the allowed values, if only some are.
        required: the layout must give it.
        range: the lowest and highest value of a number (default: 0 to 100000 for whole numbers,
            0.01 to 86400 for decimals, which deck's options use for seconds); never NaN or infinite.
        check: `check(value, earlier)` validates a value of the right type and returns what
            the plugin gets (it may build a richer value from it); `earlier` holds the options
            listed before this one in the schema, already checked. It raises OptionError,
            whose `path` inside the value the layout loader turns into file:line.
    """

    type: type | tuple[type, ...] = str
    default: Any = None
    help: str = ""
    choices: Sequence[Any] | None = None
    required: bool = False
    range: tuple[float, float] | None = None
    check: Callable[[Any, Mapping[str, Any]], Any] | None = None


@dataclass(frozen=True)
class PanelContext:
    """What a panel is built from: its validated options and its plugin's shared context."""

    type: str
    options: Mapping[str, Any]
    title: str
    deck: Context

    @property
    def config(self) -> Mapping[str, Any]:
        """The plugin's config from the layout."""
        return self.deck.config


class Panel:
    """Base class for a view: set `self.widget` in `__init__`, take snapshots in `update`.

    A panel never fetches: the deck calls `update` on the event loop whenever one of the
    sources named in `sources` has a new result. Override `selection` so actions can act
    on what the operator has selected, and `apply_filter` to support `/`.
    """

    sources: Sequence[str] = ()
    widget: urwid.Widget

    def __init__(self, ctx: PanelContext) -> None:
        self.ctx = ctx

    @property
    def title(self) -> str:
        """The title drawn in the panel's border."""
        return self.ctx.title

    def update(self, result: Result[Any]) -> None:
        """Take a new result from one of `sources`."""

    @property
    def subtitle(self) -> str:
        """A short live note drawn at the right of the border (counts, state)."""
        return ""

    @property
    def rows_wanted(self) -> int | None:
        """Body rows the panel needs now, when fewer than a fixed-height row gives it; 0 hides the
        panel, giving its row or column to the rest; None takes what the layout gives."""
        return None

    @property
    def selection(self) -> Any:
        """The selected item that actions on this panel act on, or None."""
        return None

    @property
    def filterable(self) -> bool:
        """True when `/` can filter this panel."""
        return False

    def apply_filter(self, text: str) -> None:
        """Show only what matches `text` (empty shows everything)."""

    @property
    def filter_prompt(self) -> str:
        """The title of the `/` dialog: what typing there does on this panel."""
        return "filter: words, col:text, !not"

    @property
    def filter_text(self) -> str:
        """The filter in force, so `/` can start from it and Esc can restore it."""
        return ""

    def hints(self) -> Sequence[tuple[str, str] | str]:
        """Extra footer hints beyond the panel's own actions: (key, label) pairs, or action ids
        (shown with their current key, and dimmed when disabled)."""
        return ()


@dataclass(frozen=True)
class PanelType:
    """A kind of panel a plugin offers to layouts, e.g. "system.processes"."""

    name: str
    factory: Callable[[PanelContext], Panel]
    options: Mapping[str, Option] = field(default_factory=dict)
    description: str = ""
    title: str | None = None
