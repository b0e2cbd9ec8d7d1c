"""The Rollouts screen against the recorded store, served by a real local HTTP server."""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from datetime import datetime

from deck_helpers import keys, loaded, rollouts, search, status_line, wait_until
from fixture_store import FixtureStore, aged, more_rollouts

from deck.plugins.lightning_rollouts.panels_rollout_rows import RANKED


def cells(row) -> dict[str, object]:
    """Every column's raw value for a row, by heading."""
    return {ranked.column.title: ranked.column.value(row) for ranked in RANKED}


def test_the_table_reads_as_the_design_says(fixture_store: FixtureStore, open_lightning) -> None:
    recorded = aged(fixture_store.rollouts, newest_age=90, now=time.time())
    deck = loaded(open_lightning(url=fixture_store.url, size=(200, 30)))
    screen = deck.text()
    newest_first = sorted(recorded, key=lambda r: r["start_time"], reverse=True)
    assert keys(deck) == [r["rollout_id"] for r in newest_first]
    assert "page 1/1 · 100 per page · 14 rollouts" in screen
    assert "● Online 0.3.0" in deck.wait_for("● Online")
    heading = next(line for line in screen.splitlines() if "Rollout" in line and "Worker ID" in line)
    titles = ["Rollout", "Attempt", "Input", "Status", "Resources ID", "Mode", "Start Time ▼"]
    titles += ["Duration", "Last Heartbeat", "Worker ID", "Actions"]
    positions = [heading.index(title) for title in titles]
    assert positions == sorted(positions)

    by_id = {row.key: cells(row) for row in rollouts(deck).table.visible_rows}
    cancelled = by_id["ro-b792532331b1"]
    assert cancelled["Status"] == "cancelled - running"
    assert cancelled["Worker ID"] == "worker-1"
    queued = by_id["ro-bbb903f2bb99"]
    assert (queued["Attempt"], queued["Mode"], queued["Last Heartbeat"]) == (None, None, None)
    long_input = by_id["ro-9ebe9f1381c8"]["Input"]
    assert len(long_input) == 35 and long_input.endswith("…")
    started = recorded[0]["attempt"]["start_time"]
    assert datetime.fromtimestamp(started).strftime("%Y-%m-%d %H:%M:%S") in screen
    row = next(line for line in screen.splitlines() if "ro-339e107ec270" in line)
    assert re.search(r"\b182ms\b", row) and "ago" in row and "v json t traces" in row
    queued_row = next(line for line in screen.splitlines() if "ro-bbb903f2bb99" in line)
    assert queued_row.count("N/A") >= 3


def test_pages_and_page_size(fixture_store: FixtureStore, open_lightning) -> None:
    fixture_store.rollouts += more_rollouts(230)
    deck = loaded(open_lightning(url=fixture_store.url))
    assert "page 1/3 · 100 per page · 244 rollouts" in deck.text()
    first = keys(deck)
    deck.press("n")
    assert "page 2/3" in deck.text()
    second = keys(deck)
    assert len(second) == 100 and not set(first) & set(second)
    deck.press("n", "n")
    assert "page 3/3" in deck.text() and len(keys(deck)) == 44
    assert "already on the last page" in status_line(deck)
    deck.press("p", "p")
    assert keys(deck) == first
    deck.press("n", "P")
    deck.wait_for("Rollouts per page")
    deck.press("1")  # 50 per page: the first row on show stays on show
    assert "page 3/5 · 50 per page · 244 rollouts" in deck.text()
    assert keys(deck)[0] == second[0]
    assert fixture_store.count("GET /v1/agl/rollouts?limit=-1") == 1  # every view was local


def test_a_page_fetched_ahead_is_kept_when_the_operator_pages_meanwhile(
    fixture_store: FixtureStore, open_lightning
) -> None:
    fixture_store.rollouts += more_rollouts(230)
    held, answered = threading.Event(), threading.Event()

    def hold_page_3(method: str, path: str) -> None:
        if "offset=200" in path:
            held.set()
            answered.wait(20)

    fixture_store.override = hold_page_3
    deck = loaded(open_lightning(url=fixture_store.url, client_side_limit=100))
    connection = rollouts(deck).connection
    page_2 = dataclasses.replace(rollouts(deck).query, page=1)
    wait_until(deck, lambda: connection.cached_page(page_2) is not None, "page 2 fetched ahead")
    deck.press("n")  # page 2, and page 3 is fetched ahead: the store holds that answer
    wait_until(deck, held.is_set, "page 3 asked for")
    deck.press("p")  # back to page 1 while page 3 is on its way
    wait_until(deck, lambda: "page 1/3" in deck.text(), "page 1")
    answered.set()
    page_3 = dataclasses.replace(page_2, page=2)
    wait_until(deck, lambda: connection.cached_page(page_3) is not None, "page 3 kept")
    deck.press("n", "n")
    wait_until(deck, lambda: "page 3/3" in deck.text() and len(keys(deck)) == 44, "page 3")
    assert fixture_store.count("offset=200") == 1


def test_sorting_orders_every_rollout_not_only_the_page(fixture_store: FixtureStore, open_lightning) -> None:
    fixture_store.rollouts += more_rollouts(230)
    deck = loaded(open_lightning(url=fixture_store.url))
    ids = sorted(r["rollout_id"] for r in fixture_store.rollouts)
    deck.press("s")
    deck.wait_for("Sort every rollout by")
    deck.press("1")  # Rollout
    assert keys(deck)[:3] == ids[:3]
    assert "Rollout ▲" in deck.text() and "sorted by Rollout, ascending" in status_line(deck)
    deck.press("s")  # the sorted column again inverts it
    deck.wait_for("again: invert")
    deck.press("1")
    assert keys(deck)[0] == ids[-1] and "Rollout ▼" in deck.text()
    rollouts(deck).table.sort_by("Input")  # a heading click goes through the query too
    deck.wait_for("Input ▲")
    inputs = sorted(rollouts(deck).table.visible_rows, key=lambda r: cells(r)["Input"])
    assert keys(deck)[0] == inputs[0].key
    deck.press("I")  # the table's own key inverts the whole list's order
    assert "Input ▼" in deck.text()
    rollouts(deck).table.sort_by("Rollout")
    deck.wait_for("Rollout ▲")
    assert keys(deck)[:3] == ids[:3]
    rollouts(deck).table.sort_by("Worker ID")
    deck.wait_for("Worker ID▲")
    assert "Worker ID▲" in deck.text()  # a narrow heading keeps its arrow


def test_filters_and_search(fixture_store: FixtureStore, open_lightning) -> None:
    fixture_store.rollouts += more_rollouts(30)
    deck = loaded(open_lightning(url=fixture_store.url))
    failed = {r["rollout_id"] for r in fixture_store.rollouts if r["status"] == "failed"}
    deck.press("f")
    deck.wait_for("Show rollouts whose status is")
    deck.press("5")  # any, queuing, preparing, running, failed
    assert set(keys(deck)) == failed
    assert f"{len(failed)} of 44 rollouts · status failed" in deck.text()
    deck.press("m")
    deck.wait_for("Show rollouts whose mode is")
    deck.press("4")  # any, train, val, test
    both = {
        r["rollout_id"] for r in fixture_store.rollouts if r["status"] == "failed" and r["mode"] == "test"
    }
    assert set(keys(deck)) == both and "mode test" in deck.text()
    deck.press("x")
    assert len(keys(deck)) == 44
    search(deck, "6EEDB")  # ids are matched whatever the case
    assert keys(deck) == ["ro-6eedb2fc3a09"] and "id ~ 6EEDB" in deck.text()
    deck.press("x", "/")
    deck.type("extra000001")
    assert len(keys(deck)) == 10  # narrows as it is typed
    deck.press("esc")
    assert len(keys(deck)) == 44


def test_a_retried_rollout_opens_into_its_attempts_fetched_when_asked(
    fixture_store: FixtureStore, open_lightning
) -> None:
    deck = loaded(open_lightning(url=fixture_store.url))
    assert fixture_store.count("/attempts") == 0
    table = rollouts(deck).table
    assert table.select("ro-6eedb2fc3a09")
    deck.press("right")
    wait_until(deck, lambda: "at-d8e97006" in keys(deck), "the attempts loading")
    position = keys(deck).index("ro-6eedb2fc3a09")
    assert keys(deck)[position + 1 : position + 4] == ["at-d8e97006", "at-36cbe283", "at-dc7cece9"]
    nested = table.visible_rows[position + 1 : position + 4]
    assert [cells(r)["Status"] for r in nested] == ["failed", "timeout", "succeeded"]
    assert cells(nested[0])["Rollout"] == "#1 at-d8e97006"
    screen = deck.text()
    assert "▾ ro-6eedb2fc3a09" in screen and "└ #2 at-36cbe283" in screen
    assert fixture_store.count("/attempts") == 1
    deck.press("left")
    assert "at-d8e97006" not in keys(deck)
    assert table.select("ro-339e107ec270")  # one attempt: Enter shows the raw JSON instead
    deck.press("enter")
    screen = deck.wait_for("Rollout ro-339e107ec270")
    assert '"rollout_id": "ro-339e107ec270",' in screen and '"attempt": {' in screen


def test_actions_column_keys_json_and_traces(fixture_store: FixtureStore, open_lightning) -> None:
    deck = loaded(open_lightning(url=fixture_store.url))
    assert rollouts(deck).table.select("ro-339e107ec270")
    deck.press("v")
    deck.wait_for('"question": "What is 17 * 23?",')
    deck.press("esc", "t")
    screen = deck.wait_for("agentlightning.annotation")
    assert "ro-339e107ec270 · attempt #1 of 1 (at-b7fb2ece) · 7 spans" in screen
    assert "├─ agent.step" in screen and "│  ├─ openai.chat.completion" in screen
    assert "└─ agentlightning.annotation" in screen
    assert "Timeline · 0 →" in screen and "█" in screen
    assert "3 Traces" in screen and "traces of ro-339e107ec270 (at-b7fb2ece)" in status_line(deck)


def test_past_the_client_side_limit_the_server_pages(fixture_store: FixtureStore, open_lightning) -> None:
    fixture_store.rollouts += more_rollouts(230)
    deck = loaded(open_lightning(url=fixture_store.url, client_side_limit=100))
    assert fixture_store.count("GET /v1/agl/rollouts?limit=-1") == 0
    assert "page 1/3 · 100 per page · 244 rollouts · server paged" in deck.text()
    newest = sorted(fixture_store.rollouts, key=lambda r: r["start_time"], reverse=True)
    assert keys(deck) == [r["rollout_id"] for r in newest[:100]]
    connection = rollouts(deck).connection
    page_2 = dataclasses.replace(rollouts(deck).query, page=1)
    wait_until(deck, lambda: connection.cached_page(page_2) is not None, "page 2 fetched ahead")
    requests = fixture_store.count("GET /v1/agl/rollouts?")
    deck.press("n")  # from the page fetched ahead: no request
    wait_until(deck, lambda: keys(deck)[0] == newest[100]["rollout_id"], "page 2")
    assert "page 2/3" in deck.text()
    deck.press("p")
    wait_until(deck, lambda: keys(deck)[0] == newest[0]["rollout_id"], "page 1 again")
    deck.press("n")
    page_3 = dataclasses.replace(rollouts(deck).query, page=2)
    wait_until(deck, lambda: connection.cached_page(page_3) is not None, "page 3 fetched ahead")
    deck.press("n")
    wait_until(deck, lambda: "page 3/3" in deck.text() and len(keys(deck)) == 44, "page 3")
    assert fixture_store.count("GET /v1/agl/rollouts?") == requests + 1, (
        fixture_store.requests
    )  # only page 3, ahead
    deck.press("r")  # a refresh drops the pages kept: they may be old
    wait_until(deck, lambda: connection.cached_page(page_2) is None, "the kept pages dropped")
    deck.press("p")
    wait_until(deck, lambda: "page 2/3" in deck.text() and "loading" not in deck.text(), "page 2 again")
    deck.press("f")
    deck.wait_for("Show rollouts whose status is")
    deck.press("5")  # failed: the server filters
    wait_until(deck, lambda: "status failed" in deck.text() and "loading" not in deck.text(), "the filter")
    failed = [r for r in fixture_store.rollouts if r["status"] == "failed"]
    assert f"{len(failed)} of 244 rollouts · status failed · server paged" in deck.text()
    assert {r.rollout.status for r in rollouts(deck).table.visible_rows} == {"failed"}
    deck.press("m")  # the server cannot filter by mode: refused, never claimed on the border
    assert "over 100 rollouts the server pages the list and cannot filter by mode" in status_line(deck)
    deck.press("s")
    screen = deck.wait_for("Sort every rollout by")
    assert screen.count("Worker ID") == 1  # the heading only: the list offers what the server sorts
    deck.press("esc")


def test_one_ordering_rule_below_and_above_the_limit(fixture_store: FixtureStore, open_lightning) -> None:
    small = keys(loaded(open_lightning(url=fixture_store.url)))
    paged = keys(loaded(open_lightning(url=fixture_store.url, client_side_limit=5)))
    assert len(small) == 14 and paged == small  # the server pages above 5: newest first is the same order


def test_a_filter_the_server_cannot_apply_is_named_on_the_border(
    fixture_store: FixtureStore, open_lightning
) -> None:
    deck = loaded(open_lightning(url=fixture_store.url, client_side_limit=100))
    deck.press("m")
    deck.wait_for("Show rollouts whose mode is")
    deck.press("2")  # train, while the list is short: applied here
    assert "mode train" in deck.text() and "not applied" not in deck.text()
    fixture_store.rollouts += more_rollouts(230)
    deck.press("r")  # now past the limit: the server pages, and cannot filter by mode
    wait_until(deck, lambda: "server paged" in deck.text(), "the server paging")
    border = deck.text().splitlines()[2]
    assert "not applied: mode filter" in border and "· mode train" not in border


def test_the_cursor_stays_on_an_expanded_attempt_across_refreshes(
    fixture_store: FixtureStore, open_lightning
) -> None:
    deck = loaded(open_lightning(url=fixture_store.url))
    table = rollouts(deck).table
    assert table.select("ro-6eedb2fc3a09")
    deck.press("right")
    wait_until(deck, lambda: "at-36cbe283" in keys(deck), "the attempts loading")
    deck.press("j", "j")
    assert table.selected.key == "at-36cbe283"
    gate = threading.Event()  # attempts answer only when the test opens the gate
    fixture_store.override = lambda method, path: gate.wait(10) and None if "/attempts" in path else None
    for _ in range(3):  # each refresh reloads the attempts; the cursor never leaves #2
        before = fixture_store.count("/attempts")
        gate.clear()
        deck.press("r")
        wait_until(deck, lambda b=before: fixture_store.count("/attempts") > b, "the attempts reloading")
        assert table.selected.key == "at-36cbe283"  # while the new attempts are on their way
        gate.set()
        deck.press("j", "k")
        assert table.selected.key == "at-36cbe283"
