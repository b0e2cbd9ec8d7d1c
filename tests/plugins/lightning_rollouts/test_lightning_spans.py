"""Span trees (with orphans and cycles) and waterfall bar geometry."""

from __future__ import annotations

import pytest
from lightning_support import fixture_json

from deck.plugins.lightning_rollouts.model import Span, parse_span
from deck.plugins.lightning_rollouts.model_spans import bar_cells, build_span_tree, flatten, waterfall


def span(span_id: str, parent: str | None = None, start: float | None = 0.0, end=None, seq=0) -> Span:
    return parse_span(
        {
            "span_id": span_id,
            "parent_id": parent,
            "name": span_id,
            "sequence_id": seq,
            "start_time": start,
            "end_time": end,
        }
    )


def shape(nodes) -> list[tuple[int, str, bool]]:
    return [(n.depth, n.span.span_id, n.orphan) for n in flatten(nodes)]


def test_recorded_trace_tree() -> None:
    spans = [parse_span(s) for s in fixture_json("spans_rollout_ro-339e107ec270.json")["items"]]
    roots = build_span_tree(spans)
    assert len(roots) == 1
    (root,) = roots
    assert root.span.name == "agentlightning.rollout"
    rows = flatten(roots)
    assert [(n.depth, n.span.sequence_id, n.span.name) for n in rows] == [
        (0, 1, "agentlightning.rollout"),
        (1, 2, "agent.step"),
        (2, 3, "openai.chat.completion"),
        (2, 4, "tool.call"),
        (1, 5, "agent.step"),
        (2, 6, "openai.chat.completion"),
        (1, 7, "agentlightning.annotation"),
    ]
    bars = waterfall(rows, 30)
    assert (bars[0].offset, bars[0].length) == (0, 30)
    assert bars[-1].length == 1  # the zero-length reward annotation still shows
    assert not any(n.orphan for n in rows)


def test_a_rollout_with_several_attempts_has_a_root_per_attempt() -> None:
    spans = [parse_span(s) for s in fixture_json("spans_rollout_ro-6eedb2fc3a09.json")["items"]]
    roots = build_span_tree(spans)
    attempts = {s.attempt_id for s in spans}
    assert len(roots) == len(attempts)
    assert all(r.span.name == "agentlightning.rollout" for r in roots)


def test_children_follow_start_time_whatever_the_input_order() -> None:
    spans = [span("b", "r", start=2.0), span("r", start=0.0), span("a", "r", start=1.0)]
    assert shape(build_span_tree(spans)) == [(0, "r", False), (1, "a", False), (1, "b", False)]


def test_orphans_become_marked_roots() -> None:
    spans = [span("r", start=0.0), span("x", "gone", start=1.0), span("y", "x", start=2.0)]
    assert shape(build_span_tree(spans)) == [
        (0, "r", False),
        (0, "x", True),
        (1, "y", False),
    ]


def test_cycles_and_self_parents_still_show_every_span() -> None:
    spans = [
        span("a", "c", start=1.0),
        span("b", "a", start=2.0),
        span("c", "b", start=3.0),
        span("self", "self", start=4.0),
    ]
    rows = flatten(build_span_tree(spans))
    assert sorted(n.span.span_id for n in rows) == ["a", "b", "c", "self"]
    roots = [n for n in rows if n.depth == 0]
    assert [n.orphan for n in roots] == [True, True]


def test_duplicate_span_ids_keep_both() -> None:
    spans = [span("r", start=0.0), span("r", start=1.0), span("k", "r", start=2.0)]
    rows = flatten(build_span_tree(spans))
    assert [(n.depth, n.span.span_id) for n in rows] == [(0, "r"), (1, "k"), (0, "r")]


def test_very_deep_chains_need_no_recursion() -> None:
    spans = [span("s0", start=0.0)] + [span(f"s{i}", f"s{i - 1}", start=float(i)) for i in range(1, 5000)]
    rows = flatten(build_span_tree(spans))
    assert [n.depth for n in rows] == list(range(5000))


def test_empty() -> None:
    assert build_span_tree([]) == ()
    assert waterfall((), 40) == ()


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0.0, 10.0, (0, 40)),
        (0.0, 5.0, (0, 20)),
        (5.0, 10.0, (20, 20)),
        (2.5, 2.6, (10, 1)),  # short spans still get a cell
        (9.99, 10.0, (39, 1)),
        (10.0, 10.0, (39, 1)),
        (3.0, None, (12, 28)),  # still running: to the end of the range
        (-5.0, 20.0, (0, 40)),  # outside the range: clamped
        (None, 5.0, (0, 0)),  # no start: no bar
        (6.0, 4.0, (24, 1)),  # end before start
    ],
)
def test_bar_cells(start, end, expected) -> None:
    assert bar_cells(start, end, 0.0, 10.0, 40) == expected


def test_bar_cells_degenerate_ranges() -> None:
    assert bar_cells(1.0, 1.0, 1.0, 1.0, 40) == (0, 1)
    assert bar_cells(1.0, 2.0, 0.0, 10.0, 0) == (0, 0)


def test_waterfall_over_the_attempts_range() -> None:
    spans = [span("r", start=100.0, end=110.0), span("c", "r", start=105.0, end=107.5)]
    rows = flatten(build_span_tree(spans))
    bars = waterfall(rows, 20)
    assert [(b.node.span.span_id, b.offset, b.length) for b in bars] == [("r", 0, 20), ("c", 10, 5)]
    wide = waterfall(rows, 20, start=100.0, end=120.0)
    assert [(b.offset, b.length) for b in wide] == [(0, 10), (5, 3)]
