"""The UI's pieces on their own: column fitting, tree guides, refresh timing, themes, cells."""

from __future__ import annotations

import time

import pytest
from lightning_support import fixture_json

from deck import Result
from deck.plugins.lightning_rollouts.actions_rollouts import json_of
from deck.plugins.lightning_rollouts.model import (
    parse_items,
    parse_resources,
    parse_rollout,
    parse_span,
    parse_worker,
)
from deck.plugins.lightning_rollouts.model_query import RolloutQuery
from deck.plugins.lightning_rollouts.model_spans import SpanNode, build_span_tree, flatten
from deck.plugins.lightning_rollouts.panels import ResourceRow, connection_markup, describe_resource
from deck.plugins.lightning_rollouts.panels_columns import Ranked, fit_columns, millis_time, status_badge
from deck.plugins.lightning_rollouts.panels_rollout_rows import RolloutRow, describe_filters
from deck.plugins.lightning_rollouts.panels_traces import span_duration, tree_prefixes
from deck.plugins.lightning_rollouts.source import (
    Health,
    LightningConfig,
    LightningConnection,
    auto_refresh_seconds,
)
from deck.plugins.lightning_rollouts.source_settings import Refresher, system_theme, theme_for
from deck.widgets import Column


def ranked(*specs: tuple[str, int, int]) -> list[Ranked]:
    return [Ranked(Column(title, lambda r: r, width=width), rank) for title, width, rank in specs]


def test_columns_that_fit_are_the_best_ranked_in_their_own_order() -> None:
    columns = ranked(("a", 10, 1), ("b", 10, 3), ("c", 10, 2), ("d", 5, 4))
    assert [c.title for c in fit_columns(columns, 100)] == ["a", "b", "c", "d"]
    assert [c.title for c in fit_columns(columns, 21)] == ["a", "c"]  # 10 + 1 + 10
    assert [c.title for c in fit_columns(columns, 27)] == ["a", "c", "d"]  # b does not fit, d does
    assert [c.title for c in fit_columns(columns, 3)] == ["a"]  # the first always shows


def test_tree_guides_follow_the_hierarchy() -> None:
    spans = parse_items(fixture_json("spans_rollout_ro-339e107ec270.json")["items"], parse_span, "span")
    rows = flatten(build_span_tree(spans))
    assert tree_prefixes(rows) == ["", "├─ ", "│  ├─ ", "│  └─ ", "├─ ", "│  └─ ", "└─ "]


def test_a_chain_thousands_deep_costs_little_per_row() -> None:
    span = parse_items(fixture_json("spans_rollout_ro-339e107ec270.json")["items"], parse_span, "span")[0]
    node = SpanNode(span, 3000, (), False)
    for depth in range(2999, -1, -1):
        node = SpanNode(span, depth, (node,), False)
    rows = flatten((node,))
    started = time.perf_counter()
    prefixes = tree_prefixes(rows)
    assert time.perf_counter() - started < 1.0
    assert prefixes[3] == "      └─ "
    assert prefixes[2500] == "2500┄   └─ " and max(len(p) for p in prefixes) <= 24


def test_refresher_cadence_off_and_reconnect() -> None:
    connection = LightningConnection()
    refresher = Refresher(connection)
    assert refresher.due(0.0, True) is None
    assert refresher.due(1000.0, True) is None  # off: never
    connection.auto_refresh = 5
    assert refresher.due(1001.0, True) is None  # a new cadence counts from now
    assert refresher.due(1005.5, True) is None
    assert refresher.due(1006.0, True) == "auto-refresh"
    assert refresher.due(1010.0, True) is None
    assert refresher.due(1011.0, True) == "auto-refresh"
    assert refresher.due(1012.0, False) == "went offline"  # every view fetches, and is marked stale
    assert refresher.due(1012.5, None) is None  # not known yet: nothing changes
    assert refresher.due(1013.0, True) == "back online"
    connection.auto_refresh = None
    assert refresher.due(2000.0, True) is None


@pytest.mark.parametrize(
    ("colorfgbg", "expected"),
    [("", "dark"), ("15;0", "dark"), ("0;15", "light"), ("0;default;7", "light"), ("junk", "dark")],
)
def test_system_theme_reads_the_terminal_background(colorfgbg: str, expected: str) -> None:
    assert system_theme({"COLORFGBG": colorfgbg}) == expected


def test_theme_names() -> None:
    assert theme_for("light") == "daylight"
    assert theme_for("dark") == "neon-syndicate"
    assert theme_for("system", {"COLORFGBG": "0;15"}) == "daylight"
    with pytest.raises(ValueError, match="light, dark, system"):
        theme_for("sepia")


def test_the_header_segment() -> None:
    online = Result("lightning.health", Health("u", True), fetched_at=1.0)
    assert connection_markup(online, False) == [("good", "● Online 0.3.0")]
    assert connection_markup(Result("lightning.health", Health("u", True, "1.x"), fetched_at=1.0), False) == [
        ("good", "● Online 1.x")
    ]
    assert connection_markup(online, True, now=2.0) == [("info", "◌ Refreshing")]
    assert connection_markup(online, True, now=3.0) == [("muted", "◌ Refreshing")]  # it blinks
    offline = Result("lightning.health", None, error="OfflineError: refused")
    assert connection_markup(offline, True) == [("bad", "● Offline")]
    assert connection_markup(Result("lightning.health"), False) == [("muted", "○ Connecting")]
    unhealthy = Result("lightning.health", Health("u", False), fetched_at=1.0)
    assert connection_markup(unhealthy, False) == [("warn", "● Unhealthy")]


def test_config_from_the_layout() -> None:
    config = LightningConfig.from_mapping({"url": "h:1", "auto_refresh": "off", "page_size": 50, "x": 1})
    assert (config.url, config.auto_refresh, config.page_size) == ("h:1", None, 50)
    assert LightningConfig.from_mapping({"auto_refresh": 15}).auto_refresh == 15
    assert auto_refresh_seconds(False) is None and auto_refresh_seconds(0) is None
    with pytest.raises(ValueError, match="off or a number of seconds"):
        auto_refresh_seconds("soon")


def test_cells() -> None:
    assert status_badge("cancelled - running") == [
        ("muted", "● cancelled"),
        ("muted", " - "),
        ("info", "running"),
    ]
    assert status_badge(None) == [("muted", "N/A")]
    assert millis_time(None) == [("muted", "N/A")]
    assert millis_time(1795642604.4895191).endswith(".489")
    assert span_duration(2.4) == "2.40s" and span_duration(0.463) == "463ms"
    assert span_duration(75) == "1m 15s"
    assert describe_filters(
        RolloutQuery(statuses=frozenset({"failed"}), modes=frozenset({None}), search="ab")
    ) == [
        "status failed",
        "mode none",
        "id ~ ab",
    ]
    entry = {"resource_type": "llm", "endpoint": "http://x", "model": "m", "api_key": None, "n": {"a": 1}}
    assert describe_resource(entry) == 'model=m  endpoint=http://x  n={"a":1}'


def test_raw_json_of_each_kind_of_row() -> None:
    rollout = parse_rollout(fixture_json("rollout_ro-6eedb2fc3a09.json"))
    assert rollout is not None and rollout.attempt is not None
    title, value = json_of(RolloutRow(rollout, rollout.attempt))
    assert title == "Rollout ro-6eedb2fc3a09" and value["attempt"]["sequence_id"] == 3
    title, value = json_of(RolloutRow(rollout, rollout.attempt, nested=True))
    assert title == "Attempt #3 at-dc7cece9" and value["status"] == "succeeded"
    span = parse_span(fixture_json("spans_rollout_ro-339e107ec270.json")["items"][0])
    title, value = json_of(span)
    assert title.startswith("Span agentlightning.rollout") and "context" in value
    worker = parse_worker(fixture_json("workers.json")["items"][1])
    assert json_of(worker)[1]["heartbeat_stats"]["host"] == "node-a"
    snapshot = parse_resources(fixture_json("resources_latest.json"))
    assert snapshot is not None
    assert json_of(ResourceRow(snapshot, True, "main_llm"))[1]["main_llm"]["resource_type"] == "llm"
