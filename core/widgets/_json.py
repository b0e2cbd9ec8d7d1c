"""A JSON view: pretty, syntax-coloured, foldable, virtualised."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from deck._secrets import MASK, is_secret_key
from deck.widgets._render import Line, Segment, as_segments, encode_line, fit, text_width
from deck.widgets._scroll import LineList

__all__ = ["JsonView"]

Path = tuple[Any, ...]


@dataclass(frozen=True)
class _Row:
    depth: int
    key: Any
    value: Any
    path: Path
    closing: bool = False
    last: bool = True
    masked: bool = False


class JsonView(LineList):
    """Shows any JSON-like value; Enter or Space folds the object or list under the cursor.

    Enter on a string or number hands its path and whole text to `open_value` (when set), so a
    long prompt can be read on a page of its own. Values under keys that name secrets are masked;
    `v` shows the one under the cursor (on screen only: the value itself is never changed) and
    hides it again; a masked value never opens.
    """

    #: Opens a value on a page of its own: (title, text); None leaves Enter on a value unused.
    open_value: Callable[[str, str], None] | None = None

    def __init__(self, value: Any = None, *, fold_depth: int | None = None) -> None:
        super().__init__()
        self._value = value
        self._folded: set[Path] = set()
        self._fold_depth = fold_depth
        self._rows: list[_Row] | None = None
        self.revealed: Path | None = None
        self._apply_fold_depth()

    @property
    def value(self) -> Any:
        """The value shown."""
        return self._value

    @value.setter
    def value(self, value: Any) -> None:
        first = self._value is None
        self._value = value
        if first:  # folds the operator made are kept across updates; the initial depth applies once
            self._apply_fold_depth()
        self._rows = None
        self._invalidate()

    def _apply_fold_depth(self) -> None:
        if self._fold_depth is None:
            return

        def walk(value: Any, path: Path) -> None:
            if isinstance(value, (dict, list)):
                if len(path) >= self._fold_depth:  # type: ignore[operator]
                    self._folded.add(path)
                items = value.items() if isinstance(value, dict) else enumerate(value)
                for key, child in items:
                    walk(child, (*path, key))

        walk(self._value, ())

    def toggle(self) -> bool:
        """Fold or unfold the container on the cursor line."""
        rows = self._all_rows()
        if not rows:
            return False
        row = rows[self._cursor]
        if not isinstance(row.value, (dict, list)) or not row.value:
            return False
        self._folded.symmetric_difference_update({row.path})
        self._rows = None
        self._invalidate()
        return True

    def fold_all(self, folded: bool) -> None:
        """Fold every container below the top, or unfold everything."""
        self._folded.clear()
        if folded:
            self._fold_depth = 1
            self._apply_fold_depth()
        self._rows = None
        self._cursor = 0
        self._invalidate()

    def open_cursor_value(self) -> bool:
        """Hand the string or number on the cursor line to `open_value`, never a masked one."""
        rows = self._all_rows()
        if self.open_value is None or not rows:
            return False
        row = rows[self._cursor]
        text = _page_text(row.value)
        if row.masked or row.closing or text is None:
            return False
        self.open_value(_path_title(row.path), text)
        return True

    def reveal(self) -> bool:
        """Show the masked secret on the cursor line (hiding any other), or hide it again."""
        rows = self._all_rows()
        if not rows:
            return False
        row = rows[self._cursor]
        if row.path == self.revealed:
            self.revealed = None
        elif row.masked:
            self.revealed = row.path
        else:
            return False
        self._rows = None
        self._invalidate()
        return True

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget
        """Enter/Space fold, `-` folds all, `+` unfolds all (`z` is the recorder's), `v` shows a secret."""
        if key == "v":
            return None if self.reveal() else key
        if key == "enter" and self.open_cursor_value():
            return None
        if key in ("enter", " "):
            return None if self.toggle() else key
        if key in ("-", "+"):
            self.fold_all(key == "-")
            return None
        return super().keypress(size, key)

    def _all_rows(self) -> list[_Row]:
        if self._rows is None:
            rows: list[_Row] = []
            self._walk(rows, None, self._value, (), 0, True)
            self._rows = rows
        return self._rows

    def _walk(self, rows: list[_Row], key: Any, value: Any, path: Path, depth: int, last: bool) -> None:
        if is_secret_key(key) and value not in (None, "") and path != self.revealed:
            rows.append(_Row(depth, key, value, path, last=last, masked=True))
            return
        rows.append(_Row(depth, key, value, path, last=last))
        if isinstance(value, (dict, list)) and value and path not in self._folded:
            items = list(value.items() if isinstance(value, dict) else enumerate(value))
            for index, (child_key, child) in enumerate(items):
                shown_key = child_key if isinstance(value, dict) else None
                self._walk(rows, shown_key, child, (*path, child_key), depth + 1, index == len(items) - 1)
            rows.append(_Row(depth, None, value, path, closing=True, last=last))

    def line_count(self) -> int:
        return len(self._all_rows())

    def lines(self, start: int, stop: int, width: int) -> Sequence[Line]:
        rows = self._all_rows()
        return [encode_line(_cut(*self._segments(rows[i]), width), "text") for i in range(start, stop)]

    def _segments(self, row: _Row) -> tuple[list[Segment], list[Segment]]:
        """The row's text, and the tail that a cut keeps (a comma, a line count)."""
        bare = row.last or row.depth == 0 or self._opens(row)
        comma: list[Segment] = [] if bare else [("muted", ",")]
        if row.masked:
            return self._head(row), [*comma, ("muted", "  (v shows it)")]
        return self._head(row), [*_note(row.value), *comma]

    def _opens(self, row: _Row) -> bool:
        """Whether the row opens an unfolded container (its comma comes after the closing line)."""
        value = row.value
        shown = not (row.closing or row.masked or row.path in self._folded)
        return shown and isinstance(value, (dict, list)) and bool(value)

    def _head(self, row: _Row) -> list[Segment]:
        segments: list[Segment] = [(None, "  " * row.depth)]
        if row.closing:
            return [*segments, ("muted", "}" if isinstance(row.value, dict) else "]")]
        if row.key is not None:
            segments += as_segments(json.dumps(str(row.key), ensure_ascii=False), "json_key")
            segments.append(("muted", ": "))
        if row.masked:
            return [*segments, ("muted", f'"{MASK}"')]
        value = row.value
        if isinstance(value, (dict, list)):
            opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
            if not value:
                return [*segments, ("muted", opening + closing)]
            if row.path in self._folded:
                count = f" {len(value)} {'keys' if isinstance(value, dict) else 'items'} "
                return [
                    *segments,
                    ("muted", opening),
                    ("accent", count),
                    ("muted", closing),
                ]
            return [*segments, ("muted", opening)]
        return [*segments, *_scalar(value)]


def _cut(head: list[Segment], tail: list[Segment], width: int) -> list[Segment]:
    """Fit a row to the width, cutting the head (not the tail) at a muted "…" so the cut shows."""
    room = width - sum(text_width(text) for _, text in tail)
    if sum(text_width(text) for _, text in head) <= room or room < 2:
        return fit([*head, *tail], width)
    *kept, (_, ellipsis) = fit(head, room)
    return [*kept, ("muted", ellipsis), *tail]


def _note(value: Any) -> list[Segment]:
    """How many lines a multi-line string has (the row shows only its first)."""
    if isinstance(value, str) and "\n" in value:
        lines = value.count("\n") + 1
        return [("muted", f" … {lines} lines")]
    return []


def _page_text(value: Any) -> str | None:
    """The text a value's own page shows: strings and numbers have one; others fold or say it all."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return json.dumps(value)
    return None


def _path_title(path: Path) -> str:
    """A value's path as a title, like `messages[2].content`."""
    title = ""
    for key in path:
        if isinstance(key, int):
            title += f"[{key}]"
        elif str(key).isidentifier():
            title += f".{key}" if title else str(key)
        else:
            title += f"[{json.dumps(str(key), ensure_ascii=False)}]"
    return title or "value"


def _scalar(value: Any) -> list[Segment]:
    if isinstance(value, str) and "\n" in value:  # the first line, left open: the note says the rest
        return as_segments(json.dumps(value.split("\n", 1)[0], ensure_ascii=False)[:-1], "json_string")
    if isinstance(value, str):
        return as_segments(json.dumps(value, ensure_ascii=False), "json_string")
    if value is None or isinstance(value, bool):
        return [("json_literal", json.dumps(value))]
    if isinstance(value, (int, float)):
        return [("json_number", json.dumps(value))]
    return as_segments(repr(value), "json_string")
