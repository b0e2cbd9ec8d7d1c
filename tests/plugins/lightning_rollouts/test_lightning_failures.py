"""Bad input in the deck: a server that is down, stalls, errs or is not the store; odd data.

The deck must say what is wrong where the data would be, keep answering keys, and recover
by itself once the server is back.
"""

from __future__ import annotations

import copy
import time

from deck_helpers import keys, loaded, rollouts, status_line, wait_until
from fixture_store import FixtureStore
from lightning_support import fixture_json

from deck.plugins.lightning_rollouts.panels_rollout_rows import RANKED


def test_server_down_at_start_then_up(fixture_store: FixtureStore, open_lightning) -> None:
    fixture_store.stop()  # nothing listens on its port now
    deck = open_lightning(url=fixture_store.url, health_interval=0.5)
    deck.first_results()
    screen = deck.wait_for("● Offline")
    assert f"OfflineError: cannot reach {fixture_store.url} (connection refused)" in screen
    assert "Is `agl store` running" in screen
    deck.press("2", "4", "5")  # the deck keeps working without a server
    assert "● Offline" in deck.text() and "connection refused" in deck.text()
    deck.press("1")
    fixture_store.start()  # same port; nobody presses a key
    wait_until(deck, lambda: "● Online" in deck.text(), "the header going Online", 6)
    wait_until(deck, lambda: len(keys(deck)) == 14, "the rollouts arriving", 6)
    assert "connection refused" not in deck.text()


def test_server_down_mid_session_keeps_the_data_and_recovers(
    fixture_store: FixtureStore, open_lightning
) -> None:
    deck = loaded(open_lightning(url=fixture_store.url, health_interval=0.5))
    shown = keys(deck)
    fixture_store.stop()
    deck.press("r")
    wait_until(deck, lambda: "● Offline" in deck.text(), "the header going Offline", 5)
    wait_until(deck, lambda: "stale" in deck.text(), "the table marked stale", 5)
    assert keys(deck) == shown  # the last good data stays on show
    assert "OfflineError: cannot reach" in deck.text()
    deck.press("j", "j")
    assert rollouts(deck).table.cursor == 2
    fixture_store.start()
    wait_until(deck, lambda: "● Online" in deck.text(), "the header going Online", 5)
    wait_until(deck, lambda: "stale" not in deck.text(), "fresh data", 5)


def test_a_url_that_answers_html(fixture_store: FixtureStore, open_lightning) -> None:
    page = b"<!doctype html><html><body>Agent-lightning dashboard</body></html>"
    fixture_store.override = lambda method, path: (200, page, "text/html; charset=utf-8")
    deck = open_lightning(url=fixture_store.url)
    deck.first_results()
    screen = deck.wait_for("● Offline")
    flat = " ".join(line.strip("│ ") for line in screen.splitlines())  # the message wraps
    assert "HTTP 200 HTML from a server that is not a LightningStore" in flat


def test_422_and_500_answers_are_shown_as_the_server_gave_them(
    fixture_store: FixtureStore, open_lightning
) -> None:
    invalid = fixture_json("error_status_in_bogus.json")
    fixture_store.override = lambda method, path: (
        (422, invalid, "application/json") if path.startswith("/v1/agl/rollouts?") else None
    )
    deck = open_lightning(url=fixture_store.url)
    deck.first_results()
    screen = deck.wait_for("HTTPStatusError")
    assert "the server answered 422: query.status_in.0: Input should be 'queuing'" in screen
    assert "● Online" in screen  # the server is up: only this list fails
    fixture_store.override = None
    deck.press("r")
    wait_until(deck, lambda: len(keys(deck)) == 14, "the rollouts after the fix")
    # A rollout that vanished meanwhile: the store answers 500 for unknown ids.
    fixture_store.rollouts = [r for r in fixture_store.rollouts if r["rollout_id"] != "ro-0347ec6024a6"]
    rollouts(deck).table.select("ro-0347ec6024a6")
    deck.press("c")
    assert "rollout ro-0347ec6024a6 no longer exists" in deck.wait_for("no longer exists")


def test_a_stalled_server_times_out_and_never_freezes_the_ui(
    fixture_store: FixtureStore, open_lightning
) -> None:
    deck = loaded(open_lightning(url=fixture_store.url, timeout=1.5, connect_timeout=1.0))
    fixture_store.stall()
    deck.press("r")
    table = rollouts(deck).table
    for _ in range(5):  # while the fetch hangs, every key is handled at once
        started = time.monotonic()
        deck.press("j", "2", "1")
        assert time.monotonic() - started < 0.5
    assert table.cursor == 5
    deck.press("enter")  # an expandable row or not, the UI answers: JSON of row 5
    deck.wait_for("Rollout ")
    deck.press("esc")
    wait_until(deck, lambda: "no answer within 1.5s" in deck.text(), "the timeout", 8)
    fixture_store.unstall()
    deck.press("r")
    wait_until(deck, lambda: "stale" not in deck.text(), "the recovery", 8)


def test_a_stalled_expansion_shows_loading_then_the_error(
    fixture_store: FixtureStore, open_lightning
) -> None:
    deck = loaded(open_lightning(url=fixture_store.url, timeout=1.0))
    table = rollouts(deck).table
    table.select("ro-6eedb2fc3a09")
    fixture_store.stall()
    deck.press("right")
    assert "loading…" in deck.text()
    deck.press("k", "j")  # the table still moves
    wait_until(deck, lambda: "error: RequestTimeoutError: no answer within 1s" in deck.text(), "the error", 8)
    fixture_store.unstall()


def test_huge_inputs_and_escape_sequences_are_cut_and_shown_escaped(
    fixture_store: FixtureStore, open_lightning
) -> None:
    template = fixture_json("rollouts.json")["items"][0]
    deep: object = "bottom"
    for _ in range(150):
        deep = [deep]
    odd = {
        "ro-huge": "x" * 2_000_000,
        "ro-deep": deep,
        "ro-escapes": "\x1b[31mred\x1b[0m\x07 and \x1b]0;title\x07",
    }
    for rollout_id, value in odd.items():
        rollout = copy.deepcopy(template)
        rollout.update(rollout_id=rollout_id, input=value, start_time=template["start_time"] + 999)
        rollout["attempt"].update(rollout_id=rollout_id, start_time=template["start_time"] + 999)
        if rollout_id == "ro-escapes":
            rollout["attempt"]["worker_id"] = "w\x1b[2J"
        fixture_store.rollouts.append(rollout)
    deck = loaded(open_lightning(url=fixture_store.url, size=(200, 30)))
    screen = deck.text()
    assert "\x1b" not in screen and "\x07" not in screen
    huge = next(line for line in screen.splitlines() if "ro-huge" in line)
    assert '"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' in huge
    escaped = next(line for line in screen.splitlines() if "ro-escapes" in line)
    assert '"\\u001b[31mred' in escaped  # JSON escapes it first
    assert "w\\e[2J" in escaped  # the kit escapes what reaches the screen raw
    deep_row = next(line for line in screen.splitlines() if "ro-deep" in line)
    assert "[[[[[[[[[[" in deep_row
    rollouts(deck).table.select("ro-huge")
    started = time.monotonic()
    deck.press("v")
    deck.wait_for("Rollout ro-huge")
    assert time.monotonic() - started < 2
    deck.press("esc")
    rollouts(deck).table.select("ro-deep")
    deck.press("v")
    deck.wait_for("Rollout ro-deep")


def test_cancel_and_requeue_ask_first_and_refuse_what_makes_no_sense(
    fixture_store: FixtureStore, open_lightning
) -> None:
    deck = loaded(open_lightning(url=fixture_store.url))
    table = rollouts(deck).table
    table.select("ro-339e107ec270")  # succeeded
    deck.press("c")
    assert "ro-339e107ec270 is succeeded: only preparing, queuing, requeuing, running" in deck.wait_for(
        "can be cancelled"
    )
    table.select("ro-0347ec6024a6")  # running
    deck.press("c")
    screen = deck.wait_for("Cancel rollout ro-0347ec6024a6 (running)?")
    assert "[ Cancel it ]" in screen and "[ Keep it ]" in screen
    assert "a runner already working on it is not interrupted" in screen
    deck.press("enter")  # a destructive question starts on Keep it: Enter changes nothing
    line = deck.wait_for("cancel abandoned")
    assert "cancel abandoned: ro-0347ec6024a6 kept as it was" in line and "✓" not in status_line(deck)
    assert fixture_store.count("POST") == 0
    deck.press("c")
    deck.wait_for("Cancel rollout ro-0347ec6024a6")
    deck.press("y")
    wait_until(deck, lambda: "ro-0347ec6024a6 is now cancelled" in status_line(deck), "the cancel")
    assert fixture_store.count("POST /v1/agl/rollouts/ro-0347ec6024a6") == 1
    wait_until(
        deck,
        lambda: any(
            r.rollout.status == "cancelled" for r in table.visible_rows if r.key == "ro-0347ec6024a6"
        ),
        "the row refreshed",
    )
    assert "cancelled - runni" in deck.text()

    table.select("ro-075f4ed6cbcf")  # failed
    deck.press("R")
    screen = deck.wait_for("Requeue rollout ro-075f4ed6cbcf (failed)?")
    assert "the next free runner starts attempt #2" in screen
    assert "[ Requeue it ]" in screen and "[ Keep it ]" in screen  # the same dialog, the same words
    deck.press("esc")
    assert "requeue abandoned: ro-075f4ed6cbcf kept as it was" in deck.wait_for("requeue abandoned")
    deck.press("R")
    deck.wait_for("Requeue rollout ro-075f4ed6cbcf (failed)?")
    deck.press("y")
    wait_until(deck, lambda: "ro-075f4ed6cbcf is now requeuing" in status_line(deck), "the requeue")
    table.select("ro-bbb903f2bb99")  # queuing
    deck.press("R")
    assert "only cancelled or failed rollouts can be requeued" in deck.wait_for("can be requeued")


def test_read_only_disables_cancel_and_requeue(fixture_store: FixtureStore, open_lightning) -> None:
    deck = loaded(open_lightning(url=fixture_store.url, read_only=True))
    rollouts(deck).table.select("ro-0347ec6024a6")
    deck.press("c")
    assert "Cancel: disabled in read-only mode" in status_line(deck)
    deck.press("R")
    assert "Requeue: disabled in read-only mode" in status_line(deck)
    deck.press("e")  # an export writes a file: read-only blocks it too
    assert "Export JSONL: disabled in read-only mode" in status_line(deck)
    assert "READ-ONLY" in deck.text()
    assert fixture_store.count("POST") == 0


def test_offline_is_plain_at_80x24_rows_freeze_and_r_says_it_failed(
    fixture_store: FixtureStore, open_lightning
) -> None:
    running = next(r for r in fixture_store.rollouts if r["status"] == "running")
    deck = loaded(open_lightning(url=fixture_store.url, health_interval=0.5, size=(80, 24)))
    rollouts(deck).table.select(running["rollout_id"])
    fixture_store.stop()  # nobody presses a key: the deck notices by itself
    wait_until(deck, lambda: "stale" in deck.text(), "the table marked stale at 80x24", 15)
    assert "OfflineError" in deck.text(), deck.text()
    wait_until(deck, lambda: "● Offline" in deck.text().splitlines()[0], "the header saying Offline", 15)
    row = rollouts(deck).table.selected
    assert row is not None and row.frozen_at is not None
    column = next(r.column for r in RANKED if r.column.title == "Duration")
    duration = column.value(row)
    time.sleep(1.1)  # a live running row would be a second older now
    assert column.value(rollouts(deck).table.selected) == duration
    deck.press("r")
    wait_until(deck, lambda: "refresh failed" in status_line(deck), "r reporting the failure", 10)
    assert "✓" not in status_line(deck) and "OfflineError" in status_line(deck)
