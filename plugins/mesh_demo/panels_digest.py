"""Small summaries of a snapshot that several views share: health counts, nRPC rates, the headline."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from deck.widgets import Segment

from .model import MeshSnapshot, NodeView, NrpcCall
from .panels_cells import HEALTH_ROLES, age, plain

__all__ = ["HEALTH_ORDER", "NrpcStats", "headline", "health_counts", "nrpc_stats"]

HEALTH_ORDER = ("healthy", "degraded", "unhealthy", "unreachable")
NRPC_WINDOW = 10.0


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


def headline(snapshot: MeshSnapshot) -> list[Segment]:
    """The header segment: "mesh 9 nodes · 1 degraded", and the freeze when there is one."""
    counts = health_counts(snapshot.nodes)
    segments: list[Segment] = [("text", f"mesh {len(snapshot.nodes)} nodes")]
    troubled = [(h, counts[h]) for h in HEALTH_ORDER[1:] if counts[h]]
    if not troubled:
        segments.append(("good", " · all healthy"))
    for health, count in troubled:
        segments.append((HEALTH_ROLES[health], f" · {count} {health}"))
    if snapshot.frozen_until is not None:
        segments.append(("info", f" · frozen {plain(age(snapshot.frozen_until - snapshot.now))}"))
    return segments
