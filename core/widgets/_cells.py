"""Cell renderers: turn raw values (statuses, times, sizes, series) into coloured text."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from deck._clock import now as current_time
from deck._secrets import mask_secrets
from deck.widgets._render import Cell, Segment

__all__ = [
    "badge",
    "bytes_",
    "duration",
    "glyph",
    "icons",
    "json_preview",
    "local_time",
    "progress_bar",
    "relative_time",
    "sparkline",
]


class _Icons:
    """Glyphs with ASCII fallbacks, switched once for terminals that cannot show Unicode."""

    def __init__(self) -> None:
        self.ascii = False

    @property
    def dot(self) -> str:
        return "*" if self.ascii else "●"

    @property
    def spark(self) -> str:
        return "_.:-=+*#" if self.ascii else "▁▂▃▄▅▆▇█"

    @property
    def bar(self) -> tuple[str, str]:
        return ("#", ".") if self.ascii else ("█", "░")

    @property
    def expand(self) -> tuple[str, str]:
        return ("+", "-") if self.ascii else ("▸", "▾")


icons = _Icons()


def glyph(unicode: str, ascii: str) -> str:
    """`unicode`, or `ascii` where the terminal cannot show it (LANG=C, --ascii, an ASCII theme)."""
    return ascii if icons.ascii else unicode


def badge(roles: Mapping[str, str], default: str = "text", *, dot: bool = True) -> Callable[[Any], Cell]:
    """A renderer that colours a status by `roles` (status -> theme role), with a dot."""

    def render(value: Any) -> Cell:
        if value is None or value == "":
            return [("muted", "—")]
        text = str(value)
        role = roles.get(text.lower(), roles.get(text, default))
        return [(role, f"{icons.dot} {text}" if dot else text)]

    return render


def sparkline(
    values: Sequence[float | None],
    width: int | None = None,
    role: str = "spark",
    *,
    low: float | None = None,
    high: float | None = None,
) -> Cell:
    """A one-line chart of the last `width` values, scaled to their own range or to low..high
    (percentages read truer on 0..100: a steady 95% is then a high line, not a low one)."""
    points = [v for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
    if width is not None:
        points = points[-width:]
    if not points:
        return [("muted", "—")]
    low = min(points) if low is None else low
    high = max(points) if high is None else high
    points = [min(high, max(low, v)) for v in points]
    ticks = icons.spark
    span = high - low
    top = len(ticks) - 1
    chars = "".join(ticks[0 if span == 0 else round((v - low) / span * top)] for v in points)
    return [(role, chars)]


def progress_bar(fraction: float | None, width: int = 10, *, label: bool = True) -> Cell:
    """A bar like "█████░░░░░  50%" for a fraction between 0 and 1."""
    if fraction is None or not math.isfinite(fraction):
        return [("muted", "—")]
    fraction = min(1.0, max(0.0, fraction))
    filled = round(fraction * width)
    full, empty = icons.bar
    segments: list[Segment] = [("bar_fill", full * filled), ("bar_empty", empty * (width - filled))]
    if label:
        segments.append((None, f" {fraction * 100:3.0f}%"))
    return segments


def local_time(value: float | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> Cell:
    """Unix seconds shown in local time."""
    if value is None:
        return [("muted", "—")]
    try:
        return datetime.fromtimestamp(float(value)).strftime(fmt)
    except (OverflowError, OSError, ValueError, TypeError):
        return [("bad", "invalid time")]


def duration(seconds: float | None) -> Cell:
    """Seconds shown as "1h 30m 15s" (days when long, milliseconds when short)."""
    if seconds is None or not isinstance(seconds, (int, float)) or not math.isfinite(seconds):
        return [("muted", "—")]
    if seconds < 0:
        return [("bad", f"-{_duration_text(-seconds)}")]
    return _duration_text(seconds)


def _duration_text(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")]
    while len(parts) > 1 and parts[0][0] == 0:
        parts.pop(0)
    return " ".join(f"{n}{unit}" for n, unit in parts[:3])


def relative_time(value: float | None, now: float | None = None) -> Cell:
    """Unix seconds shown as "12s ago" / "in 3m"."""
    if value is None:
        return [("muted", "—")]
    delta = (current_time() if now is None else now) - float(value)
    if abs(delta) < 1:
        return "just now"
    text = _duration_text(abs(delta)).split(" ")[0]
    return f"{text} ago" if delta > 0 else f"in {text}"


def bytes_(value: float | None) -> Cell:
    """A size in bytes shown as "1.5 GiB"."""
    if value is None:
        return [("muted", "—")]
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def json_preview(value: Any, limit: int = 35) -> Cell:
    """Compact JSON cut to `limit` characters, for a table cell."""
    value = mask_secrets(value)
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > limit:
        text = text[: max(0, limit - 1)] + "…"
    return text
