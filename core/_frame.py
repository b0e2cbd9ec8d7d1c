"""The chrome around every panel: a border with title, health, and errors drawn in place."""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Callable
from typing import Any, Final

import urwid

from deck._clock import now
from deck._contain import FAULTS
from deck._panels import Panel
from deck._sanitize import sanitize
from deck._sources import Result
from deck.widgets import glyph
from deck.widgets._render import Segment, canvas, encode_line, fit, text_width

__all__ = ["BORDERS", "PanelFrame"]

log = logging.getLogger(__name__)

#: (horizontal, vertical, top-left, top-right, bottom-left, bottom-right) per border style.
BORDERS: Final[dict[str, tuple[str, ...]]] = {
    "single": ("─", "│", "┌", "┐", "└", "┘"),
    "rounded": ("─", "│", "╭", "╮", "╰", "╯"),
    "double": ("═", "║", "╔", "╗", "╚", "╝"),
    "heavy": ("━", "┃", "┏", "┓", "┗", "┛"),
    "ascii": ("-", "|", "+", "+", "+", "+"),
}


class PanelFrame(urwid.Widget):
    """Draws one panel with its border, routes its keys, and contains its failures."""

    _sizing = frozenset([urwid.BOX])
    _selectable = True
    no_cache = ("render",)  # the border shows live health, so it is always redrawn

    def __init__(
        self,
        panel: Panel | None,
        *,
        type_name: str,
        title: str,
        border: str,
        on_focus: Callable[[PanelFrame], None],
        error: str | None = None,
    ) -> None:
        super().__init__()
        self.panel = panel
        self.type_name = type_name
        self._title = title
        self.border = border
        self._on_focus = on_focus
        self.focused = False
        self.error = error
        self.waiting: str | None = "waiting for data…" if panel is not None and panel.sources else None
        self.results: dict[str, Result[Any]] = {}
        self.pending: dict[str, Result[Any]] = {}
        self.body_size: tuple[int, int] = (0, 0)

    @property
    def title(self) -> str:
        """The panel's title, or the configured one when the panel cannot say."""
        if self.panel is None:
            return self._title
        try:
            return self.panel.title or self._title
        except FAULTS:
            return self._title

    @property
    def widget(self) -> urwid.Widget | None:
        """The panel's widget, unless the panel is broken."""
        if self.panel is None or self.error is not None:
            return None
        return getattr(self.panel, "widget", None)

    @property
    def rows_wanted(self) -> int | None:
        """The rows the panel asks for, borders included; a broken panel never hides its error."""
        if self.panel is None or self.error is not None:
            return None
        try:
            rows = self.panel.rows_wanted
        except FAULTS:
            return None
        return None if rows is None else 0 if rows <= 0 else int(rows) + 2

    @property
    def hidden(self) -> bool:
        """True while the panel gives all its space away."""
        return self.rows_wanted == 0

    def deliver(self, result: Result[Any]) -> None:
        """Hand a source result to the panel; a panel that raises shows its error instead."""
        self.results[result.source] = result
        if self.panel is None:
            return
        if not result.has_value:
            self.waiting = f"{result.source}: {result.error}" if result.error else self.waiting
            self._invalidate()
            return
        self.waiting = None
        try:
            self.panel.update(result)
        except FAULTS as exc:
            log.exception("panel %s failed to update from %s", self.type_name, result.source)
            self.error = f"{type(exc).__name__}: {exc}"
        else:
            if self.error and not self.error.startswith("plugin"):
                self.error = None
        self._invalidate()

    def fail(self, exc: BaseException, during: str) -> None:
        """Show an exception raised by this panel's code."""
        log.error("panel %s failed %s", self.type_name, during, exc_info=exc)
        self.error = f"{type(exc).__name__}: {exc}"
        self._invalidate()

    # ---- health ------------------------------------------------------------------------------------

    def _stale_results(self) -> list[Result[Any]]:
        return [r for r in self.results.values() if r.error and r.has_value]

    @property
    def stale(self) -> bool:
        """True when a source of this panel failed and the panel shows its last good data."""
        return bool(self._stale_results())

    def _health(self) -> tuple[list[Segment], list[Segment]]:
        """(what must show, what may give way) about stale data: its age, then the error."""
        stale = self._stale_results()
        if not stale:
            return [], []
        oldest = min(r.fetched_at or 0 for r in stale)
        age = max(0, int(now() - oldest))
        return [("warn", f" stale {age} s ")], [("muted", f"({sanitize(stale[0].error or '')[:60]}) ")]

    def _subtitle(self) -> str:
        if self.panel is None or self.error:
            return ""
        try:
            return sanitize(self.panel.subtitle or "")
        except FAULTS:
            return ""

    # ---- input -----------------------------------------------------------------------------------

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget
        widget = self.widget
        if widget is None or not widget.selectable():
            return key
        try:
            return widget.keypress(self.body_size, key)
        except FAULTS as exc:
            self.fail(exc, f"handling key {key!r}")
            return None

    def mouse_event(
        self,
        size: tuple[int, int],  # type: ignore[override]  # a box widget
        event: str,
        button: int,
        col: int,
        row: int,
        focus: bool,
    ) -> bool:
        if event == "mouse press":
            self._on_focus(self)
        widget = self.widget
        width, height = size
        inside = 0 < col < width - 1 and 0 < row < height - 1
        if widget is None or not inside or not hasattr(widget, "mouse_event"):
            return True
        try:
            widget.mouse_event(self.body_size, event, button, col - 1, row - 1, True)
        except FAULTS as exc:
            self.fail(exc, "handling the mouse")
        return True

    # ---- drawing ------------------------------------------------------------------------------------

    def _border_role(self) -> str:
        if self.focused:
            return "border_focus"
        return "muted" if self.stale else "border"

    def _top(self, width: int) -> list[Segment]:
        h, _, tl, tr, _, _ = BORDERS[self.border]
        border = self._border_role()
        title_role = "title" if self.focused else "muted"
        left: list[Segment] = [(border, tl + h), (title_role, f" {sanitize(self.title)} ")]
        health, detail = self._health()
        subtitle = self._subtitle()
        # When space runs short the subtitle goes first, then the error is cut: the age stays.
        cap = width - sum(text_width(t) for _, t in left + health) - 2
        if detail and text_width("".join(t for _, t in detail)) > cap >= 14:
            detail = fit(detail, cap)
        for extra in (detail, []):
            room = width - sum(text_width(t) for _, t in left + health + extra) - 2
            shown = f" {subtitle} " if subtitle else ""
            if text_width(shown) > room:
                shown = "".join(t for _, t in fit([(None, shown)], room)) if room > 4 else ""
            right: list[Segment] = [*health, *extra, *([("muted", shown)] if shown else [])]
            if sum(text_width(t) for _, t in left + right) + 2 <= width:
                break
        right.append((border, h + tr))
        used = sum(text_width(t) for _, t in left + right)
        if used > width and health:  # the stale warning is cut, never dropped
            room = width - sum(text_width(t) for _, t in left) - 2
            health = fit(health, room) if room > 8 else []
            right = [*health, (border, h + tr)]
            used = sum(text_width(t) for _, t in left + right)
        if used > width:
            room = width - sum(text_width(t) for _, t in right)
            if room >= 6:
                return [*fit(left, room), *right]
            return [*fit(left, width - 1), (border, tr)]
        return [*left, (border, h * (width - used)), *right]

    def _message(self, width: int, height: int) -> urwid.Canvas:
        if self.error is not None:
            wrapped = textwrap.wrap(sanitize(self.error), max(10, width - 2)) or [""]
            lines = [
                [("bad", "⚠ " + (self.title or self.type_name))],
                *([("bad", part)] for part in wrapped),
                [("muted", "the rest keeps running; see the log")],
            ]
        else:
            lines = [
                [("muted", part)]
                for part in textwrap.wrap(
                    sanitize(self.waiting or "").replace("…", glyph("…", "...")), max(10, width - 2)
                )
            ]
        top = max(0, (height - len(lines)) // 2)
        rendered = [encode_line(fit([], width), "text")] * top
        rendered += [encode_line(fit(line, width, "center"), "text") for line in lines]
        return canvas(rendered, width, height, "text")

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]  # a box widget
        width, height = size
        if width < 3 or height < 3:
            self.body_size = (width, height)
            return canvas([], width, height, "text")
        inner = (width - 2, height - 2)
        self.body_size = inner
        widget = self.widget
        if widget is None or self.waiting is not None:
            body = self._message(*inner)
        else:
            try:
                body = widget.render(inner, focus=self.focused)
            except FAULTS as exc:
                self.fail(exc, "drawing")
                body = self._message(*inner)
        h, v, _, _, bl, br = BORDERS[self.border]
        border = self._border_role()
        top = canvas([encode_line(self._top(width), "text")], width, 1)
        side = canvas([encode_line([(border, v)])] * inner[1], 1, inner[1])
        middle = urwid.CanvasJoin(
            [(side, None, False, 1), (body, None, False, inner[0]), (side, None, False, 1)]
        )
        bottom = canvas([encode_line([(border, bl + h * (width - 2) + br)])], width, 1)
        return urwid.CanvasCombine([(top, None, False), (middle, None, False), (bottom, None, False)])
