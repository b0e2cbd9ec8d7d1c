"""Cell texts and colours as the dashboard design specifies them."""

from __future__ import annotations

import dataclasses
import time

import pytest
from lightning_support import fixture_json

from deck.plugins.lightning_rollouts.model import ROLLOUT_STATUSES, parse_rollout
from deck.plugins.lightning_rollouts.model_display import (
    CANCELLABLE_STATUSES,
    REQUEUEABLE_STATUSES,
    STATUS_ROLES,
    duration_seconds,
    format_duration,
    format_local_time,
    format_relative,
    input_preview,
    start_time,
    status_role,
    status_text,
)


@pytest.fixture(scope="module")
def rollouts():
    items = fixture_json("rollouts.json")["items"]
    return {r.rollout_id: r for r in map(parse_rollout, items)}


@pytest.fixture
def timezone(monkeypatch):
    def use(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


def test_status_text_shows_both_when_they_differ(rollouts) -> None:
    assert status_text(rollouts["ro-339e107ec270"]) == "succeeded"
    assert status_text(rollouts["ro-364525e2d97a"]) == "failed - timeout"
    assert status_text(rollouts["ro-b792532331b1"]) == "cancelled - running"
    assert status_text(rollouts["ro-e0cdb91e2d74"]) == "cancelled"


def test_nested_rows_use_their_own_attempt(rollouts) -> None:
    rollout = rollouts["ro-6eedb2fc3a09"]
    first = dataclasses.replace(rollout.attempt, status="failed")
    assert status_text(rollout, first) == "succeeded - failed"
    assert status_text(rollout, rollout.attempt) == "succeeded"


@pytest.mark.parametrize(
    ("status", "role"),
    [
        ("succeeded", "good"),
        ("failed", "bad"),
        ("running", "info"),
        ("preparing", "magenta"),
        ("timeout", "warn"),
        ("unresponsive", "warn"),
        ("queuing", "muted"),
        ("requeuing", "muted"),
        ("cancelled", "muted"),
        ("from-the-future", "text"),
    ],
)
def test_status_roles(status: str, role: str) -> None:
    assert status_role(status) == role


def test_every_rollout_status_has_a_role() -> None:
    assert set(ROLLOUT_STATUSES) <= set(STATUS_ROLES)


def test_input_preview_is_compact_json_cut_to_35(rollouts) -> None:
    assert input_preview(rollouts["ro-13ef00b5635c"].input) == "[1,2,3,5,8]"
    long_text = input_preview(rollouts["ro-9ebe9f1381c8"].input)
    assert len(long_text) == 35 and long_text.endswith("…")
    assert long_text.startswith('"日本語 ✓ — a unicode')
    assert input_preview(rollouts["ro-339e107ec270"].input) == '{"question":"What is 17 * 23?","an…'
    assert input_preview(None) == "null"


def test_input_preview_keeps_control_characters_as_json_escapes() -> None:
    assert input_preview("\x1b[31m") == '"\\u001b[31m"'


def test_local_time(timezone) -> None:
    timezone("UTC")
    assert format_local_time(0.0) == "1970-01-01 00:00:00"
    assert format_local_time(1795642604.4895191) == "2026-11-25 21:36:44"
    timezone("Asia/Tokyo")
    assert format_local_time(1795642604.4895191) == "2026-11-26 06:36:44"
    assert format_local_time(None) == "N/A"
    assert format_local_time(1e20) == "N/A"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (5415, "1h 30m 15s"),
        (0, "0s"),
        (0.25, "250ms"),
        (59.9, "59s"),
        (60, "1m 0s"),
        (3600, "1h 0m 0s"),
        (90061, "1d 1h 1m 1s"),
        (None, "N/A"),
        (-1, "N/A"),
        (float("nan"), "N/A"),
    ],
)
def test_durations(seconds, text: str) -> None:
    assert format_duration(seconds) == text


def test_relative_heartbeat() -> None:
    assert format_relative(1000.0, now=1000.0 + 5415.7) == "1h 30m 15s ago"
    assert format_relative(1000.0, now=1000.2) == "0s ago"
    assert format_relative(1010.0, now=1000.0) == "in 10s"
    assert format_relative(None, now=1.0) == "N/A"


def test_start_and_duration_come_from_the_attempt_when_there_is_one(rollouts) -> None:
    retried = rollouts["ro-6eedb2fc3a09"]
    assert start_time(retried) == retried.attempt.start_time != retried.start_time
    assert duration_seconds(retried) == pytest.approx(0.0759771, abs=1e-6)
    queued = rollouts["ro-13ef00b5635c"]
    assert start_time(queued) == queued.start_time
    assert duration_seconds(queued, now=queued.start_time + 10) == pytest.approx(10)


def test_duration_of_dead_attempts_without_end_is_unknown(rollouts) -> None:
    timed_out = rollouts["ro-364525e2d97a"]  # attempt timeout, end_time null
    assert duration_seconds(timed_out, now=time.time()) is None
    running = rollouts["ro-0347ec6024a6"]
    assert duration_seconds(running, now=running.attempt.start_time + 3) == pytest.approx(3)


def test_which_actions_apply(rollouts) -> None:
    assert set(ROLLOUT_STATUSES) >= CANCELLABLE_STATUSES | REQUEUEABLE_STATUSES
    assert not CANCELLABLE_STATUSES & REQUEUEABLE_STATUSES  # a rollout is never offered both
    assert rollouts["ro-0347ec6024a6"].status in CANCELLABLE_STATUSES  # running
    assert rollouts["ro-13ef00b5635c"].status in CANCELLABLE_STATUSES  # queuing
    assert rollouts["ro-339e107ec270"].status not in CANCELLABLE_STATUSES | REQUEUEABLE_STATUSES  # succeeded
    assert rollouts["ro-075f4ed6cbcf"].status in REQUEUEABLE_STATUSES  # failed
    assert rollouts["ro-e0cdb91e2d74"].status in REQUEUEABLE_STATUSES  # cancelled
