"""The placement commands from the keyboard: each confirmed with its blast radius, signed, audited."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from mesh_clock import START
from mesh_ui import audit_outcomes, client, dialog_text, show, wait_status, write_layout

from deck.testing import Clock, Harness

#: With seed 1: mig-0001 is in Replay 10 s in; 153.5 s in a peer is lost and every node avoids it.
REPLAY = 10.0
NODE_LOST = 153.5


def deck_at(deck_harness: Callable[..., Harness], tmp_path: Path, seconds: float) -> Harness:
    harness = deck_harness(write_layout(tmp_path), size=(120, 40), clock=Clock(START))
    assert harness.first_results()
    client(harness).clock.skip(seconds)
    harness.deck.scheduler.refresh()
    harness.run(0.1)
    return harness


def confirm(harness: Harness, key: str, *expected: str, red: bool) -> str:
    """Press `key`, check the confirmation, say yes; returns what the status line said."""
    harness.press(key)
    text = dialog_text(harness)
    for line in expected:
        assert line in text, f"{line!r} not in the confirmation:\n{text}"
    assert "Signed as" in text and "audited" in text
    assert harness.deck.overlays.top.danger is red
    harness.press("y")
    return wait_status(harness, "accepted")


def select_daemon(harness: Harness, name: str, skip: int = 0) -> str:
    show(harness, "3")
    harness.press("g")
    seen = 0
    for _ in range(30):
        daemon = harness.deck.focused.panel.selection
        if daemon.name == name and daemon.state == "running":
            if seen == skip:
                return str(daemon.id)
            seen += 1
        harness.press("j")
    raise AssertionError(f"no running {name} on DAEMONS")


def test_avoid_lists_are_cleared_on_a_node_and_flushed_everywhere(
    deck_harness: Callable[..., Harness], tmp_path: Path
) -> None:
    harness = deck_at(deck_harness, tmp_path, NODE_LOST)
    lost = next(n.id for n in client(harness).snapshot().nodes if n.health == "unreachable")
    show(harness, "2")
    harness.press("g")
    assert lost in harness.text()  # the AVOIDS column
    said = confirm(harness, "a", "Clear node-0's avoid list", f"node-0 stops avoiding {lost}", red=False)
    assert f"clear-avoid node-0 accepted: node-0 no longer avoids {lost}" in said
    assert client(harness).snapshot().node("node-0").avoiding == ()
    said = confirm(harness, "A", "BREAK-GLASS. Simulated blast radius:", "Flush every avoid list", red=True)
    assert "flush-avoid cluster accepted" in said
    assert all(not n.avoiding for n in client(harness).snapshot().nodes)
    audit = show(harness, "0")
    assert audit_outcomes(harness) == [
        ("clear-avoid", "node-0", "accepted"),
        ("flush-avoid", "cluster", "accepted"),
    ]
    assert "clear-avoid" in audit and "flush-avoid" in audit


def test_drop_replicas_is_destructive_and_red(deck_harness: Callable[..., Harness], tmp_path: Path) -> None:
    harness = deck_at(deck_harness, tmp_path, REPLAY)
    show(harness, "2")
    harness.press("g")
    held = [c.name for c in client(harness).snapshot().chains if "node-0" in c.holders]
    said = confirm(harness, "D", "DESTRUCTIVE. Simulated blast radius:", *held, red=True)
    assert "drop-replicas node-0 accepted" in said
    assert audit_outcomes(harness) == [("drop-replicas", "node-0", "accepted")]
    assert "drop-replicas" in show(harness, "0")


def test_a_daemon_is_re_placed_and_a_replica_force_evicted(
    deck_harness: Callable[..., Harness], tmp_path: Path
) -> None:
    harness = deck_at(deck_harness, tmp_path, REPLAY)
    moved = select_daemon(harness, "inference_worker#replica")
    said = confirm(
        harness, "i", f"Re-place inference_worker#replica {moved}: it migrates node-0 → ", red=False
    )
    assert f"invalidate-placement {moved} accepted" in said
    assert client(harness).snapshot().daemon(moved).state == "migrating"
    evicted = select_daemon(harness, "inference_worker#replica", skip=0)
    said = confirm(harness, "E", "BREAK-GLASS", f"Force-evict inference_worker#replica {evicted}", red=True)
    assert f"force-evict {evicted} accepted" in said
    assert client(harness).snapshot().daemon(evicted) is None
    assert [c for c, _, o in audit_outcomes(harness)] == ["invalidate-placement", "force-evict"]
    audit = show(harness, "0")
    assert "invalidate-placement" in audit and "force-evict" in audit


@pytest.mark.parametrize("seconds", [REPLAY, 5.0])
def test_force_cutover_finishes_a_migration_once_its_state_is_on_the_target(
    deck_harness: Callable[..., Harness], tmp_path: Path, seconds: float
) -> None:
    harness = deck_at(deck_harness, tmp_path, seconds)
    show(harness, "9")
    assert harness.wait_until(lambda: harness.deck.focused.panel.selection is not None)
    migration = harness.deck.focused.panel.selection
    if seconds == 5.0:  # still in Transfer: nothing is asked, nothing is sent
        harness.press("C")
        wait_status(harness, "its state is not on")
        assert harness.deck.overlays.top is None and audit_outcomes(harness) == []
        return
    said = confirm(harness, "C", "BREAK-GLASS", f"Force cutover {migration.id}", "Replay", red=True)
    assert f"force-cutover {migration.id} accepted" in said
    assert harness.wait_for("Complete")
    assert audit_outcomes(harness) == [("force-cutover", migration.id, "accepted")]
