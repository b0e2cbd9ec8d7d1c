"""Small summaries of a snapshot that several views share: health counts, troubles, nRPC rates, the
headline and the header segment that shows it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from deck import Result
from deck.widgets import Segment

from .model import MeshSnapshot, NodeView, NrpcCall
from .panels_cells import age, plain

__all__ = [
    "HEADLINE_MAX",
    "HEALTH_ORDER",
    "REJECTED_WINDOW",
    "NrpcStats",
    "headline",
    "headline_segment",
    "health_counts",
    "nrpc_stats",
    "rejected_lately",
    "shortlist",
    "troubles",
]

HEALTH_ORDER = ("healthy", "degraded", "unhealthy", "unreachable")
NRPC_WINDOW = 10.0
#: The header segment's most characters: at 80 columns the header drops a longer one whole.
HEADLINE_MAX = 40
#: How long a rejected command counts as news in the header and on NET.MAP (AUDIT keeps it).
REJECTED_WINDOW = 300.0
SEPARATOR = " · "


@dataclass(frozen=True, slots=True)
class NrpcStats:
    """nRPC traffic over the last `window` seconds."""

    calls: int
    rate: float
    p50_ms: float | None
    p99_ms: float | None
    failed: int
    in_flight: int

    @property
    def failed_pct(self) -> float:
        return 100.0 * self.failed / self.calls if self.calls else 0.0


def nrpc_stats(calls: Sequence[NrpcCall], now: float, window: float = NRPC_WINDOW) -> NrpcStats:
    """Rate, median and p99 latency of answered calls, failures and calls in flight."""
    horizon = now - window
    recent: list[NrpcCall] = []
    for call in reversed(calls):
        if call.ts < horizon:
            break
        recent.append(call)
    answered = sorted(c.latency_ms for c in recent if c.status == "Ok" and c.latency_ms is not None)
    failed = sum(1 for c in recent if c.status in ("Err", "Timeout"))
    in_flight = sum(1 for c in recent if c.status == "InFlight")
    return NrpcStats(
        calls=len(recent),
        rate=len(recent) / window,
        p50_ms=_quantile(answered, 0.5),
        p99_ms=_quantile(answered, 0.99),
        failed=failed,
        in_flight=in_flight,
    )


def _quantile(ordered: list[float], q: float) -> float | None:
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def health_counts(nodes: Sequence[NodeView]) -> Counter[str]:
    """How many nodes are in each health state."""
    return Counter(node.health for node in nodes)


def _counted(count: int, noun: str, state: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''} {state}"


def rejected_lately(snapshot: MeshSnapshot, window: float = REJECTED_WINDOW) -> int:
    """Commands rejected in the last `window` seconds (a bad signature, an unknown operator...)."""
    horizon = snapshot.now - window
    count = 0
    for entry in reversed(snapshot.audit):
        if entry.when < horizon:
            break
        count += entry.outcome == "rejected"
    return count


def troubles(snapshot: MeshSnapshot) -> list[Segment]:
    """What is wrong in the mesh now, worst first: crash loops, lost or sick nodes, commands
    rejected lately, then what is only degraded."""
    nodes = health_counts(snapshot.nodes)
    looping = sum(1 for d in snapshot.daemons if d.state == "crash-loop")
    daemons: Counter[str] = Counter(d.health for d in snapshot.daemons if d.state != "crash-loop")
    rejected = rejected_lately(snapshot)
    counted = (
        ("bad", looping, f"{looping} crash-looping"),
        ("bad", nodes["unreachable"], _counted(nodes["unreachable"], "node", "lost")),
        ("bad", nodes["unhealthy"], _counted(nodes["unhealthy"], "node", "unhealthy")),
        ("bad", rejected, _counted(rejected, "command", "rejected")),
        ("bad", daemons["unhealthy"], _counted(daemons["unhealthy"], "daemon", "unhealthy")),
        ("warn", nodes["degraded"], _counted(nodes["degraded"], "node", "degraded")),
        ("warn", daemons["degraded"], _counted(daemons["degraded"], "daemon", "degraded")),
    )
    return [(role, text) for role, count, text in counted if count]


def shortlist(parts: Sequence[Segment], budget: int) -> list[Segment]:
    """`parts` joined by " · " in at most `budget` characters; what does not fit is "+N more".

    The first part, the worst news, always shows whole unless it alone is too long.
    """
    shown: list[Segment] = []
    used = 0
    for index, (role, text) in enumerate(parts):
        left = len(parts) - index - 1
        tail = len(f"{SEPARATOR}+{left} more") if left else 0
        if not shown:
            text = text if len(text) <= budget else text[: max(1, budget - 1)] + "…"
        elif used + len(SEPARATOR) + len(text) + tail > budget:
            hidden = parts[index:]
            more = f"+{len(hidden)} more"
            if used + len(SEPARATOR) + len(more) <= budget:
                worst = "bad" if any(r == "bad" for r, _ in hidden) else "warn"
                shown += [("muted", SEPARATOR), (worst, more)]
            return shown
        else:
            shown.append(("muted", SEPARATOR))
            used += len(SEPARATOR)
        shown.append((role, text))
        used += len(text)
    return shown


def headline(snapshot: MeshSnapshot) -> list[Segment]:
    """The header segment: "mesh 9 nodes · all healthy", or what is wrong, worst first, and the
    freeze; never longer than HEADLINE_MAX, so it shows at every terminal size."""
    parts = troubles(snapshot)
    if snapshot.frozen_until is not None:
        parts.append(("info", f"frozen {plain(age(snapshot.frozen_until - snapshot.now))}"))
    if not parts:
        return [("text", f"mesh {len(snapshot.nodes)} nodes"), ("good", f"{SEPARATOR}all healthy")]
    return [("text", "mesh "), *shortlist(parts, HEADLINE_MAX - len("mesh "))]


def headline_segment(result: Result[MeshSnapshot]) -> list[Segment]:
    """The header segment from the latest snapshot: the headline, or that the mesh is starting."""
    if result.value is None:
        return [("muted", "mesh starting…")]
    return headline(result.value)
