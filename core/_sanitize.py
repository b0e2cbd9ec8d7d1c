"""Text from outside the process is shown escaped, never sent to the terminal as control codes."""

from __future__ import annotations

import re

__all__ = ["sanitize", "sanitize_segments"]

# C0 controls (except none), DEL, C1 controls, and Unicode bidi/format controls that can
# reorder or hide what the operator reads.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\x1b": "\\e"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def sanitize(text: object, *, keep_tabs: bool = False) -> str:
    """Return `text` as a single printable line: control characters become visible escapes."""
    if not isinstance(text, str):
        text = str(text)
    if keep_tabs:
        text = text.replace("\t", "    ")
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_escape, text)


def sanitize_segments(text: str, plain: str | None, escaped: str) -> list[tuple[str | None, str]]:
    """Split `text` into (role, text) runs so escapes can be drawn in their own colour."""
    if _UNSAFE.search(text) is None:
        return [(plain, text)]
    segments: list[tuple[str | None, str]] = []
    last = 0
    for match in _UNSAFE.finditer(text):
        if match.start() > last:
            segments.append((plain, text[last : match.start()]))
        segments.append((escaped, _escape(match)))
        last = match.end()
    if last < len(text):
        segments.append((plain, text[last:]))
    return segments
