"""The cursor-and-scroll logic shared by every line-based widget (logs, JSON, key-value)."""

from __future__ import annotations

from collections.abc import Sequence

import urwid

from deck.widgets._render import Line, canvas, recolor

__all__ = ["LineList"]


class LineList(urwid.Widget):
    """A box widget showing pre-rendered lines with a cursor; subclasses supply the lines."""

    _selectable = True
    _sizing = frozenset([urwid.BOX])

    def __init__(self) -> None:
        super().__init__()
        self._cursor = 0
        self._top = 0
        self._height = 1
        self.show_cursor = True

    def line_count(self) -> int:
        """How many lines there are."""
        raise NotImplementedError

    def lines(self, start: int, stop: int, width: int) -> Sequence[Line]:
        """The rendered lines [start, stop) at `width`."""
        raise NotImplementedError

    @property
    def cursor(self) -> int:
        """The line the cursor is on."""
        return self._cursor

    @cursor.setter
    def cursor(self, position: int) -> None:
        self._cursor = max(0, min(position, self.line_count() - 1))
        self._invalidate()

    def at_end(self) -> bool:
        """True when the cursor is on the last line."""
        return self._cursor >= self.line_count() - 1

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget
        """Cursor keys, vi keys and paging."""
        page = max(1, size[1] - 1)
        moves = {"up": -1, "k": -1, "down": 1, "j": 1, "page up": -page, "page down": page}
        if key in moves:
            self.cursor = self._cursor + moves[key]
        elif key in ("home", "g"):
            self.cursor = 0
        elif key in ("end", "G"):
            self.cursor = self.line_count() - 1
        else:
            return key
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
        """The wheel scrolls, a click moves the cursor."""
        if event != "mouse press":
            return False
        if button in (4, 5):
            self.cursor = self._cursor + (3 if button == 5 else -3)
        elif button == 1:
            self.cursor = self._top + row
        return True

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]  # a box widget
        width, height = size
        self._height = height
        count = self.line_count()
        self._cursor = max(0, min(self._cursor, count - 1))
        if self._cursor < self._top:
            self._top = self._cursor
        elif self._cursor >= self._top + height:
            self._top = self._cursor - height + 1
        self._top = max(0, min(self._top, max(0, count - height)))
        stop = min(count, self._top + height)
        lines = list(self.lines(self._top, stop, width))
        if self.show_cursor and focus and count:
            index = self._cursor - self._top
            lines[index] = recolor(lines[index], "selected")
        return canvas(lines, width, height, "text")
