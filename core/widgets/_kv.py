"""A key-value panel: aligned labels and coloured values, one pair per line."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from deck._secrets import MASK, is_secret_key
from deck.widgets._render import Cell, Line, Segment, as_segments, encode_line, fit, text_width
from deck.widgets._scroll import LineList

__all__ = ["KeyValue"]


class KeyValue(LineList):
    """Pairs like "Memory   12.1 GiB of 31.2 GiB"; a None key draws a section heading.

    The value of a key that names a secret (API key, token, password ...) is shown masked.
    """

    def __init__(self, pairs: Iterable[tuple[str | None, Cell]] = ()) -> None:
        super().__init__()
        self.show_cursor = False
        self._pairs: list[tuple[str | None, Cell]] = list(pairs)

    @property
    def pairs(self) -> list[tuple[str | None, Cell]]:
        """The pairs shown."""
        return self._pairs

    @pairs.setter
    def pairs(self, pairs: Iterable[tuple[str | None, Cell]]) -> None:
        self._pairs = list(pairs)
        self._invalidate()

    def line_count(self) -> int:
        return len(self._pairs)

    def lines(self, start: int, stop: int, width: int) -> Sequence[Line]:
        label_width = max((text_width(k) for k, _ in self._pairs if k), default=0) + 2
        result = []
        for key, value in self._pairs[start:stop]:
            if key is None:
                segments: list[Segment] = as_segments(value, "title")
            else:
                shown = (
                    as_segments(MASK, "muted") if is_secret_key(key) and value else as_segments(value, "text")
                )
                segments = fit(as_segments(key, "muted"), label_width) + shown
            result.append(encode_line(fit(segments, width), "text"))
        return result
