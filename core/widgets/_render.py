"""Turning (role, text) segments into fixed-width terminal lines, fast, for every widget."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Literal, Union

import urwid
from urwid.str_util import calc_width
from wcwidth import wcwidth

from deck._sanitize import sanitize_segments

__all__ = [
    "Cell",
    "Line",
    "Segment",
    "as_segments",
    "canvas",
    "drop_cells",
    "encode_line",
    "fit",
    "text_width",
]

Segment = tuple[str | None, str]
#: What a cell renderer returns: plain text, or (role, text) segments.
Cell = Union[str, Sequence[Segment]]  # noqa: UP007 (a runtime alias)
#: One encoded line: utf-8 bytes plus run-length attributes in bytes.
Line = tuple[bytes, list[tuple[str | None, int]]]
Align = Literal["left", "right", "center"]
ELLIPSIS = "…"
#: The role of sparkline text: when a line is too long, it is clipped from the left.
SPARK = "spark"


def text_width(text: str) -> int:
    """Display width of `text` in terminal cells."""
    if text.isascii():
        return len(text)
    return calc_width(text, 0, len(text))


def as_segments(cell: Cell, role: str | None = None) -> list[Segment]:
    """Normalise a cell to sanitised segments; escapes get the "escaped" role."""
    if isinstance(cell, str):
        return sanitize_segments(cell, role, "escaped")
    result: list[Segment] = []
    for seg_role, text in cell:
        result.extend(sanitize_segments(str(text), seg_role or role, "escaped"))
    return result


def _clip(text: str, width: int) -> tuple[str, int]:
    """Longest prefix of `text` that fits in `width` cells, and its width."""
    if text.isascii():
        return text[:width], min(len(text), width)
    used = 0
    for index, char in enumerate(text):
        w = max(0, wcwidth(char))
        if used + w > width:
            return text[:index], used
        used += w
    return text, used


def drop_cells(segments: Sequence[Segment], count: int) -> list[Segment]:
    """The segments without their first `count` characters, marked "←" (a view scrolled sideways)."""
    out: list[Segment] = [("muted", "←")]
    for role, text in segments:
        cut = min(count, len(text))
        count -= cut
        if text[cut:]:
            out.append((role, text[cut:]))
    return out


def _clip_sparks(segments: list[Segment], excess: int) -> list[Segment]:
    """Sparklines give way from their oldest (left) end, so the newest sample stays in view."""
    out: list[Segment] = []
    for role, text in segments:
        if role == SPARK and excess > 0:
            cut = min(excess, len(text) - 1)
            text, excess = text[cut:], excess - cut
        out.append((role, text))
    return out


def fit(segments: Iterable[Segment], width: int, align: Align = "left") -> list[Segment]:
    """Pad or truncate segments to exactly `width` cells, ending truncated text with "…"."""
    if width <= 0:
        return []
    segments = list(segments)
    total = sum(text_width(t) for _, t in segments)
    if total > width and any(role == SPARK for role, _ in segments):
        segments = _clip_sparks(segments, total - width)
        total = sum(text_width(t) for _, t in segments)
    if total > width:
        out: list[Segment] = []
        room = width - 1
        for role, text in segments:
            if room <= 0:
                break
            clipped, used = _clip(text, room)
            if clipped:
                out.append((role, clipped))
            room -= used
        last_role = out[-1][0] if out else (segments[0][0] if segments else None)
        out.append((last_role, ELLIPSIS + " " * room))
        return out
    gap = width - total
    if not gap:
        return segments
    if align == "right":
        return [(None, " " * gap), *segments]
    if align == "center":
        left = gap // 2
        return [(None, " " * left), *segments, (None, " " * (gap - left))]
    return [*segments, (None, " " * gap)]


def encode_line(segments: Iterable[Segment], fill_role: str | None = None) -> Line:
    """Encode segments as utf-8 with byte-length attribute runs (what TextCanvas wants)."""
    parts: list[bytes] = []
    attrs: list[tuple[str | None, int]] = []
    for role, text in segments:
        data = text.encode("utf-8")
        if not data:
            continue
        role = role or fill_role
        if attrs and attrs[-1][0] == role:
            attrs[-1] = (role, attrs[-1][1] + len(data))
        else:
            attrs.append((role, len(data)))
        parts.append(data)
    return b"".join(parts), attrs


def recolor(line: Line, role: str) -> Line:
    """The same text drawn entirely in one role (a selection bar)."""
    return line[0], [(role, len(line[0]))] if line[0] else []


def canvas(lines: Sequence[Line], width: int, height: int, fill_role: str | None = None) -> urwid.TextCanvas:
    """Build a canvas of exactly width x height from pre-fitted lines, padding with blanks."""
    text = [line[0] for line in lines[:height]]
    attr: list[list[tuple[Hashable, int]]] = [list(line[1]) for line in lines[:height]]
    blank = b" " * width
    while len(text) < height:
        text.append(blank)
        attr.append([(fill_role, width)])
    cs: list[list[tuple[Literal["0", "U"] | None, int]]] = [[(None, len(t))] for t in text]
    return urwid.TextCanvas(text, attr, cs, maxcol=width, check_width=False)
