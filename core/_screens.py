"""Each screen's grid of panel frames, built once from the layout when the deck is made."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import urwid

from deck._contain import contained
from deck._frame import PanelFrame
from deck._grid import ShrinkingPile
from deck._layout import Node, PanelSpec, ScreenSpec
from deck._panels import Panel, PanelContext

if TYPE_CHECKING:
    from deck._deck import Deck

__all__ = ["Screen", "ScreenBuilder"]

log = logging.getLogger(__name__)


@dataclass
class Screen:
    """One tab: its spec, its grid widget, and its panels in focus order."""

    spec: ScreenSpec
    widget: urwid.Widget
    frames: list[PanelFrame]
    focus: int = 0


class ScreenBuilder:
    """Turns the layout's screens into frames; a broken panel becomes a frame that says why."""

    def __init__(self, deck: Deck, subscribers: dict[str, list[PanelFrame]]) -> None:
        self._deck = deck
        self._subscribers = subscribers  # source name -> the frames its results go to

    def screens(self) -> list[Screen]:
        """Every screen of the layout, in order."""
        return [self._screen(spec) for spec in self._deck.layout.screens]

    def _screen(self, spec: ScreenSpec) -> Screen:
        frames: list[PanelFrame] = []
        widget = self._node(spec.body, frames)
        return Screen(spec=spec, widget=widget, frames=frames)

    def _node(self, node: Node, frames: list[PanelFrame]) -> urwid.Widget:
        if isinstance(node, PanelSpec):
            frame = self._frame(node)
            frames.append(frame)
            return frame
        children: list[tuple[Literal["given"], int, Any] | tuple[Literal["weight"], float, Any]] = []
        for child in node.children:
            widget = self._node(child, frames)
            kind, amount = child.size
            children.append(("given", int(amount), widget) if kind == "given" else ("weight", amount, widget))
        return ShrinkingPile(children) if node.direction == "rows" else urwid.Columns(children)

    def _broken(self, type_name: str, title: str, error: str) -> PanelFrame:
        return self._framed(None, type_name, title, error)

    def _framed(self, panel: Panel | None, type_name: str, title: str, error: str | None) -> PanelFrame:
        deck = self._deck
        return PanelFrame(
            panel,
            type_name=type_name,
            title=title,
            border=deck.theme.border,
            on_focus=deck.focus_frame,
            error=error,
        )

    def _frame(self, spec: PanelSpec) -> PanelFrame:
        parts = self._deck.parts
        if spec.type in parts.unavailable:
            reason = parts.unavailable[spec.type]
            return self._broken(
                spec.type, spec.title or spec.type, f"panel {spec.type!r} is unavailable: {reason}"
            )
        owner, panel_type = parts.panel_types[spec.type]
        title = spec.title or panel_type.title or spec.type
        problem = parts.problems.get(owner)
        if problem:
            return self._broken(spec.type, title, f"plugin {owner!r} {problem}")
        options = parts.panel_options[spec.path]
        ctx = PanelContext(type=spec.type, options=options, title=title, deck=self._deck.contexts[owner])
        try:
            panel: Panel | None = contained(panel_type.factory, ctx)
            error = None
        except Exception as exc:
            log.exception("building panel %s failed", spec.type)
            panel, error = None, f"{type(exc).__name__}: {exc}"
        frame = self._framed(panel, spec.type, title, error)
        for source in getattr(panel, "sources", ()) or ():
            if source not in self._deck.scheduler:
                frame.error = f"panel {spec.type!r} wants source {source!r}, which no plugin provides"
            self._subscribers.setdefault(source, []).append(frame)
        return frame
