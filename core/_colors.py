"""Colour depth detection and conversion of #rrggbb to 256- and 16-colour terminals."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Final, Literal

__all__ = ["ColorDepth", "detect_depth", "nearest_16", "nearest_256", "parse_hex"]

ColorDepth = Literal["truecolor", "256", "16", "mono"]
DEPTHS: Final[tuple[str, ...]] = ("truecolor", "256", "16", "mono")

# xterm's default RGB values for the 16 ANSI colours, by urwid's names.
_ANSI16: Final[dict[str, tuple[int, int, int]]] = {
    "black": (0, 0, 0),
    "dark red": (205, 0, 0),
    "dark green": (0, 205, 0),
    "brown": (205, 205, 0),
    "dark blue": (0, 0, 238),
    "dark magenta": (205, 0, 205),
    "dark cyan": (0, 205, 205),
    "light gray": (229, 229, 229),
    "dark gray": (127, 127, 127),
    "light red": (255, 0, 0),
    "light green": (0, 255, 0),
    "yellow": (255, 255, 0),
    "light blue": (92, 92, 255),
    "light magenta": (255, 0, 255),
    "light cyan": (0, 255, 255),
    "white": (255, 255, 255),
}
# Backgrounds in 16-colour mode are limited to the eight dark ones.
_ANSI8_BG: Final[tuple[str, ...]] = (
    "black",
    "dark red",
    "dark green",
    "brown",
    "dark blue",
    "dark magenta",
    "dark cyan",
    "light gray",
)
_CUBE: Final[tuple[int, ...]] = (0, 95, 135, 175, 215, 255)


def detect_depth(env: Mapping[str, str]) -> ColorDepth:
    """Pick the colour depth the terminal supports, from NO_COLOR, COLORTERM and TERM."""
    if "NO_COLOR" in env and env["NO_COLOR"] != "":
        return "mono"
    term = env.get("TERM", "").lower()
    if term in ("dumb", ""):
        return "mono" if term == "dumb" else "16"
    if env.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return "truecolor"
    if "256" in term or "truecolor" in term or "direct" in term:
        return "256"
    return "16"


def parse_hex(value: str) -> tuple[int, int, int]:
    """Parse "#rrggbb" or "#rgb" into an RGB triple; ValueError otherwise."""
    text = value.strip()
    if not text.startswith("#") or len(text) not in (4, 7):
        raise ValueError(f"expected #rrggbb, got {value!r}")
    digits = text[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    red, green, blue = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return red, green, blue


def _distance(a: tuple[int, int, int], b: tuple[int, int, int]) -> int:
    # Weighted Euclidean distance: close enough to perceived difference for picking a palette slot.
    dr, dg, db = a[0] - b[0], a[1] - b[1], a[2] - b[2]
    return 2 * dr * dr + 4 * dg * dg + 3 * db * db


@lru_cache(maxsize=512)
def _nearest_level(channel: int) -> int:
    """The index of the xterm cube level nearest to one colour channel."""
    return min(range(6), key=lambda i: abs(_CUBE[i] - channel))


def nearest_256(value: str) -> str:
    """Return urwid's name ("h123") of the xterm-256 colour nearest to `value`."""
    rgb = parse_hex(value)
    candidates: list[tuple[int, int]] = []
    index = [_nearest_level(c) for c in rgb]
    cube_rgb = (_CUBE[index[0]], _CUBE[index[1]], _CUBE[index[2]])
    candidates.append((_distance(rgb, cube_rgb), 16 + 36 * index[0] + 6 * index[1] + index[2]))
    gray = round((sum(rgb) / 3 - 8) / 10)
    gray = max(0, min(23, gray))
    level = 8 + 10 * gray
    candidates.append((_distance(rgb, (level, level, level)), 232 + gray))
    return f"h{min(candidates)[1]}"


@lru_cache(maxsize=512)
def nearest_16(value: str, *, background: bool = False) -> str:
    """Return urwid's name of the basic colour nearest to `value` (8 for backgrounds)."""
    rgb = parse_hex(value)
    names = _ANSI8_BG if background else tuple(_ANSI16)
    # Saturated colours should keep their hue rather than collapse to gray.
    return min(names, key=lambda name: _distance(rgb, _ANSI16[name]))
