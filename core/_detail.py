"""Enter on a kit table, log or key-value panel: the whole value, wrapped, scrollable, copyable."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import urwid

from deck._overlays import Dialog
from deck._panels import Panel
from deck._sanitize import sanitize
from deck.widgets import Column, KeyValue, LogView, Table
from deck.widgets._render import as_segments

if TYPE_CHECKING:
    from deck._context import ActionContext
    from deck._deck import Deck

__all__ = ["DetailDialog", "detail_text", "open_detail", "osc52"]

DETAIL_HINT = "↑↓ PgUp PgDn scroll · w wrap · c copy · Esc closes"
#: A value at most this long shares a line with its column's title.
SHORT = 70
#: The width a sized renderer gets in the detail view: wide enough for the whole value.
WIDE = 200


def _widgets(widget: Any) -> Iterator[Any]:
    """The widget and those it shows, following the focus (decorations, wraps, containers)."""
    seen = 0
    while widget is not None and seen < 32:
        yield widget
        seen += 1
        if hasattr(widget, "original_widget"):
            widget = widget.original_widget
        elif isinstance(widget, urwid.WidgetWrap):
            widget = widget._w
        elif isinstance(widget, (urwid.Pile, urwid.Columns, urwid.ListBox)):
            widget = widget.focus
        else:
            return


def _cell_text(column: Column[Any], row: Any) -> str:
    """A column's value in full: strings and structures as they are, others as the table shows them."""
    value = column.value(row)
    if isinstance(value, (dict, list, tuple)):
        try:
            return json.dumps(value, indent=2, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            return repr(value)
    if isinstance(value, str) or value is None:
        return "—" if value is None else value
    shown = "".join(text for _, text in as_segments(column.cell(row, WIDE)))
    return shown if shown == str(value) else f"{shown} ({value})"


def _row_text(table: Table[Any]) -> str | None:
    row = table.selected
    if row is None:
        return None
    parts = []
    for index, column in enumerate(table.columns):
        try:
            text = _cell_text(column, row)
        except Exception as exc:
            text = f"({type(exc).__name__}: {exc})"
        title = column.title or f"column {index + 1}"
        short = "\n" not in text and len(title) + len(text) < SHORT
        parts.append(f"{title}: {text}" if short else f"{title}:\n{text}\n")
    return "\n".join(parts).strip()


def _line_text(view: LogView) -> str | None:
    line = view.current
    if line is None:
        return None
    stamp = time.strftime("%Y-%m-%d %H:%M:%S ", time.localtime(line.time)) if line.time is not None else ""
    source = f"{line.source} " if line.source else ""
    return f"{stamp}{line.level.upper()} {source}\n\n{line.text}"


def _pairs_text(view: KeyValue) -> str | None:
    lines = []
    for key, value in view.pairs:
        text = "".join(part for _, part in as_segments(value))
        lines.append(f"\n{text}" if key is None else f"{key}: {text}")
    return "\n".join(lines).strip() or None


def detail_text(panel: Panel) -> str | None:
    """The whole selected row (every column) or log line of a panel, or every pair of a key-value
    panel; None when it has none of these."""
    for widget in _widgets(getattr(panel, "widget", None)):
        if isinstance(widget, Table):
            return _row_text(widget)
        if isinstance(widget, LogView):
            return _line_text(widget)
        if isinstance(widget, KeyValue):
            return _pairs_text(widget)
    return None


def osc52(text: str) -> str:
    """The escape sequence that puts `text` on the terminal's clipboard (also over SSH and tmux)."""
    return "\x1b]52;c;" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "\x07"


class DetailDialog(Dialog):
    """The whole value as plain text: scroll, toggle wrapping, copy."""

    def __init__(self, title: str, text: str, border: str, copy: Callable[[str], str]) -> None:
        self.text = text
        self.copy = copy
        self.wrap = True
        self.lines = [urwid.Text(sanitize(line, keep_tabs=True)) for line in text.split("\n")]
        self.note = urwid.Text(("muted", DETAIL_HINT))
        self.list = urwid.ListBox(urwid.SimpleFocusListWalker(self.lines))
        body = urwid.Pile([self.list, ("pack", urwid.Divider()), ("pack", self.note)])
        height = min(40, sum(line.rows((98,)) for line in self.lines) + 4)
        super().__init__(title, body, border=border, width=100, height=height)

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget
        if key in ("esc", "q", "enter"):
            self.close(None)
        elif key == "w":
            self.wrap = not self.wrap
            for line in self.lines:
                line.wrap = "any" if self.wrap else "clip"
            self.note.set_text(("muted", f"wrap {'on' if self.wrap else 'off'} · {DETAIL_HINT}"))
        elif key == "c":
            self.note.set_text(("muted", f"{self.copy(self.text)} · {DETAIL_HINT}"))
        else:
            inner = (max(1, size[0] - 2), max(1, size[1] - 4))
            key = {"j": "down", "k": "up", "g": "home", "G": "end"}.get(key, key)
            if key in ("home", "end"):
                self.list.focus_position = 0 if key == "home" else len(self.lines) - 1
            else:
                self.list.keypress(inner, key)
        return None


def open_detail(ctx: ActionContext) -> str | None:
    """Enter: open the selected row or line of the focused panel whole."""
    deck: Deck = ctx._deck
    panel, frame = ctx.panel, deck.focused
    text = detail_text(panel) if panel is not None else None
    if text is None:
        return None
    title = frame.title if frame is not None else "Detail"

    def copy(value: str) -> str:
        write = deck.on_clipboard
        if write is None:
            return "no terminal to copy to"
        write(osc52(value))
        return f"sent {len(value)} characters to the terminal's clipboard (OSC 52)"

    deck.overlays.open(DetailDialog(title, text, deck.theme.border, copy))
    return None
