"""A log view over a ring buffer: follow, pause, level filter, search highlight."""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from deck.widgets._render import Line, Segment, as_segments, drop_cells, encode_line, fit
from deck.widgets._scroll import LineList

__all__ = ["LEVELS", "LogLine", "LogView"]

#: Levels from least to most severe, with the role each is drawn in.
LEVELS: Final[dict[str, str]] = {"debug": "muted", "info": "text", "warn": "warn", "error": "bad"}
_ALIASES: Final = {
    "warning": "warn",
    "err": "error",
    "critical": "error",
    "fatal": "error",
    "trace": "debug",
}


def level_of(name: str | None) -> str:
    """Normalise a level name ("WARNING" -> "warn"); unknown levels count as info."""
    text = (name or "info").lower()
    text = _ALIASES.get(text, text)
    return text if text in LEVELS else "info"


@dataclass(frozen=True)
class LogLine:
    """One log line: when, how severe, what it says, and where it came from."""

    text: str
    level: str = "info"
    time: float | None = None
    source: str = ""


class LogView(LineList):
    """Shows the newest lines while following; paused or scrolled back, the view holds still."""

    def __init__(self, maxlen: int = 5000, *, show_time: bool = True, show_source: bool = False) -> None:
        super().__init__()
        self._ring: deque[LogLine] = deque(maxlen=maxlen)
        self._dropped = 0
        self.show_time = show_time
        self.show_source = show_source
        self.follow = True
        self.paused = False
        self._min_level = "debug"
        self._search = ""
        self._filter = ""
        self._held: list[LogLine] | None = None
        self._pattern: re.Pattern[str] | None = None
        self._visible: list[int] | None = None
        self.show_cursor = False
        self.shift = 0  # cells of each message scrolled off to the left (→ and ←)

    # ---- content ----------------------------------------------------------------------------------

    def append(self, line: LogLine) -> None:
        """Add one line (the oldest falls off when the ring is full)."""
        self.extend((line,))

    def extend(self, lines: Iterable[LogLine]) -> None:
        """Add lines in order; a view that is paused or scrolled back stays on the same lines."""
        ring = self._ring
        dropped = 0
        for line in lines:
            if len(ring) == ring.maxlen:
                dropped += 1
            ring.append(line)
        self._dropped += dropped
        if dropped and not (self.follow and not self.paused):
            # Lines fell off the top: move the view up with them, as far as they were visible.
            shown = dropped if self._visible is None else sum(1 for i in self._visible if i < dropped)
            self._cursor = max(0, self._cursor - shown)
            self._top = max(0, self._top - shown)
        self._changed()

    def replace(self, lines: Iterable[LogLine]) -> None:
        """Show exactly these lines (for sources that return the whole tail each time).

        While paused, the newest lines wait and are shown on resume, so the view holds still.
        """
        if self.paused:
            self._held = list(lines)
            return
        self._ring.clear()
        self._dropped = 0
        self._ring.extend(lines)
        self._changed()

    def __len__(self) -> int:
        return len(self._ring)

    @property
    def current(self) -> LogLine | None:
        """The line under the cursor (the newest while following)."""
        visible = self._indices()
        if not visible:
            return None
        return self._ring[visible[min(self._cursor, len(visible) - 1)]]

    def _changed(self) -> None:
        self._visible = None
        if self.follow and not self.paused:
            self._cursor = max(0, self.line_count() - 1)
        self._invalidate()

    # ---- view settings ----------------------------------------------------------------------------

    @property
    def level(self) -> str:
        """The least severe level shown."""
        return self._min_level

    @level.setter
    def level(self, value: str) -> None:
        self._min_level = level_of(value)
        self._changed()

    def cycle_level(self) -> str:
        """Show DEBUG+ → INFO+ → WARN+ → ERROR → DEBUG+; returns the new level."""
        names = list(LEVELS)
        self.level = names[(names.index(self._min_level) + 1) % len(names)]
        return self._min_level

    @property
    def search(self) -> str:
        """Text highlighted in every line (case-insensitive)."""
        return self._search

    @search.setter
    def search(self, text: str) -> None:
        self._search = text
        self._pattern = re.compile(re.escape(text), re.IGNORECASE) if text else None
        self._invalidate()

    @property
    def filter(self) -> str:
        """Only lines containing this text are shown (case-insensitive)."""
        return self._filter

    @filter.setter
    def filter(self, text: str) -> None:
        self._filter = text
        self._changed()

    def toggle_pause(self) -> bool:
        """Freeze or unfreeze the view; returns True when now paused."""
        self.paused = not self.paused
        if not self.paused:
            self.follow = True
            held, self._held = self._held, None
            if held is not None:
                self.replace(held)
            self._changed()
        self._invalidate()
        return self.paused

    def next_match(self, step: int = 1) -> bool:
        """Move the cursor to the next (or previous) line matching the search."""
        if self._pattern is None:
            return False
        visible = self._indices()
        count = len(visible)
        for offset in range(1, count + 1):
            position = (self._cursor + step * offset) % count
            if self._pattern.search(self._ring[visible[position]].text):
                self.follow = False
                self.show_cursor = True
                self.cursor = position
                return True
        return False

    # ---- drawing ----------------------------------------------------------------------------------

    def _indices(self) -> list[int]:
        if self._visible is None:
            order = list(LEVELS)
            wanted = set(order[order.index(self._min_level) :])
            needle = self._filter.lower()
            if len(wanted) == len(order) and not needle:
                self._visible = list(range(len(self._ring)))
            else:
                self._visible = [
                    i
                    for i, line in enumerate(self._ring)
                    if level_of(line.level) in wanted and needle in line.text.lower()
                ]
        return self._visible

    def line_count(self) -> int:
        return len(self._indices())

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget
        """Scrolling back stops following; End (or G) follows again; → and ← scroll sideways."""
        if key in ("right", "left"):
            step = max(8, size[0] // 2)
            longest = max((len(self._ring[i].text) for i in self._indices()), default=0)
            self.shift = max(0, min(longest - step, self.shift + (step if key == "right" else -step)))
            self._invalidate()
            return None
        result = super().keypress(size, key)
        if result is None:
            self.follow = self.at_end()
            self.show_cursor = not self.follow
        return result

    def lines(self, start: int, stop: int, width: int) -> Sequence[Line]:
        visible = self._indices()
        return [self._line(self._ring[visible[i]], width) for i in range(start, stop)]

    def _line(self, line: LogLine, width: int) -> Line:
        level = level_of(line.level)
        role = LEVELS[level]
        segments: list[Segment] = []
        if self.show_time and line.time is not None:
            segments.append(("muted", time.strftime("%H:%M:%S ", time.localtime(line.time))))
        segments.append((role, f"{level.upper():5} "))
        if self.show_source and line.source:
            segments.append(("accent", f"{line.source} "))
        message = self._highlight(as_segments(line.text, "text" if level == "info" else role))
        segments += drop_cells(message, self.shift) if self.shift else message
        return encode_line(fit(segments, width), "text")

    def _highlight(self, segments: list[Segment]) -> list[Segment]:
        if self._pattern is None:
            return segments
        out: list[Segment] = []
        for role, text in segments:
            last = 0
            for match in self._pattern.finditer(text):
                out.append((role, text[last : match.start()]))
                out.append(("highlight", match.group()))
                last = match.end()
            out.append((role, text[last:]))
        return out
