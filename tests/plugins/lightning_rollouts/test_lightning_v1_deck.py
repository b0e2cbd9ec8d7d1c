"""The deck against a real 1.x `agl-server`: history, deletion while watching, key, 409, restart."""

from __future__ import annotations

import json
from pathlib import Path

from agl1x import Agl1xServer, llm_call_data
from deck_helpers import rollouts, status_line, wait_until

from deck.testing import Harness


def history_keys(deck: Harness) -> dict[str, str]:
    """Rollout id -> state (with " deleted" when the server no longer has it), as on show."""
    rows = rollouts(deck).history.table.visible_rows
    return {r.rollout_id: r.state + (" deleted" if r.deleted_at is not None else "") for r in rows}


def test_the_deck_keeps_what_a_1x_server_deletes_and_survives_its_restart(
    agl1x: Agl1xServer, open_lightning, tmp_path: Path
) -> None:
    agl1x.create(
        {"rollout_id": "ro-ok", "input": {"q": "2+2", "api_key": "sk-in-input"}, "metadata": {"step": 3}},
        {"rollout_id": "ro-run", "input": {"q": "slow"}, "is_train": False},
    )
    agl1x.move("ro-ok", "running", last_attempt_id="0")
    agl1x.move("ro-run", "running", last_attempt_id="0")
    agl1x.event("ro-ok", "model_request", llm_call_data("What is 2+2?", "4", latency_ms=145))
    agl1x.event("ro-ok", "reward", {"value": 1.0, "source": "agent", "reason": "correct"})
    agl1x.move("ro-ok", "succeeded")
    deck = open_lightning(url=agl1x.url, api_key="s3cret", history_dir=str(tmp_path), history_interval=0.5)
    wait_until(deck, lambda: history_keys(deck).get("ro-ok") == "succeeded", "the 1.x rollouts")
    screen = deck.text()
    assert "● Online 1.x" in screen and "s3cret" not in screen and "sk-in-input" not in screen
    assert "2 seen · 1 active" in screen
    deck.press("f")  # the store's server-side filters are not a 1.x thing: the operator is told
    assert "a 1.x server's history is one list: s sorts it, I inverts, / filters it" in status_line(deck)
    deck.press("s")  # sorted here, by any column on show
    deck.wait_for("Sort the history by")
    deck.press("1")  # Rollout
    assert "sorted by Rollout, ascending" in status_line(deck)
    assert list(history_keys(deck)) == ["ro-ok", "ro-run"]
    deck.press("I")
    assert list(history_keys(deck)) == ["ro-run", "ro-ok"]

    # The trainer deletes the finished rollout while the deck watches: the row stays, marked.
    agl1x.delete("ro-ok")
    wait_until(deck, lambda: history_keys(deck).get("ro-ok") == "succeeded deleted", "the deletion seen")
    rollouts(deck).history.table.select("ro-ok")
    deck.press("enter")  # its events come from the history now
    screen = deck.wait_for("Events of ro-ok")
    assert "from the deck's history" in screen and "[user] What is 2+2?" in screen and "→ 4" in screen
    assert "reward 1.0 from agent: correct" in screen and "145 ms" in screen
    deck.press("esc")

    # Export: the rollouts on show, with their events, secrets masked.
    target = tmp_path / "export.jsonl"
    deck.press("e")
    deck.wait_for("Export the rollouts on show to")
    deck.press(*["backspace"] * 40)
    deck.type(str(target))
    deck.press("enter")
    wait_until(deck, lambda: "rollouts written to" in status_line(deck), "the export")
    records = {r["rollout"]["rollout_id"]: r for r in map(json.loads, target.read_text().splitlines())}
    assert records["ro-ok"]["deleted"] and [e["event_type"] for e in records["ro-ok"]["events"]] == [
        "model_request",
        "reward",
    ]
    assert "sk-in-input" not in target.read_text() and "s3cret" not in target.read_text()
    deck.press("e")
    deck.wait_for("Export the rollouts on show to")
    deck.press(*["backspace"] * 40)
    deck.type(str(target))
    deck.press("enter")
    wait_until(deck, lambda: "not overwritten:" in status_line(deck), "the refusal to overwrite")

    # A transition the server refuses: the history says running, the server already finished it.
    agl1x.move("ro-run", "succeeded")
    rollouts(deck).history.follow = False
    rollouts(deck).history.table.select("ro-run")
    if history_keys(deck)["ro-run"] == "running":  # not synced yet: the server answers 409
        deck.press("c")
        deck.wait_for("Cancel rollout ro-run")
        deck.press("y")
        wait_until(
            deck, lambda: "409" in status_line(deck) or "only queuing" in status_line(deck), "the refusal"
        )
    wait_until(deck, lambda: history_keys(deck).get("ro-run") == "succeeded", "ro-run finished")

    agl1x.restart()  # in memory: it comes back empty; the deck's history stays
    agl1x.create({"rollout_id": "ro-new", "input": "after the restart"})
    wait_until(deck, lambda: "ro-new" in history_keys(deck), "the restarted server's rollout", 15)
    shown = history_keys(deck)
    assert shown["ro-ok"] == "succeeded deleted" and shown["ro-run"] == "succeeded deleted"
    assert "1 restart" in deck.text()
    deck.press("2")
    assert "Agent-lightning 1.x has no resources" in deck.wait_for("has no resources")

    # The Gateway: paused after asking, resumed, as the server reports it.
    deck.press("4", "tab")
    deck.wait_for("▶ taking calls")
    deck.press("g")
    deck.wait_for("Pause the LLM gateway?")
    deck.press("y")
    wait_until(deck, lambda: "gateway paused" in status_line(deck), "the pause")
    assert agl1x.call("GET", "/proxy/state")["paused"] is True
    wait_until(deck, lambda: "⏸ paused" in deck.text(), "the Gateway panel saying paused")
    deck.press("g")
    wait_until(deck, lambda: "gateway resumed" in status_line(deck), "the resume")
    assert agl1x.call("GET", "/proxy/state")["paused"] is False
