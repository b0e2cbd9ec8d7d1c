"""Cell renderers for the mesh screens: the reference's colour rules in one place."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from deck.widgets import Cell, Segment, badge, icons

__all__ = [
    "BLOB_ROLES",
    "CHAIN_ROLES",
    "HEALTH_ROLES",
    "KIND_ICONS",
    "NRPC_ROLES",
    "OUTCOME_ROLES",
    "STATE_ROLES",
    "age",
    "blob_status",
    "chain_status",
    "clock_time",
    "health",
    "health_rank",
    "health_word",
    "kind_icon",
    "latency",
    "latency_role",
    "node_order",
    "nrpc_status",
    "outcome",
    "percent",
    "plain",
    "rtt",
    "segments",
    "state",
]

HEALTH_ROLES = {"healthy": "good", "degraded": "warn", "unhealthy": "bad", "unreachable": "bad"}
STATE_ROLES = {
    "running": "good",
    "starting": "info",
    "migrating": "magenta",
    "restarting": "warn",
    "crash-loop": "bad",
    "draining": "warn",
    "stopped": "muted",
}
NRPC_ROLES = {"ok": "good", "inflight": "info", "err": "bad", "timeout": "warn"}
CHAIN_ROLES = {"healthy": "good", "repairing": "info", "degraded": "warn", "leaderless": "bad"}
BLOB_ROLES = {"stored": "good", "replicating": "warn", "writing": "info"}
OUTCOME_ROLES = {"accepted": "good", "rejected": "bad", "failed": "warn"}

health = badge(HEALTH_ROLES)
_HEALTH_RANK = {name: rank for rank, name in enumerate(HEALTH_ROLES)}
health_word = badge(HEALTH_ROLES, dot=False)
state = badge(STATE_ROLES)
nrpc_status = badge(NRPC_ROLES)
chain_status = badge(CHAIN_ROLES)
blob_status = badge(BLOB_ROLES)
outcome = badge(OUTCOME_ROLES)

#: One glyph per event kind (Unicode, ASCII); every glyph is one cell wide.
KIND_ICONS: dict[str, tuple[str, str]] = {
    "log": ("·", "."),
    "join": ("⊕", "+"),
    "health": ("✚", "!"),
    "restart": ("↻", "@"),
    "migration": ("⇄", ">"),
    "chain": ("⋈", "="),
    "blob": ("▣", "#"),
    "admin": ("◆", "*"),
    "freeze": ("≋", "~"),
}


def node_order(node_id: Any) -> Any:
    """Sorts node ids by their number: node-10 after node-9."""
    prefix, _, number = str(node_id).rpartition("-")
    return (prefix, int(number)) if number.isdigit() else (str(node_id), 0)


def health_rank(value: Any) -> int:
    """Sorts health by how bad it is, healthy first."""
    return _HEALTH_RANK.get(str(value), len(_HEALTH_RANK))


def kind_icon(kind: str) -> str:
    """The glyph of an event kind, in ASCII when the theme asks for it."""
    unicode, ascii_ = KIND_ICONS.get(kind, ("·", "."))
    return ascii_ if icons.ascii else unicode


def latency_role(ms: float) -> str:
    """Green under 10 ms, amber under 100 ms, red under 1 s, bold red from 1 s."""
    if ms < 10:
        return "good"
    if ms < 100:
        return "warn"
    if ms < 1000:
        return "bad"
    return "danger"


def _latency_text(ms: float) -> str:
    if ms < 10:
        return f"{ms:.2f} ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    return f"{ms / 1000:.2f} s"


def latency(ms: float | None) -> Cell:
    """A latency in the colour of its band; None (no answer yet) is shown as in flight."""
    if ms is None or not math.isfinite(ms):
        return [("info", "…")]
    return [(latency_role(ms), _latency_text(ms))]


def rtt(ms: float | None) -> Cell:
    """A peer's round trip: "local" for the operator's own node, a red dash while unreachable."""
    if ms is None:
        return [("bad", "—")]
    if ms == 0:
        return [("muted", "local")]
    return latency(ms)


def _load_role(value: float) -> str:
    return "bad" if value >= 90 else "warn" if value >= 75 else "bar_fill"


def percent(width: int = 0) -> Callable[[Any], Cell]:
    """A 0..100 value as a small bar and a number (or just the number when width is 0)."""
    full, empty = icons.bar

    def render(value: Any) -> Cell:
        if value is None:
            return [("muted", "—")]
        number = f"{value:3.0f}%"
        role = _load_role(value)
        if not width:
            return [("text" if role == "bar_fill" else role, number)]
        filled = round(min(100.0, max(0.0, value)) / 100 * width)
        return [
            (role, full * filled),
            ("bar_empty", empty * (width - filled)),
            ("text" if role == "bar_fill" else role, f" {number}"),
        ]

    return render


def age(seconds: float | None) -> Cell:
    """A compact age: 42s, 3m05s, 2h15m, 3d04h."""
    if seconds is None or not math.isfinite(seconds):
        return [("muted", "—")]
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def clock_time(fmt: str = "%H:%M:%S", *, millis: bool = False) -> Callable[[Any], Cell]:
    """Epoch seconds as local wall-clock time (optionally with milliseconds)."""

    def render(value: Any) -> Cell:
        if value is None:
            return [("muted", "—")]
        text = time.strftime(fmt, time.localtime(value))
        if millis:
            text += f".{int(value * 1000) % 1000:03d}"
        return text

    return render


def plain(cell: Cell) -> str:
    """A rendered cell as plain text (for exports)."""
    if isinstance(cell, str):
        return cell
    return "".join(text for _, text in cell)


def segments(cell: Cell, role: str | None = None) -> list[Segment]:
    """A rendered cell as segments, plain text taking `role`."""
    if isinstance(cell, str):
        return [(role, cell)]
    return list(cell)
