"""NET.MAP drawing: peers placed around node 0 by round-trip time, on log-scaled RTT rings."""

from __future__ import annotations

import math
from collections.abc import Sequence

from deck.widgets import Segment, icons

from .model import NodeView
from .panels_cells import latency_role

__all__ = ["RINGS_MS", "plot", "radius"]

#: Rings at 1 and 10 ms; the outer ring is the edge of the map, where slow and lost peers sit.
RINGS_MS = (1.0, 10.0, 50.0)
NEAR_MS = 0.3
OUTER_MS = 50.0
INNER = 0.18
#: Terminal cells are about twice as tall as wide; x distances are stretched by this.
ASPECT = 2.0
LABEL_ROOM = 12

_RING, _LINK, _LABEL, _NODE = 1, 2, 3, 4
_HEALTH_ROLES = {"healthy": "good", "degraded": "warn", "unhealthy": "bad", "unreachable": "bad"}
_FLAG = {"maint": "M", "draining": "D", "drained": "D", "cordoned": "C"}


def radius(rtt_ms: float | None) -> float:
    """Distance from the centre as a fraction of the map: log-scaled RTT, the edge when unreachable."""
    if rtt_ms is None:
        return 1.0
    scaled = math.log(max(rtt_ms, NEAR_MS) / NEAR_MS) / math.log(OUTER_MS / NEAR_MS)
    return min(1.0, max(INNER, scaled))


class _Grid:
    """Characters with roles and a drawing layer, so nodes win over labels over edges over rings."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.chars = [[" "] * width for _ in range(height)]
        self.roles: list[list[str | None]] = [[None] * width for _ in range(height)]
        self.layers = [[0] * width for _ in range(height)]

    def inside(self, x: int, y: int) -> bool:
        return 0 <= x < self.width and 0 <= y < self.height

    def free(self, x: int, y: int, length: int, layer: int) -> bool:
        return all(self.inside(x + i, y) and self.layers[y][x + i] < layer for i in range(length))

    def put(self, x: int, y: int, text: str, role: str | None, layer: int) -> None:
        for i, char in enumerate(text):
            cx = x + i
            if self.inside(cx, y) and self.layers[y][cx] <= layer:
                self.chars[y][cx], self.roles[y][cx], self.layers[y][cx] = char, role, layer

    def segments(self) -> list[list[Segment]]:
        lines = []
        for chars, roles in zip(self.chars, self.roles):
            line: list[Segment] = []
            for char, role in zip(chars, roles):
                if line and line[-1][0] == role:
                    line[-1] = (role, line[-1][1] + char)
                else:
                    line.append((role, char))
            lines.append(line)
        return lines


def _label(node: NodeView, selected: bool) -> list[Segment]:
    name_role = "selected" if selected else "accent" if node.is_self else "text"
    parts: list[Segment] = [(name_role, node.id)]
    if node.is_self:
        parts.append(("muted", " you"))
    elif node.rtt_ms is None:
        parts.append(("bad", " lost"))
    else:
        ms = node.rtt_ms
        parts.append((latency_role(ms), f" {ms:.1f}ms" if ms < 100 else f" {ms:.0f}ms"))
    flag = _FLAG.get(node.maint)
    if flag:
        parts.append(("warn", f" [{flag}]"))
    return parts


def _line(x0: int, y0: int, x1: int, y1: int) -> list[tuple[int, int]]:
    """The cells between two points (Bresenham), endpoints excluded."""
    cells = []
    dx, dy = abs(x1 - x0), -abs(y1 - y0)
    sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
    err, x, y = dx + dy, x0, y0
    while (x, y) != (x1, y1):
        doubled = 2 * err
        if doubled >= dy:
            err += dy
            x += sx
        if doubled <= dx:
            err += dx
            y += sy
        if (x, y) != (x1, y1):
            cells.append((x, y))
    return cells


def plot(
    nodes: Sequence[NodeView],
    links: Sequence[tuple[str, str]],
    width: int,
    height: int,
    selected: str | None,
) -> list[list[Segment]]:
    """The map as `height` lines of `width` cells: rings, nearest-neighbour edges, nodes, labels."""
    grid = _Grid(width, height)
    if width < 3 or height < 1:
        return grid.segments()
    cx, cy = (width - 1) / 2, (height - 1) / 2
    room = LABEL_ROOM if width >= 3 * LABEL_ROOM else 0
    scale = max(0.5, min(cy, (cx - room) / ASPECT))
    ring_dot, link_dot = (".", "+") if icons.ascii else ("·", "∙")

    def at(r: float, angle: float) -> tuple[int, int]:
        return round(cx + r * scale * ASPECT * math.cos(angle)), round(cy - r * scale * math.sin(angle))

    for ms in RINGS_MS:
        r = radius(ms)
        steps = max(8, int(math.pi * r * scale * ASPECT))
        for i in range(steps):
            x, y = at(r, 2 * math.pi * i / steps)
            grid.put(x, y, ring_dot, "border", _RING)

    places: dict[str, tuple[int, int]] = {}
    taken: set[tuple[int, int]] = set()
    for node in nodes:
        x, y = (round(cx), round(cy)) if node.is_self else at(radius(node.rtt_ms), node.angle)
        for dx, dy in ((0, 0), (1, 0), (-1, 0), (0, -1), (0, 1), (2, 0), (-2, 0), (1, 1), (-1, -1)):
            if (x + dx, y + dy) not in taken:
                x, y = x + dx, y + dy
                break
        taken.add((x, y))
        places[node.id] = (x, y)

    for a, b in links:
        if a in places and b in places:
            for x, y in _line(*places[a], *places[b]):
                grid.put(x, y, link_dot, "muted", _LINK)

    dots = {"self": "@", "node": "o", "lost": "x"} if icons.ascii else {"self": "◉", "node": "●", "lost": "✗"}
    for node in nodes:
        x, y = places[node.id]
        glyph = dots["self"] if node.is_self else dots["lost"] if node.rtt_ms is None else dots["node"]
        grid.put(x, y, glyph, "accent" if node.is_self else _HEALTH_ROLES[node.health], _NODE)

    for node in nodes:
        _place_label(grid, places[node.id], _label(node, node.id == selected), right=places[node.id][0] >= cx)
    for ms in RINGS_MS:
        _place_ring_label(grid, f"{ms:g}ms", [at(radius(ms), math.radians(a)) for a in (90, 70, 110, 270)])
    return grid.segments()


def _place_ring_label(grid: _Grid, text: str, spots: list[tuple[int, int]]) -> None:
    """A ring's label where nothing else is drawn; left out when there is no such place."""
    for x, y in spots:
        start = x - len(text) // 2
        if grid.free(start, y, len(text), _LINK):
            grid.put(start, y, text, "muted", _RING)
            return


def _place_label(grid: _Grid, place: tuple[int, int], label: list[Segment], *, right: bool) -> None:
    """Beside the node on its outer side; one row up or down when that is taken."""
    x, y = place
    length = sum(len(text) for _, text in label) + 1
    for row in (y, y - 1, y + 1):
        for to_right in (right, not right):
            start = x + 1 if to_right else x - length
            if grid.free(start, row, length, _LABEL):
                _write(grid, start, row, [(None, " "), *label] if to_right else [*label, (None, " ")])
                return
    start = x + 1 if right else max(0, x - length)
    _write(grid, start, y, [(None, " "), *label] if right else [*label, (None, " ")])


def _write(grid: _Grid, x: int, y: int, label: list[Segment]) -> None:
    for role, text in label:
        grid.put(x, y, text, role, _LABEL)
        x += len(text)
