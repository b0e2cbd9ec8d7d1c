"""Span hierarchy and waterfall geometry, which the web dashboard never drew."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from deck.plugins.lightning_rollouts.model import Span

__all__ = ["SpanNode", "WaterfallBar", "bar_cells", "build_span_tree", "flatten", "waterfall"]


@dataclass(frozen=True, slots=True)
class SpanNode:
    """A span in the tree; `orphan` when its parent is missing (or part of a cycle)."""

    span: Span
    depth: int
    children: tuple[SpanNode, ...]
    orphan: bool


@dataclass(frozen=True, slots=True)
class WaterfallBar:
    """Where a span's bar sits in a row `width` cells wide: cells [offset, offset + length)."""

    node: SpanNode
    offset: int
    length: int


def _order_key(span: Span) -> tuple[float, int]:
    start = span.start_time if span.start_time is not None else math.inf
    return (start, span.sequence_id if span.sequence_id is not None else 0)


def build_span_tree(spans: Iterable[Span]) -> tuple[SpanNode, ...]:
    """Link spans to their parents; returns the roots, children in start order.

    A span whose parent is absent (another attempt, not yet sent, or a cycle) becomes a root
    marked `orphan`, so every span appears exactly once. Works on any depth without recursion.
    """
    ordered = sorted(spans, key=_order_key)
    first_by_id: dict[str, int] = {}
    for index, span in enumerate(ordered):
        first_by_id.setdefault(span.span_id, index)
    parent_of: list[int | None] = []
    children: list[list[int]] = [[] for _ in ordered]
    for index, span in enumerate(ordered):
        parent = first_by_id.get(span.parent_id) if span.parent_id else None
        parent = None if parent == index else parent
        parent_of.append(parent)
        if parent is not None:
            children[parent].append(index)

    depth = [0] * len(ordered)
    visited = [False] * len(ordered)
    preorder: list[int] = []
    for index in range(len(ordered)):
        if visited[index]:
            continue
        # Climb to the top: a true root, or a span on a parent cycle (which then becomes one).
        top, seen = index, {index}
        while (parent := parent_of[top]) is not None and parent not in seen:
            top = parent
            seen.add(top)
        visited[top] = True
        stack = [top]
        while stack:
            node = stack.pop()
            preorder.append(node)
            for child in reversed(children[node]):
                if not visited[child]:
                    visited[child] = True
                    depth[child] = depth[node] + 1
                    stack.append(child)

    built: dict[int, SpanNode] = {}
    for index in reversed(preorder):
        kids = tuple(built[c] for c in children[index] if depth[c] == depth[index] + 1)
        orphan = depth[index] == 0 and ordered[index].parent_id is not None
        built[index] = SpanNode(ordered[index], depth[index], kids, orphan)
    roots = sorted(i for i in preorder if depth[i] == 0)
    return tuple(built[i] for i in roots)


def flatten(roots: Sequence[SpanNode]) -> tuple[SpanNode, ...]:
    """The tree's nodes in display order (depth first), for one row per span."""
    rows: list[SpanNode] = []
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        rows.append(node)
        stack.extend(reversed(node.children))
    return tuple(rows)


def bar_cells(
    start: float | None, end: float | None, range_start: float, range_end: float, width: int
) -> tuple[int, int]:
    """(offset, length) in cells of [start, end] within [range_start, range_end].

    A span without an end runs to the end of the range; every span with a start gets at
    least one cell; a span without a start gets no bar.
    """
    if width <= 0 or start is None:
        return (0, 0)
    end = range_end if end is None else max(end, start)
    span = range_end - range_start
    if span <= 0:
        return (0, 1)
    scale = width / span
    offset = min(width - 1, max(0, math.floor((start - range_start) * scale)))
    stop = min(width, max(offset + 1, math.ceil((end - range_start) * scale)))
    return (offset, stop - offset)


def waterfall(
    rows: Sequence[SpanNode],
    width: int,
    *,
    start: float | None = None,
    end: float | None = None,
) -> tuple[WaterfallBar, ...]:
    """A bar per row, scaled to [start, end] (the attempt's times; default: the spans' own)."""
    starts = [n.span.start_time for n in rows if n.span.start_time is not None]
    ends = [t for n in rows for t in (n.span.end_time, n.span.start_time) if t is not None]
    range_start = start if start is not None else min(starts, default=0.0)
    range_end = end if end is not None else max(ends, default=range_start)
    range_end = max(range_end, range_start)
    return tuple(
        WaterfallBar(node, *bar_cells(n_start, n_end, range_start, range_end, width))
        for node in rows
        for n_start, n_end in ((node.span.start_time, node.span.end_time),)
    )
