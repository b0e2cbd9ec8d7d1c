"""ASCII fallback: glyphs for terminals that cannot show Unicode (LANG=C, `--ascii`).

Widgets and plugins choose their own fallback with `glyph("◉", "@")`. Whatever still reaches
the screen in ASCII mode is translated here, cell for cell, so the layout never shifts; a
character with no fallback becomes "?" and is remembered in `unmapped` (the tests list them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import urwid
from wcwidth import wcwidth

__all__ = ["FALLBACKS", "ascii_canvas", "is_utf8_locale", "to_ascii", "unmapped"]

#: One ASCII character per common glyph (each is one cell wide, like the glyph).
FALLBACKS: Final[dict[str, str]] = {
    **dict.fromkeys("─━═┄┈╌-–—―", "-"),
    **dict.fromkeys("│┃║‖┆", "|"),
    **dict.fromkeys("┌┐└┘├┤┬┴┼╭╮╯╰╔╗╚╝┏┓┗┛╠╣╦╩╬", "+"),
    **dict.fromkeys("·∙•⋅", "."),
    **dict.fromkeys("●◉◆★✚■▣", "*"),
    **dict.fromkeys("○◌◇□", "o"),
    "…": "~",
    "✓": "v",
    "✔": "v",
    "✗": "x",
    "✘": "x",
    "×": "x",
    "⚠": "!",
    "⚡": "!",
    "↑": "^",
    "▲": "^",
    "↓": "v",
    "▼": "v",
    "▾": "v",
    "←": "<",
    "◀": "<",
    "→": ">",
    "▶": ">",
    "▸": ">",
    "⇄": "=",
    "↻": "@",
    "⊕": "+",
    "⊖": "-",
    "⋈": "X",
    "≋": "~",
    "±": "+",
    "°": "o",
    "▁": "_",
    "▂": ".",
    "▃": ":",
    "▄": "-",
    "▅": "=",
    "▆": "+",
    "▇": "*",
    "█": "#",
    **dict.fromkeys("▀▌▐▖▗▘▝▙▛▜▟▚▞", "#"),
    "▓": "#",
    "▒": ":",
    "░": ".",
}

#: The fallbacks padded to the glyph's cells ("⚡" takes two), so that nothing after it moves.
_CELLS: Final[dict[str, str]] = {glyph: ascii.ljust(wcwidth(glyph)) for glyph, ascii in FALLBACKS.items()}

#: Characters that reached the screen in ASCII mode with no fallback (shown as "?").
unmapped: set[str] = set()


def is_utf8_locale(environ: Mapping[str, str]) -> bool:
    """True when the locale the operator chose (LC_ALL, LC_CTYPE, LANG) speaks UTF-8.

    Python turns a C locale into C.UTF-8 for itself (PEP 538) and says so in LC_CTYPE; the
    terminal behind it still expects ASCII, so a coerced LC_CTYPE does not count.
    """
    lang = environ.get("LANG", "")
    ctype = environ.get("LC_CTYPE", "")
    if ctype == "C.UTF-8" and lang in ("", "C", "POSIX") and not environ.get("LC_ALL"):
        ctype = ""  # Python's own coercion of the C locale
    chosen = environ.get("LC_ALL") or ctype or lang
    return "utf-8" in chosen.lower() or "utf8" in chosen.lower()


def to_ascii(text: str) -> str:
    """The text with every non-ASCII character replaced by its fallback, cell for cell."""
    if text.isascii():
        return text
    out = []
    for char in text:
        if char.isascii():
            out.append(char)
        elif char in _CELLS:
            out.append(_CELLS[char])
        else:
            width = wcwidth(char)
            if width > 0:
                unmapped.add(char)
            out.append("?" * max(0, width))
    return "".join(out)


def ascii_canvas(canvas: urwid.Canvas, width: int) -> urwid.TextCanvas:
    """A copy of a rendered canvas with every character translated to ASCII (same cells)."""
    text: list[bytes] = []
    attrs: list[list[tuple[object, int]]] = []
    for row in canvas.content():
        line: list[bytes] = []
        runs: list[tuple[object, int]] = []
        for attr, _, data in row:
            chunk = to_ascii(data.decode("utf-8", "replace")).encode("ascii", "replace")
            line.append(chunk)
            runs.append((attr, len(chunk)))
        text.append(b"".join(line))
        attrs.append(runs)
    cs: list[list[tuple[object, int]]] = [[(None, len(line))] for line in text]
    translated = urwid.TextCanvas(text, attrs, cs, maxcol=width, check_width=False)  # type: ignore[arg-type]
    translated.cursor = canvas.cursor  # an input field keeps its cursor
    return translated
