"""The screen grid: a fixed-height box gives the rows its content does not need to its neighbours.

A panel may say how many rows it wants (`Panel.rows_wanted`, 0 hides it); else the grid asks
its widget.
"""

from __future__ import annotations

from typing import Any

import urwid

from deck._frame import PanelFrame
from deck.widgets._scroll import LineList

__all__ = ["ShrinkingPile", "content_rows"]

#: A box never shrinks below its border and one line.
MIN_ROWS = 3


def _widget_rows(widget: Any, width: int) -> int | None:
    """How many lines a panel's widget has to show, if it can say."""
    if hasattr(widget, "rows_max"):
        return int(widget.rows_max((width,)))
    if isinstance(widget, LineList):
        return widget.line_count()
    if urwid.FLOW in widget.sizing():
        return int(widget.rows((width,)))
    return None


def content_rows(widget: Any, width: int) -> int | None:
    """The rows a grid cell needs (borders included); None when it cannot say or is not ready."""
    if isinstance(widget, PanelFrame):
        wanted = widget.rows_wanted  # the panel's own word comes first (0 hides it)
        if wanted is not None:
            return wanted
        inner = widget.widget
        if inner is None or widget.waiting is not None:
            return None
        try:
            lines = _widget_rows(inner, max(1, width - 2))
        except Exception:
            return None
        return None if lines is None else lines + 2
    if isinstance(widget, urwid.Columns):
        needs = [content_rows(w, width // max(1, len(widget.contents))) for w, _ in widget.contents]
        return None if any(n is None for n in needs) else max((n or 0 for n in needs), default=0)
    return None


class ShrinkingPile(urwid.Pile):
    """Rows whose fixed heights are upper bounds: each shrinks to what its content needs."""

    def __init__(self, widget_list: list[Any]) -> None:
        super().__init__(widget_list)
        self._given = {
            index: int(amount)
            for index, (_, (kind, amount)) in enumerate(self.contents)
            if kind == urwid.GIVEN and amount is not None
        }

    def _fit(self, size: tuple[int, ...]) -> None:
        if len(size) != 2 or not self._given:
            return
        for index, given in self._given.items():
            widget, (_, amount) = self.contents[index]
            need = content_rows(widget, size[0])
            rows = given if need is None else 0 if need == 0 else max(MIN_ROWS, min(given, need))
            if rows != amount:
                self.contents[index] = (widget, self.options(urwid.GIVEN, rows))  # type: ignore[assignment]

    def render(
        self, size: tuple[int, int] | tuple[int] | tuple[()], focus: bool = False
    ) -> urwid.SolidCanvas | urwid.CompositeCanvas:
        self._fit(size)
        return super().render(size, focus)
