"""Dialogs drawn over the screen: confirm, choose, text input, viewers, help and palette."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import urwid

from deck._frame import BORDERS
from deck._sanitize import sanitize
from deck.widgets import Column, JsonView, LogLine, LogView, Table
from deck.widgets._render import canvas, encode_line, fit, text_width

if TYPE_CHECKING:
    from deck._deck import Deck

__all__ = ["Dialog", "Overlays", "PaletteEntry"]

log = logging.getLogger(__name__)

T = TypeVar("T")
VIEWER_WIDTH = 100
#: Seconds a confirmation ignores keys after it is first drawn, so typing ahead never answers it.
CONFIRM_GUARD = 0.25


class Dialog(urwid.WidgetWrap[urwid.Widget]):
    """A bordered box over the dimmed screen that resolves a future when it closes."""

    def __init__(
        self,
        title: str,
        body: urwid.Widget,
        *,
        border: str,
        danger: bool = False,
        width: int = 60,
        height: int | None = None,
    ) -> None:
        h, v, tl, tr, bl, br = BORDERS[border]
        box = urwid.LineBox(
            urwid.AttrMap(body, "dialog"),
            title=sanitize(title),
            title_attr="danger" if danger else "dialog_border",
            tlcorner=tl,
            tline=h,
            lline=v,
            trcorner=tr,
            blcorner=bl,
            rline=v,
            bline=h,
            brcorner=br,
        )
        super().__init__(urwid.AttrMap(box, "danger" if danger else "dialog_border"))
        self.body = body
        self.preferred = (width, height)
        self.future: asyncio.Future[Any] | None = None
        self.on_close: Callable[[Dialog, Any], None] = lambda dialog, value: None
        self.danger = danger
        self.align: tuple[Literal["left", "center", "right"], Literal["top", "middle", "bottom"]] = (
            "center",
            "middle",
        )
        self.clock: Callable[[], float] = time.monotonic
        self.shown_at: float | None = None

    def render(self, size: tuple[()] | tuple[int] | tuple[int, int], focus: bool = False) -> urwid.Canvas:
        if self.shown_at is None:
            self.shown_at = self.clock()
        return super().render(size, focus)

    def close(self, value: Any = None) -> None:
        """Close the dialog with a result."""
        self.on_close(self, value)

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget
        if key == "esc":
            self.close(None)
            return None
        return super().keypress(size, key)


class _Buttons(urwid.Widget):
    """A row of buttons like [ OK ]  [ Cancel ]; left/right/tab move, enter presses."""

    _sizing = frozenset([urwid.FLOW])
    _selectable = True

    def __init__(self, labels: Sequence[str], on_press: Callable[[int], None], focus: int = 0) -> None:
        super().__init__()
        self.labels = list(labels)
        self.on_press = on_press
        self.focus_index = focus

    def rows(self, size: tuple[int], focus: bool = False) -> int:
        return 1

    def render(self, size: tuple[int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]  # a box widget
        segments: list[tuple[str | None, str]] = []
        for index, label in enumerate(self.labels):
            role = "button_focus" if index == self.focus_index else "button"
            segments += [(role, f"[ {label} ]"), ("dialog", "  ")]
        return canvas([encode_line(fit(segments, size[0], "center"), "dialog")], size[0], 1)

    def keypress(self, size: tuple[int], key: str) -> str | None:  # type: ignore[override]  # a box widget
        if key in ("left", "shift tab", "h"):
            self.focus_index = (self.focus_index - 1) % len(self.labels)
        elif key in ("right", "tab", "l"):
            self.focus_index = (self.focus_index + 1) % len(self.labels)
        elif key in ("enter", " "):
            self.on_press(self.focus_index)
        else:
            return key
        self._invalidate()
        return None


def _multiline(text: str) -> str:
    """Sanitise each line but keep the line breaks."""
    return "\n".join(sanitize(line, keep_tabs=True) for line in text.split("\n"))


def _text_lines(text: str, role: str = "dialog") -> urwid.Widget:
    return urwid.Text((role, _multiline(text)))


class _Confirm(Dialog):
    def __init__(
        self, title: str, message: str, *, border: str, destructive: bool, ok: str, cancel: str
    ) -> None:
        # Destructive questions start on Cancel, so a stray Enter never destroys anything.
        self.buttons = _Buttons([ok, cancel], self._press, focus=1 if destructive else 0)
        body = urwid.Pile(
            [
                _text_lines(message, "danger" if destructive else "dialog"),
                urwid.Divider(),
                self.buttons,
            ]
        )
        body.focus_position = 2
        width = min(90, max(40, max((len(line) for line in message.splitlines()), default=0) + 6))
        super().__init__(
            title,
            urwid.Padding(body, left=1, right=1),
            border=border,
            danger=destructive,
            width=width,
        )
        self.title = title

    def _press(self, index: int) -> None:
        self.close(index == 0)

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget
        shown = self.shown_at
        if key != "esc" and (shown is None or self.clock() - shown < CONFIRM_GUARD):
            # Typed before the question could be read: it must never answer it.
            log.info("confirmation %r ignored the key %r typed before it could be read", self.title, key)
            return None
        if key in ("y", "Y"):
            self.close(True)
            return None
        if key in ("n", "N", "q"):
            self.close(False)
            return None
        return super().keypress(size, key)


@dataclass(frozen=True)
class PaletteEntry:
    """One line of the command palette: a label, its key, what it is, and what it runs."""

    label: str
    key: str
    kind: str
    run: Callable[[], Any]
    enabled: bool = True


def fuzzy_score(query: str, text: str) -> int | None:
    """Score a subsequence match (higher is better); None when `query` does not match."""
    query, text = query.lower(), text.lower()
    if not query:
        return 0
    if query in text:
        return 1000 - text.index(query)
    position, score, previous = 0, 0, -2
    for char in query:
        found = text.find(char, position)
        if found < 0:
            return None
        score += 10 if found == previous + 1 else 1
        previous, position = found, found + 1
    return score


class _Picker(Dialog):
    """A filterable list: type to narrow it, up/down to move, enter to pick."""

    def __init__(
        self,
        title: str,
        entries: Sequence[PaletteEntry],
        *,
        border: str,
        with_input: bool = True,
        digits: bool = False,
    ) -> None:
        self.entries = list(entries)
        self.digits = digits
        key_width = max((text_width(e.key) for e in self.entries), default=0)
        kind_width = min(24, max((text_width(e.kind) for e in self.entries), default=0))
        label_width = max((text_width(e.label) for e in self.entries), default=10)
        columns: list[Column[PaletteEntry]] = [Column("Name", lambda e: e.label, render=lambda v: v)]
        if key_width:
            columns.append(Column("Key", lambda e: e.key, width=key_width))
        if kind_width:
            columns.append(Column("", lambda e: e.kind, width=kind_width, render=lambda v: [("muted", v)]))
        width = max(text_width(title) + 8, label_width + key_width + kind_width + len(columns) + 3, 30)
        self.table: Table[PaletteEntry] = Table(
            columns,
            row_id=lambda e: (e.kind, e.label),
            header=False,
            empty="nothing matches",
        )
        self.table.update(self.entries)
        self.edit = urwid.Edit(("key", "> ")) if with_input else None
        parts: list[Any] = []
        if self.edit is not None:
            urwid.connect_signal(self.edit, "postchange", lambda *_: self._narrow())
            parts += [("pack", urwid.AttrMap(self.edit, "input")), ("pack", urwid.Divider())]
        parts.append(self.table)
        pile = urwid.Pile(parts)
        pile.focus_position = 0
        height = min(len(self.entries), 20) + (4 if with_input else 2)
        super().__init__(title, pile, border=border, width=width, height=height)

    def _narrow(self) -> None:
        assert self.edit is not None
        query = self.edit.edit_text
        scored = [(fuzzy_score(query, e.label + " " + e.kind), e) for e in self.entries]
        ranked = sorted(((s, e) for s, e in scored if s is not None), key=lambda item: -item[0])
        self.table.update([e for _, e in ranked])
        self.table.cursor = 0

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget
        typing = self.edit is not None and self.edit.edit_text != ""
        if self.digits and not typing and key.isdigit() and 0 < int(key) <= min(9, len(self.entries)):
            self.close(self.entries[int(key) - 1])
            return None
        if key in ("up", "down", "page up", "page down", "home", "end"):
            self.table.keypress((size[0], max(1, size[1] - 4)), key)
            return None
        if key == "enter":
            entry = self.table.selected
            if entry is not None:
                self.close(entry)
            return None
        if key == "esc":
            self.close(None)
            return None
        if self.edit is not None:
            return self.edit.keypress((size[0] - 4,), key)
        if key in ("j", "k", "g", "G"):
            self.table.keypress((size[0], size[1]), key)
            return None
        if key == "q":
            self.close(None)
            return None
        return key


class _Prompt(Dialog):
    def __init__(
        self, title: str, default: str, validate: Callable[[str], str | None] | None, border: str
    ) -> None:
        self.edit = urwid.Edit("", default)
        self.error = urwid.Text("")
        self.validate = validate
        rows: list[urwid.Widget] = [
            urwid.AttrMap(self.edit, "input"),
            self.error,
            urwid.Text(("muted", "Enter accepts · Esc cancels")),
        ]
        width = 60
        if urwid.calc_width(title, 0, len(title)) > width - 4:  # the border would cut it: ask above
            rows.insert(0, urwid.Text(sanitize(title)))
            title = ""
        body = urwid.Pile(rows)
        super().__init__(title, urwid.Padding(body, left=1, right=1), border=border, width=width)

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget
        if key == "enter":
            text = self.edit.edit_text
            problem = self.validate(text) if self.validate else None
            if problem:
                self.error.set_text(("bad", sanitize(problem)))
                return None
            self.close(text)
            return None
        return super().keypress(size, key)


class _Viewer(Dialog):
    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget
        if key in ("q", "esc"):
            self.close(None)
            return None
        return super().keypress(size, key)


class Overlays:
    """The stack of open dialogs; the top one gets every key."""

    def __init__(self, deck: Deck) -> None:
        self._deck = deck
        self.stack: list[Dialog] = []

    @property
    def top(self) -> Dialog | None:
        """The dialog that has the keyboard, if any."""
        return self.stack[-1] if self.stack else None

    def open(self, dialog: Dialog) -> asyncio.Future[Any]:
        """Show a dialog; the future resolves with its result when it closes."""
        future: asyncio.Future[Any] = asyncio.get_event_loop().create_future()
        dialog.future = future
        dialog.on_close = self._closed
        dialog.clock = self._deck.clock
        self.stack.append(dialog)
        self._deck.request_redraw()
        self._deck.keys.release()  # keys typed ahead of the dialog go to it
        return future

    def _closed(self, dialog: Dialog, value: Any) -> None:
        if dialog in self.stack:
            self.stack.remove(dialog)
        if dialog.future is not None and not dialog.future.done():
            dialog.future.set_result(value)
        self._deck.request_redraw()

    def close_all(self) -> None:
        """Cancel every open dialog (on exit)."""
        for dialog in list(self.stack):
            dialog.close(None)

    @property
    def _border(self) -> str:
        return self._deck.theme.border

    async def confirm(self, title: str, message: str, *, destructive: bool, ok: str, cancel: str) -> bool:
        dialog = _Confirm(title, message, border=self._border, destructive=destructive, ok=ok, cancel=cancel)
        return bool(await self.open(dialog))

    async def choose(self, title: str, options: Sequence[Any]) -> Any:
        pairs = [o if isinstance(o, tuple) and len(o) == 2 else (str(o), o) for o in options]
        entries = [
            PaletteEntry(
                label=sanitize(label),
                key=str(i + 1) if i < 9 else "",
                kind="",
                run=functools.partial(_same, value),
            )
            for i, (label, value) in enumerate(pairs)
        ]
        # Digits pick the first nine; in a long list they do so only until the search box has text.
        picker = _Picker(title, entries, border=self._border, with_input=len(entries) > 9, digits=True)
        entry = await self.open(picker)
        return None if entry is None else entry.run()

    async def prompt(
        self, title: str, *, default: str, validate: Callable[[str], str | None] | None
    ) -> str | None:
        answer: str | None = await self.open(_Prompt(title, default, validate, self._border))
        return answer

    def json(self, title: str, value: Any) -> None:
        view = JsonView(value)
        view.show_cursor = True
        view.open_value = self.text  # Enter on a long string reads it whole, wrapped, on its own page
        self.open(_Viewer(title, view, border=self._border, width=100, height=40))

    def text(self, title: str, text: str) -> None:
        texts = [urwid.Text(line) for line in _multiline(text).split("\n")]
        rows = sum(t.rows((VIEWER_WIDTH - 2,)) for t in texts)
        viewer = _Viewer(
            title,
            urwid.ListBox(urwid.SimpleFocusListWalker(texts)),
            border=self._border,
            width=VIEWER_WIDTH,
            height=min(40, rows + 2),
        )
        self.open(viewer)

    def log(self, title: str) -> Callable[[Sequence[LogLine]], None]:
        """Open an empty, following log viewer; the returned function adds lines to it."""
        view = LogView(show_time=False)
        self.open(_Viewer(title, view, border=self._border, width=VIEWER_WIDTH, height=30))

        def write(lines: Sequence[LogLine]) -> None:
            view.extend(lines)
            self._deck.request_redraw()

        return write

    def picker(
        self, title: str, entries: Sequence[PaletteEntry], *, with_input: bool = True
    ) -> asyncio.Future[Any]:
        """Open a filterable list of entries (the palette, help)."""
        return self.open(_Picker(title, entries, border=self._border, with_input=with_input))


def dialog_size(dialog: Dialog, cols: int, rows: int) -> tuple[int, int]:
    """The dialog's size on a screen of cols x rows, never larger than the screen."""
    width, height = dialog.preferred
    width = max(1, min(cols - 2, width)) if cols > 4 else cols
    if height is None:
        try:
            height = dialog.rows((width,))
        except Exception:
            height = rows - 2
    height = max(1, min(rows - 2, height)) if rows > 4 else rows
    return width, height


def _same(value: T) -> T:
    """A chosen option's value, as a palette entry's `run` gives it back."""
    return value
