"""The Traces screen: one rollout's spans as a table, and as a tree with a waterfall of bars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from deck import Panel, PanelContext, Result
from deck.plugins.lightning_rollouts.model import Span, mask_secrets
from deck.plugins.lightning_rollouts.model_display import input_preview
from deck.plugins.lightning_rollouts.model_spans import SpanNode, waterfall
from deck.plugins.lightning_rollouts.panels_columns import (
    AdaptivePanel,
    Ranked,
    duration_cell,
    millis_time,
    retitled,
    status_badge,
)
from deck.plugins.lightning_rollouts.source import (
    SPANS,
    LightningConnection,
    SpansSnapshot,
    TraceTarget,
    Unsupported,
)
from deck.widgets import Cell, Column, Table, icons

__all__ = [
    "SpansPanel",
    "WaterfallPanel",
    "WaterfallRow",
    "ancestors",
    "describe_target",
    "hidden_by_folds",
    "tree_prefixes",
]

SPAN_ROLES = {"OK": "good", "ERROR": "bad", "UNSET": "muted"}
NAME_WIDTH = 34
DURATION_WIDTH = 9
# Deeper than this, the tree's guide lines give way to the depth as a number.
GUIDE_LEVELS = 8


def _span_role(status: str) -> str:
    return SPAN_ROLES.get(status, "text")


def span_seconds(span: Span) -> float | None:
    """How long a span took, when it has both ends."""
    if span.start_time is None or span.end_time is None:
        return None
    return max(0.0, span.end_time - span.start_time)


def span_duration(seconds: float | None) -> Cell:
    """Span durations keep their hundredths below a minute: `2.40s`, `463ms`, `1m 5s`."""
    if seconds is None:
        return [("muted", "N/A")]
    if 1 <= seconds < 60:
        return f"{seconds:.2f}s"
    return duration_cell(seconds)


SpanId = tuple[str, int | None, str]


def _span_id(span: Span) -> SpanId:
    return (span.attempt_id, span.sequence_id, span.span_id)


def describe_attributes(attributes: Mapping[str, Any]) -> str:
    """`name=value` pairs (secrets masked), so that `/` finds a span by a value as by a name."""
    masked = mask_secrets(attributes)
    return "  ".join(f"{k}={v if isinstance(v, str) else input_preview(v, 60)}" for k, v in masked.items())


SPAN_COLUMNS = (
    Ranked(Column("Name", lambda s: s.name, weight=2, min_width=24), 1),
    Ranked(Column("Seq", lambda s: s.sequence_id, width=4, align="right"), 5),
    Ranked(Column("Trace", lambda s: s.trace_id, width=10), 10),
    Ranked(Column("Span", lambda s: s.span_id, width=16), 6),
    Ranked(Column("Parent", lambda s: s.parent_id, width=16), 7),
    Ranked(
        Column("Status", lambda s: s.status_code, render=lambda v: status_badge(v, _span_role), width=9), 2
    ),
    Ranked(Column("Attributes", lambda s: describe_attributes(s.attributes), weight=1, min_width=12), 4),
    Ranked(Column("Start", lambda s: s.start_time, render=millis_time, width=12), 4),
    Ranked(Column("End", lambda s: s.end_time, render=millis_time, width=12), 8),
    Ranked(Column("Duration", span_seconds, render=span_duration, width=9, align="right"), 3),
)


def describe_target(snapshot: SpansSnapshot) -> str:
    """`ro-… · attempt #2 of 3 (at-…)` or `ro-… · all 3 attempts`."""
    target = snapshot.target
    if target.rollout_id is None:
        return "no rollout picked"
    attempts = snapshot.attempts
    if target.attempt_id is None:
        count = len(attempts)
        return f"{target.rollout_id} · all {count} attempt{'s' if count != 1 else ''}"
    number = next((a.sequence_id for a in attempts if a.attempt_id == target.attempt_id), None)
    which = f"#{number} of {len(attempts)}" if number is not None else "?"
    return f"{target.rollout_id} · attempt {which} ({target.attempt_id})"


def _empty_text(snapshot: SpansSnapshot) -> str:
    target = snapshot.target
    if target.rollout_id is None:
        return "no rollout picked: o picks one (or t on a rollout in the Rollouts screen)"
    if snapshot.gone:
        return f"{target.rollout_id} is not in the store (deleted, or the store restarted): no spans"
    if not snapshot.attempts:
        return f"{target.rollout_id} has no attempt yet, so no spans"
    return f"no spans recorded for {describe_target(snapshot)}"


class _TracePanel(Panel):
    """What both trace panels share: the connection and a check that the snapshot is current."""

    sources = (SPANS,)
    connection: LightningConnection
    snapshot: SpansSnapshot | None = None
    stale = False

    def _current(self, result: Result[Any]) -> SpansSnapshot | None:
        snapshot = result.value
        if not isinstance(snapshot, SpansSnapshot) or snapshot.url != self.connection.url:
            return None
        return snapshot

    @property
    def asked(self) -> TraceTarget:
        """The rollout and attempt the spans source is fetched for now (its parameters)."""
        params = self.ctx.deck.params(SPANS)
        return TraceTarget(params["rollout_id"], params["attempt_id"])

    @property
    def target(self) -> TraceTarget:
        """The rollout and attempt shown."""
        return self.snapshot.target if self.snapshot is not None else self.asked


class SpansPanel(AdaptivePanel[Span], _TracePanel):
    """The spans of the picked rollout (and attempt), in sequence order; `/` searches them.

    The span tree's cursor follows this table's, and this table follows the tree's.
    """

    def __init__(self, ctx: PanelContext, connection: LightningConnection) -> None:
        super().__init__(ctx, SPAN_COLUMNS, _span_id, empty="no rollout picked")
        self.connection = connection
        self.table.on_select = self._lead

    def _lead(self, span: Span | None) -> None:
        if span is not None:
            for panel in self.ctx.deck.panels():
                if isinstance(panel, WaterfallPanel):
                    panel.follow(_span_id(span))

    def follow(self, span_id: SpanId) -> None:
        """Put the cursor on the span the tree selected (if this table shows it)."""
        self.table.select(span_id)

    def update(self, result: Result[SpansSnapshot | Unsupported]) -> None:
        if isinstance(result.value, Unsupported):
            self.snapshot, self.table.empty = None, result.value.message
            self.table.update(())
            return
        snapshot = self._current(result)
        self.snapshot, self.stale = snapshot, result.stale
        if snapshot is None:
            self.table.empty = f"waiting for {self.connection.url}…"
            self.table.update(())
            return
        self.table.empty = _empty_text(snapshot)
        self.table.update(snapshot.spans)

    @property
    def subtitle(self) -> str:
        if self.snapshot is None or self.snapshot.target.rollout_id is None:
            return ""
        loading = " · loading…" if self.snapshot.target != self.asked else ""
        if self.stale:  # the border needs the room to say so
            return f"{self.table.summary} spans"
        return f"{describe_target(self.snapshot)} · {self.table.summary} spans{loading}"


@dataclass(frozen=True, slots=True)
class WaterfallRow:
    """A span in tree order, its guide lines, and the timeline its bar is drawn on."""

    node: SpanNode
    guides: str
    start: float
    end: float
    folded: int = 0  # spans hidden under this one while it is folded

    @property
    def span(self) -> Span:
        return self.node.span


def time_range(nodes: Sequence[SpanNode]) -> tuple[float, float] | None:
    """From the first span's start to the last span's end (or start), or None without times."""
    starts = [n.span.start_time for n in nodes if n.span.start_time is not None]
    ends = [t for n in nodes for t in (n.span.end_time, n.span.start_time) if t is not None]
    if not starts:
        return None
    return min(starts), max(ends)


def tree_prefixes(rows: Sequence[SpanNode]) -> list[str]:
    """Guide lines like `│  ├─ ` for each node of a depth-first list of the tree (`flatten`).

    Below GUIDE_LEVELS the guides give way to the depth as a number, so a pathological chain
    of spans costs no more per row than a shallow tree.
    """
    keep = 3 * GUIDE_LEVELS
    prefixes: list[str] = []
    stack: list[tuple[SpanNode, str, bool | None]] = [
        (node, "", None) for node in reversed(rows) if node.depth == 0
    ]
    while stack:
        node, guides, last = stack.pop()
        if last is None:
            prefixes.append("")
            inner = ""
        else:
            branch = guides + ("└─ " if last else "├─ ")
            prefixes.append(branch if node.depth <= GUIDE_LEVELS else f"{node.depth}┄{branch[-6:]}")
            inner = (guides + ("   " if last else "│  "))[-keep:]
        count = len(node.children)
        stack.extend((child, inner, i == count - 1) for i, child in reversed(list(enumerate(node.children))))
    return prefixes


def _name_cell(row: WaterfallRow) -> Cell:
    segments: list[tuple[str | None, str]] = [("muted", row.guides)]
    if row.node.orphan:
        segments.append(("warn", "⚠ "))
    role = "bad" if row.span.status_code == "ERROR" else None
    segments.append((role, row.span.name or "(unnamed)"))
    if row.folded:
        segments.append(("accent", f" +{row.folded}"))
    return segments


def _bar_cell(row: WaterfallRow, width: int) -> Cell:
    """The span's bar, laid out at the width the timeline column has now."""
    (bar,) = waterfall((row.node,), width, start=row.start, end=row.end)
    if not bar.length:
        return [("muted", " " * bar.offset + "·")]
    role = "bad" if row.span.status_code == "ERROR" else "warn" if row.node.orphan else "bar_fill"
    return [(None, " " * bar.offset), (role, icons.bar[0] * bar.length)]


TIMELINE = Column("Timeline", lambda r: r, render=_bar_cell, weight=1, sortable=False)


def waterfall_table() -> Table[WaterfallRow]:
    """The span tree: names under guide lines, durations, and bars on one timeline."""
    return Table(
        [
            Column("Span", lambda r: r, render=_name_cell, width=NAME_WIDTH, sortable=False),
            Column(
                "Duration",
                lambda r: span_seconds(r.span),
                render=span_duration,
                width=DURATION_WIDTH,
                align="right",
                sortable=False,
            ),
            TIMELINE,
        ],
        row_id=lambda r: _span_id(r.span),
        empty="no rollout picked",
    )


def hidden_by_folds(nodes: Sequence[SpanNode], folded: set[SpanId]) -> dict[int, int]:
    """For a depth-first list of nodes: index of each folded node shown -> how many it hides,
    and -1 for each node hidden under a fold."""
    marks: dict[int, int] = {}
    fold_at: int | None = None  # the index of the fold being skipped over
    for index, node in enumerate(nodes):
        if fold_at is not None and node.depth > nodes[fold_at].depth:
            marks[index] = -1
            marks[fold_at] += 1
            continue
        fold_at = None
        if node.children and _span_id(node.span) in folded:
            fold_at, marks[index] = index, 0
    return marks


def ancestors(nodes: Sequence[SpanNode], span_id: SpanId) -> list[SpanId]:
    """The ids of the spans above `span_id` in a depth-first list of the tree."""
    path: list[SpanNode] = []
    for node in nodes:
        del path[node.depth :]
        if _span_id(node.span) == span_id:
            return [_span_id(n.span) for n in path]
        path.append(node)
    return []


class WaterfallPanel(_TracePanel):
    """The span hierarchy, indented, with each span's bar on the attempt's timeline; `-` folds
    the span under the cursor (or moves to its parent), `+` unfolds it."""

    def __init__(self, ctx: PanelContext, connection: LightningConnection) -> None:
        super().__init__(ctx)
        self.connection = connection
        self.table = waterfall_table()
        self.table.on_select = self._lead
        self.widget = self.table
        self.nodes: tuple[SpanNode, ...] = ()
        #: Folded spans, by id: kept across refreshes and attempts, as the operator left them.
        self.folded: set[SpanId] = set()

    def _lead(self, row: WaterfallRow | None) -> None:
        if row is not None:
            for panel in self.ctx.deck.panels():
                if isinstance(panel, SpansPanel):
                    panel.follow(_span_id(row.span))

    def follow(self, span_id: SpanId) -> None:
        """Put the cursor on the span the table selected, unfolding what hides it."""
        hiding = self.folded.intersection(ancestors(self.nodes, span_id))
        if hiding:
            self.folded -= hiding
            self._show(self.nodes)
        self.table.select(span_id)

    def fold(self) -> str | None:
        """Fold the span under the cursor; on a leaf or a folded span, go to its parent."""
        row = self.table.selected
        if row is None:
            return None
        span_id = _span_id(row.span)
        if row.node.children and span_id not in self.folded:
            self.folded.add(span_id)
            self._show(self.nodes)
            self.table.select(span_id)
            return f"folded {row.span.name or '(unnamed)'}"
        parents = ancestors(self.nodes, span_id)
        if parents:
            self.table.select(parents[-1])
        return None

    def unfold(self) -> str | None:
        """Unfold the span under the cursor."""
        row = self.table.selected
        if row is None or _span_id(row.span) not in self.folded:
            return None
        self.folded.discard(_span_id(row.span))
        self._show(self.nodes)
        return f"unfolded {row.span.name or '(unnamed)'}"

    def update(self, result: Result[SpansSnapshot | Unsupported]) -> None:
        if isinstance(result.value, Unsupported):
            self.snapshot, self.table.empty = None, result.value.message
            self._show(())
            return
        snapshot = self._current(result)
        self.snapshot = snapshot
        if snapshot is None:
            self.table.empty = f"waiting for {self.connection.url}…"
            self._show(())
            return
        self.table.empty = _empty_text(snapshot)
        self._show(snapshot.tree)

    def _show(self, nodes: tuple[SpanNode, ...]) -> None:
        self.nodes = nodes
        bounds = time_range(nodes)
        start, end = bounds or (0.0, 0.0)
        marks = hidden_by_folds(nodes, self.folded)
        self.table.update(
            [
                WaterfallRow(node, guides, start, end, marks.get(index, 0))
                for index, (node, guides) in enumerate(zip(nodes, tree_prefixes(nodes)))
                if marks.get(index, 0) >= 0
            ]
        )
        total = span_duration(end - start) if bounds else None
        label = f"0 → {total}" if isinstance(total, str) else "no times"
        self.table.columns[-1] = retitled(TIMELINE, f"Timeline · {label}")

    @property
    def selection(self) -> Span | None:
        row = self.table.selected
        return row.span if row is not None else None

    @property
    def subtitle(self) -> str:
        nodes = self.nodes
        if not nodes:
            return ""
        orphans = sum(1 for n in nodes if n.orphan)
        depth = max(n.depth for n in nodes) + 1
        text = f"{len(nodes)} spans · depth {depth}"
        if self.folded:
            text += f" · {len(self.table)} shown"
        return text + (f" · {orphans} without their parent" if orphans else "")
