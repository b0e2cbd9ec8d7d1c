"""Client-side paging, sorting, filtering and search, and what the server can take over."""

from __future__ import annotations

import dataclasses

import pytest
from lightning_support import fixture_json

from deck.plugins.lightning_rollouts.model import parse_rollout
from deck.plugins.lightning_rollouts.model_display import input_preview, start_time
from deck.plugins.lightning_rollouts.model_query import (
    COLUMNS,
    PAGE_SIZES,
    RolloutIndex,
    RolloutQuery,
    query_rollouts,
)

NOW = 1795642700.0


@pytest.fixture(scope="module")
def recorded():
    return tuple(parse_rollout(r) for r in fixture_json("rollouts.json")["items"])


@pytest.fixture(scope="module")
def many(recorded):
    """1,234 rollouts made from the recorded ones, with distinct ids and start times."""
    rows = []
    for i in range(1234):
        base = recorded[i % len(recorded)]
        attempt = base.attempt and dataclasses.replace(base.attempt, start_time=1000.0 + i)
        rows.append(
            dataclasses.replace(base, rollout_id=f"ro-{i:05d}", start_time=1000.0 + i, attempt=attempt)
        )
    return tuple(rows)


def ids(page) -> list[str]:
    return [r.rollout_id for r in page.rows]


def test_default_is_newest_first_100_per_page(many) -> None:
    page = query_rollouts(many, RolloutQuery(), now=NOW)
    assert (page.page, page.page_size, page.page_count, page.matching, page.total) == (
        0,
        100,
        13,
        1234,
        1234,
    )
    assert ids(page)[:3] == ["ro-01233", "ro-01232", "ro-01231"]
    starts = [start_time(r) for r in page.rows]
    assert starts == sorted(starts, reverse=True)


@pytest.mark.parametrize("size", PAGE_SIZES)
def test_pages_cover_every_row_once(many, size: int) -> None:
    index = RolloutIndex(many, now=NOW)
    first = index.query(RolloutQuery(page_size=size))
    seen = []
    for number in range(first.page_count):
        seen += ids(index.query(RolloutQuery(page=number, page_size=size)))
    assert sorted(seen) == sorted(r.rollout_id for r in many)
    assert len(seen) == len(set(seen))


def test_page_numbers_are_clamped(many) -> None:
    index = RolloutIndex(many, now=NOW)
    last = index.query(RolloutQuery(page=999, page_size=500))
    assert (last.page, len(last.rows)) == (2, 234)
    assert index.query(RolloutQuery(page=-3)).page == 0


def test_empty_list_has_one_empty_page() -> None:
    page = query_rollouts((), RolloutQuery())
    assert (page.rows, page.page, page.page_count, page.matching) == ((), 0, 1, 0)


@pytest.mark.parametrize("column", COLUMNS)
def test_every_column_sorts_both_ways_with_blanks_last(recorded, column: str) -> None:
    index = RolloutIndex(recorded, now=NOW)
    up = ids(index.query(RolloutQuery(sort=column, descending=False)))
    down = ids(index.query(RolloutQuery(sort=column, descending=True)))
    assert sorted(up) == sorted(down) == sorted(r.rollout_id for r in recorded)
    blanks = {
        "attempt": {r.rollout_id for r in recorded if r.attempt is None},
        "worker": {r.rollout_id for r in recorded if r.attempt is None},
        "mode": {"ro-bbb903f2bb99"},
    }.get(column, set())
    if blanks:
        assert set(up[-len(blanks) :]) == blanks == set(down[-len(blanks) :])


def test_sort_by_attempt_fields(recorded) -> None:
    page = query_rollouts(recorded, RolloutQuery(sort="worker", descending=False), now=NOW)
    workers = [r.attempt.worker_id for r in page.rows if r.attempt]
    assert workers == sorted(workers)
    page = query_rollouts(recorded, RolloutQuery(sort="heartbeat"), now=NOW)
    beats = [r.attempt.last_heartbeat_time for r in page.rows if r.attempt]
    beats = [b for b in beats if b is not None]
    assert beats == sorted(beats, reverse=True)


def test_sort_by_status_and_input(recorded) -> None:
    page = query_rollouts(recorded, RolloutQuery(sort="status", descending=False), now=NOW)
    statuses = [r.status for r in page.rows]
    assert statuses == sorted(statuses)
    page = query_rollouts(recorded, RolloutQuery(sort="input", descending=False), now=NOW)
    previews = [input_preview(r.input, 200) for r in page.rows]
    assert previews == sorted(previews)
    assert len(set(previews)) > 5


def test_filter_by_status_mode_and_id(recorded) -> None:
    failed = query_rollouts(recorded, RolloutQuery(statuses=frozenset({"failed"})))
    assert set(ids(failed)) == {"ro-075f4ed6cbcf", "ro-364525e2d97a"}
    val_or_none = query_rollouts(recorded, RolloutQuery(modes=frozenset({"val", None})))
    assert {r.mode for r in val_or_none.rows} == {"val", None}
    both = query_rollouts(
        recorded,
        RolloutQuery(statuses=frozenset({"queuing"}), modes=frozenset({"test"})),
    )
    assert ids(both) == ["ro-13ef00b5635c"]
    found = query_rollouts(recorded, RolloutQuery(search="  6EED "))
    assert ids(found) == ["ro-6eedb2fc3a09"]
    assert found.total == len(recorded) and found.matching == 1
    assert query_rollouts(recorded, RolloutQuery(search="zzz")).rows == ()


def test_repeated_queries_reuse_the_work(many) -> None:
    index = RolloutIndex(many, now=NOW)
    query = RolloutQuery(sort="rollout", statuses=frozenset({"failed"}))
    assert index.matching(query) is index.matching(dataclasses.replace(query, page=3))
    assert index.order("rollout", True) is index.order("rollout", True)


def test_bad_queries_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown sort column"):
        RolloutQuery(sort="colour")
    with pytest.raises(ValueError, match="page size"):
        RolloutQuery(page_size=0)


def test_warming_sorts_every_column_ahead(many) -> None:
    index = RolloutIndex(many, now=NOW).warm()
    cold = RolloutIndex(many, now=NOW)
    for column in COLUMNS:
        query = RolloutQuery(sort=column, descending=False)
        assert ids(index.query(query)) == ids(cold.query(query))
