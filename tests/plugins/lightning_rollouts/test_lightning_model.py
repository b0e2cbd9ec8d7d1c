"""Parsing keeps what the server sent, survives what it should not have sent, and freezes it."""

from __future__ import annotations

import dataclasses

import pytest
from lightning_support import fixture_json

from deck.plugins.lightning_rollouts.model import (
    RolloutConfig,
    freeze_json,
    parse_attempt,
    parse_resources,
    parse_rollout,
    parse_span,
    parse_statistics,
    parse_worker,
    to_json,
)


def test_rollouts_round_trip_to_the_servers_json() -> None:
    for raw in fixture_json("rollouts.json")["items"]:
        rollout = parse_rollout(raw)
        assert to_json(rollout) == {"attempt": None, **raw}


def test_attempts_resources_workers_round_trip() -> None:
    for raw in fixture_json("rollout_ro-6eedb2fc3a09_attempts.json")["items"]:
        assert to_json(parse_attempt(raw)) == raw
    for raw in fixture_json("resources.json")["items"]:
        assert to_json(parse_resources(raw)) == raw
    for raw in fixture_json("workers.json")["items"]:
        assert to_json(parse_worker(raw)) == raw


def test_span_keeps_every_field_in_raw() -> None:
    raw = fixture_json("spans_rollout_ro-339e107ec270.json")["items"][2]
    span = parse_span(raw)
    assert to_json(span.raw) == raw
    assert span.attributes["gen_ai.request.model"] == "Qwen/Qwen2.5-1.5B-Instruct"
    assert (span.status_code, span.status_description) == ("OK", None)


def test_parsed_values_cannot_be_changed() -> None:
    rollout = parse_rollout(fixture_json("rollout_ro-6eedb2fc3a09.json"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        rollout.status = "failed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        rollout.input["question"] = "changed"
    with pytest.raises(TypeError):
        rollout.metadata["index"] = 0
    assert isinstance(freeze_json({"a": [1, {"b": []}]})["a"], tuple)


def test_missing_keys_and_nulls() -> None:
    rollout = parse_rollout({"rollout_id": "ro-1"})
    assert rollout.status == "unknown"
    assert rollout.input is None
    assert (rollout.start_time, rollout.mode, rollout.attempt) == (None, None, None)
    assert rollout.config == RolloutConfig()
    assert rollout.metadata == {}
    nulls = parse_rollout(
        {"rollout_id": "ro-2", "config": None, "metadata": None, "attempt": None, "status": None}
    )
    assert nulls.config == RolloutConfig() and nulls.metadata == {} and nulls.status == "unknown"


@pytest.mark.parametrize("bad_time", ["1795642604.5", True, float("nan"), float("inf"), [], {"t": 1}])
def test_wrong_types_become_none(bad_time) -> None:
    attempt = parse_attempt(
        {
            "rollout_id": "ro-1",
            "attempt_id": "at-1",
            "sequence_id": "3",
            "start_time": bad_time,
            "last_heartbeat_time": bad_time,
            "worker_id": 42,
            "metadata": ["not", "a", "dict"],
        }
    )
    assert attempt.start_time is None and attempt.last_heartbeat_time is None
    assert attempt.sequence_id is None
    assert attempt.worker_id is None
    assert attempt.metadata is None


def test_integral_floats_count_as_ints() -> None:
    attempt = parse_attempt({"rollout_id": "r", "attempt_id": "a", "sequence_id": 2.0})
    assert attempt.sequence_id == 2
    assert parse_attempt({"rollout_id": "r", "attempt_id": "a", "sequence_id": 2.5}).sequence_id is None


@pytest.mark.parametrize(
    ("parse", "data"),
    [
        (parse_rollout, {"input": 1}),
        (parse_rollout, {"rollout_id": None}),
        (parse_attempt, {"rollout_id": "r"}),
        (parse_resources, {"version": 1}),
        (parse_span, {"name": "x"}),
        (parse_worker, {"status": "idle"}),
        (parse_rollout, ["rollout_id", "ro-1"]),
        (parse_worker, None),
    ],
)
def test_items_without_identity_are_rejected(parse, data) -> None:
    assert parse(data) is None


def test_a_malformed_latest_attempt_leaves_the_rollout() -> None:
    rollout = parse_rollout({"rollout_id": "ro-1", "attempt": {"attempt_id": 3}})
    assert rollout is not None and rollout.attempt is None


def test_config_with_odd_values() -> None:
    config = parse_rollout(
        {"rollout_id": "r", "config": {"max_attempts": "3", "retry_condition": ["failed", 7, None]}}
    ).config
    assert config.max_attempts is None
    assert config.retry_condition == ("failed",)


def test_statistics_tolerate_anything() -> None:
    assert parse_statistics(None).total_rollouts is None
    stats = parse_statistics({"total_rollouts": "14", "uptime": 3, "extra": {"x": [1]}})
    assert stats.total_rollouts is None
    assert stats.uptime == 3.0
    assert stats.values["extra"]["x"] == (1,)


def test_span_status_variants() -> None:
    base = {"span_id": "s1", "parent_id": "", "status": "ERROR"}
    span = parse_span(base)
    assert span.status_code == "UNSET"
    assert span.parent_id is None
    assert (
        parse_span({**base, "status": {"status_code": "ERROR", "description": "boom"}}).status_code == "ERROR"
    )


def test_very_deep_json_is_kept() -> None:
    deep: list = []
    for _ in range(600):
        deep = [deep]
    rollout = parse_rollout({"rollout_id": "ro-deep", "input": deep})
    depth, value = 0, rollout.input
    while value:
        value, depth = value[0], depth + 1
    assert depth == 600
