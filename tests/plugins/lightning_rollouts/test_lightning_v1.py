"""The 1.x client and the deck's history against a real `agl-server` (agentlightning 1.0.2).

The server is populated through its own HTTP API, the way a controller and a trainer do it:
rollouts created, moved to running, given LLM calls and rewards, finished, then deleted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from agl1x import Agl1xServer, llm_call_data
from fixture_store import FixtureStore
from lightning_support import free_port

from deck.plugins.lightning_rollouts.client import probe
from deck.plugins.lightning_rollouts.client_errors import BadResponseError, HTTPStatusError, OfflineError
from deck.plugins.lightning_rollouts.client_history import History, history_path
from deck.plugins.lightning_rollouts.client_v1 import LightningV1Client
from deck.plugins.lightning_rollouts.model_v1 import llm_call


def test_probe_tells_the_servers_apart_and_says_what_answered(
    agl1x: Agl1xServer, fixture_store: FixtureStore
) -> None:
    assert probe(agl1x.url) == "1.x"
    assert probe(fixture_store.url) == "0.3.0"
    with pytest.raises(OfflineError, match="connection refused"):
        probe(f"http://127.0.0.1:{free_port()}")
    fixture_store.override = lambda method, path: (404, {"detail": "Not Found"}, "application/json")
    with pytest.raises(BadResponseError, match="HTTP 404 from a server that is not a LightningStore"):
        probe(fixture_store.url)


def test_an_api_key_is_needed_and_never_shown(agl1x: Agl1xServer) -> None:
    with pytest.raises(HTTPStatusError, match="refused the API key") as refused:
        LightningV1Client(agl1x.url).active()
    assert "s3cret" not in str(refused.value)
    assert LightningV1Client(agl1x.url, api_key="s3cret").active() == ()


def test_history_keeps_what_the_server_deletes_and_survives_a_restart(
    agl1x: Agl1xServer, tmp_path: Path
) -> None:
    client = LightningV1Client(agl1x.url, api_key="s3cret")
    # Finished and deleted before the deck ever looked: the deck can only count it as missed.
    agl1x.create({"rollout_id": "ro-early", "input": {"q": "early"}})
    agl1x.move("ro-early", "failed", error_message="before the deck")
    agl1x.delete("ro-early")
    agl1x.create(
        {"rollout_id": "ro-ok", "input": {"q": "2+2", "api_key": "sk-hidden"}, "metadata": {"step": 3}},
        {"rollout_id": "ro-run", "input": {"q": "slow"}, "is_train": False},
        {"rollout_id": "ro-queued", "input": "waiting"},
    )
    agl1x.move("ro-ok", "running", last_attempt_id="0")
    agl1x.move("ro-run", "running", last_attempt_id="0")
    agl1x.event("ro-ok", "model_request", llm_call_data("What is 2+2?", "4"))
    agl1x.event("ro-ok", "reward", {"value": 1.0, "source": "agent", "reason": "correct"})
    agl1x.move("ro-ok", "succeeded")

    history = History(history_path(tmp_path, agl1x.url))
    summary = history.sync(client)
    rows = {row.rollout_id: row for row in summary.rows}
    assert {k: r.state for k, r in rows.items()} == {
        "ro-ok": "succeeded",
        "ro-run": "running",
        "ro-queued": "queuing",
    }
    assert rows["ro-ok"].reward == 1.0 and rows["ro-ok"].deleted_at is None
    assert "sk-hidden" not in rows["ro-ok"].doc  # secrets never reach the file
    (call,) = [c for c in map(llm_call, history.events("ro-ok")) if c is not None]
    assert call.messages == (("user", "What is 2+2?"),) and call.completion == "4"
    assert (summary.total_terminal, summary.missed) == (2, 1)  # ro-early: finished, deleted, never seen

    # The trainer deletes what finished; a bad transition is refused with 409.
    agl1x.delete("ro-ok")
    agl1x.create({"rollout_id": "ro-done", "input": "x"})
    agl1x.move("ro-done", "failed")
    with pytest.raises(HTTPStatusError, match=r"409.*cannot transition failed -> failed"):
        client.fail("ro-done", "x")
    agl1x.move("ro-run", "failed", error_message="Job failed: BackoffLimitExceeded")
    rows = {row.rollout_id: row for row in history.sync(client).rows}
    assert rows["ro-ok"].deleted_why == "deleted by the server (finished)" and rows["ro-ok"].reward == 1.0
    assert rows["ro-run"].state == "failed" and rows["ro-run"].error == "Job failed: BackoffLimitExceeded"

    agl1x.restart()  # in memory: it comes back empty; the deck's history stays
    agl1x.create({"rollout_id": "ro-after", "input": "new"})
    summary = history.sync(LightningV1Client(agl1x.url, api_key="s3cret"))
    rows = {row.rollout_id: row for row in summary.rows}
    assert set(rows) == {"ro-ok", "ro-run", "ro-queued", "ro-done", "ro-after"}
    assert rows["ro-queued"].deleted_why == "lost when the server restarted"
    assert rows["ro-after"].deleted_at is None and summary.restarts == 1
