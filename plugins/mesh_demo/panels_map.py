"""NET.MAP's views: the RTT map with its legend, and the mesh summary beside it."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Mapping, Sequence
from typing import Any

import urwid

from deck import Panel, PanelContext, Result
from deck.widgets import Cell, KeyValue, Segment, icons, rate, sparkline

from . import panels_cells as cells
from .client import MeshClient
from .model import MeshSnapshot, NodeView
from .panels import SyncOnDraw
from .panels_digest import HEALTH_ORDER, SEPARATOR, health_counts, nrpc_stats, shortlist, troubles
from .panels_netmap import RINGS_MS, plot
from .source import SOURCE, followed, select

__all__ = ["MapPanel", "MeshMap", "SummaryPanel"]

LEGEND_MIN_HEIGHT = 6
#: Seconds of nRPC history in the summary's sparklines.
HISTORY = 40
SPARK_INDENT = 11  # the label column of the summary
#: A border's own cells around its title and subtitle: two corners, two rules, four spaces.
BORDER_CHROME = 8


def _canvas(lines: list[list[Segment]], width: int, height: int) -> urwid.Canvas:
    """A canvas from lines of one-cell-per-character segments, padded or cut to width x height."""
    text: list[bytes] = []
    attrs: list[list[tuple[Any, int]]] = []
    for line in lines[:height]:
        row: list[bytes] = []
        runs: list[tuple[Any, int]] = []
        used = 0
        for role, chunk in line:
            chunk = chunk[: width - used]
            if not chunk:
                continue
            data = chunk.encode("utf-8")
            row.append(data)
            runs.append((role or "text", len(data)))
            used += len(chunk)
        if used < width:
            row.append(b" " * (width - used))
            runs.append(("text", width - used))
        text.append(b"".join(row))
        attrs.append(runs)
    while len(text) < height:
        text.append(b" " * width)
        attrs.append([("text", width)])
    return urwid.TextCanvas(text, attrs, [[(None, len(t))] for t in text], maxcol=width, check_width=False)


def _legend(width: int) -> list[Segment]:
    """The key to the map, leaving out the least needed parts on a narrow map."""
    you, node, lost = ("@", "o", "x") if icons.ascii else ("◉", "●", "✗")
    rings = "/".join(f"{ms:g}" for ms in RINGS_MS)
    parts: list[list[Segment]] = [
        [("accent", f" {you}"), ("muted", " you")],
        [("good", f"  {node}"), ("muted", " healthy")],
        [("warn", f"  {node}"), ("muted", " degraded")],
        [("bad", f"  {node}"), ("muted", " unhealthy")],
        [("bad", f"  {lost}"), ("muted", " lost")],
        [("muted", f"  rings {rings} ms")],
        [
            ("warn", "  [C]"),
            ("muted", "ordoned "),
            ("warn", "[D]"),
            ("muted", "rain "),
            ("warn", "[M]"),
            ("muted", "aint"),
        ],
    ]
    line: list[Segment] = []
    used = 0
    for part in parts:
        length = sum(len(text) for _, text in part)
        if used + length > width:
            break
        line += part
        used += length
    return line


class MeshMap(urwid.Widget):
    """The map as a widget: j/k (or the arrows) move the highlight from node to node."""

    _sizing = frozenset([urwid.BOX])
    _selectable = True
    no_cache = ("render",)

    def __init__(self, panel: MapPanel) -> None:
        super().__init__()
        self._panel = panel
        self._drawn: tuple[Any, ...] = ()
        self._canvas: urwid.Canvas | None = None
        self.width: int | None = None  # as last drawn; the border's subtitle fits in it

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]
        width, height = size
        self.width = width
        snapshot = self._panel.snapshot
        if snapshot is None:
            return _canvas([], width, height)
        selected = self._panel.selected_id
        key = (snapshot.nodes, snapshot.links, width, height, selected, icons.ascii)
        if self._canvas is None or key != self._drawn:
            legend = height >= LEGEND_MIN_HEIGHT
            lines = plot(snapshot.nodes, snapshot.links, width, height - (1 if legend else 0), selected)
            if legend:
                lines.append(_legend(width))
            self._drawn, self._canvas = key, _canvas(lines, width, height)
        return self._canvas

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]
        steps = {"j": 1, "down": 1, "right": 1, "k": -1, "up": -1, "left": -1}
        if key in steps:
            self._panel.move(steps[key])
        elif key in ("g", "home"):
            self._panel.move(None)
        else:
            return key
        self._invalidate()
        return None


class MapPanel(Panel):
    """NET.MAP: node 0 in the middle, each peer at its bearing and at a distance set by its RTT."""

    sources = (SOURCE,)

    def __init__(self, ctx: PanelContext, client: MeshClient) -> None:
        super().__init__(ctx)
        self.client = client
        self.snapshot: MeshSnapshot | None = None
        self.map = MeshMap(self)
        self.widget = self.map

    def update(self, result: Result[MeshSnapshot]) -> None:
        self.snapshot = result.value
        self.map._invalidate()

    @property
    def selected_id(self) -> str | None:
        """The highlighted node: the one last selected here or on NODES, else this node."""
        snapshot = self.snapshot
        if snapshot is None:
            return None
        chosen = followed(self.ctx.deck, "node")
        return chosen if chosen and snapshot.node(chosen) else snapshot.this_node

    def move(self, step: int | None) -> None:
        """Highlight the next (or previous) node by number; None goes back to this node."""
        snapshot = self.snapshot
        if snapshot is None or not snapshot.nodes:
            return
        ids = [n.id for n in snapshot.nodes]
        current = self.selected_id
        index = 0 if step is None or current not in ids else (ids.index(current) + step) % len(ids)
        select(self.ctx.deck, node=ids[index])

    def hints(self) -> Sequence[tuple[str, str]]:
        return (("↑↓", "Node"), ("l", "Logs"))

    @property
    def selection(self) -> NodeView | None:
        snapshot, selected = self.snapshot, self.selected_id
        return snapshot.node(selected) if snapshot is not None and selected else None

    @property
    def subtitle(self) -> str:
        """What is wrong, worst first, in the room the border has; else the peers, all healthy."""
        snapshot = self.snapshot
        if snapshot is None:
            return ""
        peers = f"{len(snapshot.nodes) - 1} peers"
        found = troubles(snapshot)
        if not found:
            return f"{peers}{SEPARATOR}all healthy"
        drawn = self.map.width
        room = 10_000 if drawn is None else drawn + 2 - len(self.title) - BORDER_CHROME
        text = "".join(t for _, t in shortlist(found, room))
        return text + (f"{SEPARATOR}{peers}" if len(text) + len(SEPARATOR) + len(peers) <= room else "")


def _counts(counter: Mapping[Any, int], roles: dict[str, str], order: tuple[str, ...]) -> Cell:
    parts: list[Segment] = []
    for name in order:
        if counter[name]:
            if parts:
                parts.append(("muted", " · "))
            parts.append((roles.get(name, "text"), f"{counter[name]} {name}"))
    return parts or [("muted", "none")]


class SummaryPanel(Panel):
    """The mesh at a glance: health, daemons, migrations, nRPC, chains, the freeze and the operator."""

    sources = (SOURCE,)

    def __init__(self, ctx: PanelContext, client: MeshClient) -> None:
        super().__init__(ctx)
        self.client = client
        self.snapshot: MeshSnapshot | None = None
        self.view = KeyValue()
        self.widget = SyncOnDraw(self.view, self._before_draw, self._fit)
        self._drawn: tuple[int, int, int] | None = None
        self._width = HISTORY
        self._sampled = 0
        self._p50s: deque[float | None] = deque(maxlen=HISTORY)
        self._p99s: deque[float | None] = deque(maxlen=HISTORY)

    def update(self, result: Result[MeshSnapshot]) -> None:
        snapshot = self.snapshot = result.value
        if snapshot is not None and int(snapshot.now) != self._sampled:
            self._sampled = int(snapshot.now)
            stats = nrpc_stats(snapshot.nrpc, snapshot.now, window=2.0)
            self._p50s.append(stats.p50_ms)
            self._p99s.append(stats.p99_ms)

    def _fit(self, width: int) -> None:
        self._width = width

    def _before_draw(self) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            return
        key = (snapshot.version, int(snapshot.now), self._width)
        if key != self._drawn:
            self._drawn = key
            self.view.pairs = self._pairs(snapshot)

    def _pairs(self, snapshot: MeshSnapshot) -> list[tuple[str | None, Cell]]:
        operator = self.client.operator
        spark = max(4, min(HISTORY, self._width - SPARK_INDENT))
        daemon_states = Counter(d.state for d in snapshot.daemons)
        active = [m for m in snapshot.migrations if m.active]
        finished = Counter(m.phase for m in snapshot.migrations if not m.active)
        stats = nrpc_stats(snapshot.nrpc, snapshot.now)
        chain_states = Counter(c.status for c in snapshot.chains)
        nrpc: list[Segment] = cells.segments(rate(stats.rate), "text")
        if stats.p99_ms is not None:
            nrpc += [("muted", " · p99 "), (cells.latency_role(stats.p99_ms), f"{stats.p99_ms:.0f} ms")]
        nrpc += [("muted", " · "), ("bad" if stats.failed else "good", f"{stats.failed_pct:.1f}% failed")]
        moving: Cell = [("muted", "idle")]
        if active:
            m = active[0]
            moving = [("magenta", f"{m.id} {m.phase} {m.progress:.0f}%"), ("muted", f" → {m.target}")]
            if len(active) > 1:
                moving.append(("muted", f" (+{len(active) - 1})"))
        if snapshot.frozen_until is not None:
            left = cells.age(snapshot.frozen_until - snapshot.now)
            cluster: Cell = [("info", f"{cells.kind_icon('freeze')} frozen, thaws in {cells.plain(left)}")]
        else:
            cluster = [("good", "placement live")]
        return [
            ("Nodes", _counts(health_counts(snapshot.nodes), cells.HEALTH_ROLES, HEALTH_ORDER)),
            ("Daemons", _counts(daemon_states, cells.STATE_ROLES, tuple(cells.STATE_ROLES))),
            ("Migrating", moving),
            (
                "Migrated",
                _counts(
                    finished,
                    {"Complete": "good", "Failed": "bad", "Aborted": "warn"},
                    ("Complete", "Failed", "Aborted"),
                ),
            ),
            ("nRPC", nrpc),
            ("Chains", _counts(chain_states, cells.CHAIN_ROLES, tuple(cells.CHAIN_ROLES))),
            ("Cluster", cluster),
            ("p50 ms", sparkline(self._p50s, spark)),
            ("p99 ms", sparkline(self._p99s, spark)),
            ("Operator", [("accent", operator.operator_id), ("muted", f" key {operator.fingerprint[:8]}")]),
            ("Seed", [("muted", f"{self.client.seed} · {snapshot.version:,} events")]),
        ]
