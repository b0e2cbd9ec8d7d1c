"""The deck's screens against a real `agl store` (agentlightning 0.3.0), populated over HTTP.

Skipped when the server is not installed (a failure when DECK_AGL asks for it, as in CI).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from deck_helpers import keys, loaded, panel, rollouts, search, status_line, wait_until
from populate import API_PREFIX, Populated, populate

from deck.plugins.lightning_rollouts.model_display import status_text
from deck.testing import Harness

ROLLOUTS = 30


@pytest.fixture(scope="module")
def populated(agl_server: str) -> Populated:
    return populate(agl_server, rollouts=ROLLOUTS)


@pytest.fixture
def deck(populated: Populated, open_lightning) -> Iterator[Harness]:
    yield loaded(open_lightning(url=populated.url))


def api(populated: Populated, path: str, **params: object) -> dict:
    response = httpx.get(populated.url + API_PREFIX + path, params=params, timeout=10)
    response.raise_for_status()
    return response.json()


def test_the_rollout_table_matches_the_store(deck: Harness, populated: Populated) -> None:
    everything = api(populated, "/rollouts", limit=-1)["items"]
    assert f"page 1/1 · 100 per page · {len(everything)} rollouts" in deck.text()
    shown = {row.key: row.rollout for row in rollouts(deck).table.visible_rows}
    assert set(shown) == {r["rollout_id"] for r in everything}
    for item in everything:
        assert shown[item["rollout_id"]].status == item["status"]
    starts = [r.start_time for r in shown.values()]
    assert starts == sorted(starts, reverse=True)  # newest first: the rollouts' own start, as the server
    assert "● Online 0.3.0" in deck.wait_for("● Online")


def test_a_retried_rollout_opens_into_three_attempts(deck: Harness, populated: Populated) -> None:
    search(deck, populated.retried)
    assert keys(deck) == [populated.retried]
    deck.press("right")
    wait_until(deck, lambda: len(keys(deck)) == 4, "the attempts")
    nested = rollouts(deck).table.visible_rows[1:]
    assert [(a.attempt.sequence_id, a.attempt.status) for a in nested] == [
        (1, "failed"),
        (2, "failed"),
        (3, "succeeded"),
    ]
    assert "└ #3 at-" in deck.text()


def test_traces_and_the_waterfall_of_a_traced_rollout(deck: Harness, populated: Populated) -> None:
    search(deck, populated.traced)
    deck.press("t")
    screen = deck.wait_for("agentlightning.annotation")
    spans = api(populated, "/spans", rollout_id=populated.traced)["items"]
    assert f"· {len(spans)} spans" in screen
    assert "├─ agent.step" in screen and "│  ├─ openai.chat.completion" in screen
    assert "│  └─ tool.call" in screen and "└─ agentlightning.annotation" in screen
    assert "depth 3" in screen


def test_runners_and_resources(deck: Harness, populated: Populated) -> None:
    deck.press("4")
    deck.wait_for("worker-1")
    workers = {w["worker_id"]: w for w in api(populated, "/workers", limit=-1)["items"]}
    shown = {w.worker_id: w for w in panel(deck, "lightning.runners").table.visible_rows}
    assert set(shown) == set(workers)
    for worker_id, worker in workers.items():
        assert shown[worker_id].current_rollout_id == worker["current_rollout_id"]
    busy = sum(1 for w in workers.values() if w["status"] == "busy")
    assert f"{len(workers)} runners · {busy} busy" in deck.text()
    deck.press("2")
    screen = deck.wait_for(populated.resources_id)
    latest = next(line for line in screen.splitlines() if f"▸ {populated.resources_id}" in line)
    assert "★ latest" in latest and " 2 " in latest


def test_cancel_and_requeue_by_keys(deck: Harness, populated: Populated) -> None:
    search(deck, populated.running)
    deck.press("c")
    deck.wait_for(f"Cancel rollout {populated.running} (running)?")
    deck.press("y")
    wait_until(deck, lambda: f"{populated.running} is now cancelled" in status_line(deck), "the cancel")
    wait_until(deck, lambda: rollouts(deck).table.selected.rollout.status == "cancelled", "the new row")
    assert api(populated, f"/rollouts/{populated.running}")["status"] == "cancelled"
    # The store leaves the attempt running, and the row says so.
    assert status_text(rollouts(deck).table.selected.rollout) == "cancelled - running"

    deck.press("x")
    search(deck, populated.failed)
    deck.press("R")
    deck.wait_for(f"Requeue rollout {populated.failed} (failed)?")
    deck.press("y")
    wait_until(deck, lambda: f"{populated.failed} is now requeuing" in status_line(deck), "the requeue")
    assert api(populated, f"/rollouts/{populated.failed}")["status"] == "requeuing"


def test_server_pages_against_the_real_store(populated: Populated, open_lightning) -> None:
    deck = loaded(open_lightning(url=populated.url, client_side_limit=10, page_size=50, size=(120, 70)))
    total = api(populated, "/rollouts", limit=1)["total"]
    assert f"page 1/1 · 50 per page · {total} rollouts · server paged" in deck.text()
    newest = api(populated, "/rollouts", limit=50, sort_by="start_time", sort_order="desc")["items"]
    assert keys(deck) == [r["rollout_id"] for r in newest]
    deck.press("s")
    deck.wait_for("Sort every rollout by")
    deck.press("1")  # by rollout id, on the server
    by_id = api(populated, "/rollouts", limit=50, sort_by="rollout_id", sort_order="asc")["items"]
    wait_until(deck, lambda: keys(deck) == [r["rollout_id"] for r in by_id], "the server's order")
