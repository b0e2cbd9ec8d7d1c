"""Admin actions from the keyboard: simulated, confirmed, signed, submitted and audited."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from mesh_ui import audit_outcomes, client, dialog_text, show, status, wait_status, write_layout

from deck.plugins.mesh_demo import AdminCommand, Operator
from deck.testing import Harness


@pytest.fixture
def mesh_deck(deck_harness: Callable[..., Harness], tmp_path: Path) -> Harness:
    harness = deck_harness(write_layout(tmp_path), size=(120, 40))
    assert harness.first_results()
    return harness


def select_node(harness: Harness, index: int) -> None:
    # As fast as a terminal sends them: no draw between the screen switch and the moves.
    harness.press("2", "g", *["j"] * index)
    assert harness.deck.focused.panel.selection.id == f"node-{index}"


def node(harness: Harness, node_id: str):
    return client(harness).snapshot().node(node_id)


def test_cordon_is_confirmed_with_its_blast_radius_then_accepted_and_audited(mesh_deck: Harness) -> None:
    select_node(mesh_deck, 3)
    mesh_deck.press("c")
    text = dialog_text(mesh_deck)
    assert "Cordon node-3: it stops receiving new placements" in text
    assert "Signed as" in text and "audited" in text
    assert not mesh_deck.deck.overlays.top.danger
    mesh_deck.press("y")
    said = wait_status(mesh_deck, "cordon node-3 accepted")
    assert "AUDIT #1" in said
    assert node(mesh_deck, "node-3").cordoned
    assert audit_outcomes(mesh_deck) == [("cordon", "node-3", "accepted")]
    assert "cordoned" in mesh_deck.wait_for("cordoned")
    audit = show(mesh_deck, "0")
    assert "accepted" in audit and "cordon" in audit and "node-3" in audit


@pytest.mark.parametrize("answer", ["esc", "n"])
def test_a_cancelled_command_sends_nothing(mesh_deck: Harness, answer: str) -> None:
    select_node(mesh_deck, 2)
    mesh_deck.press("c")
    mesh_deck.press(answer)
    wait_status(mesh_deck, "cancelled, nothing was sent")
    assert mesh_deck.deck.overlays.top is None
    assert not node(mesh_deck, "node-2").cordoned
    assert audit_outcomes(mesh_deck) == []


def test_uncordon_maintenance_and_restart_go_through(mesh_deck: Harness) -> None:
    select_node(mesh_deck, 4)
    for key, expected in (
        ("c", "cordon node-4 accepted"),
        ("u", "uncordon node-4 accepted"),
        ("m", "maintenance-on node-4 accepted"),
        ("M", "maintenance-off node-4 accepted"),
        ("R", "restart-daemons node-4 accepted"),
    ):
        mesh_deck.press(key)
        dialog_text(mesh_deck)
        mesh_deck.press("y")
        wait_status(mesh_deck, expected)
    assert [c for c, _, o in audit_outcomes(mesh_deck) if o == "accepted"] == [
        "cordon",
        "uncordon",
        "maintenance-on",
        "maintenance-off",
        "restart-daemons",
    ]
    assert node(mesh_deck, "node-4").maint == "—"


def test_drain_asks_for_a_window_and_checks_it(mesh_deck: Harness) -> None:
    select_node(mesh_deck, 0)
    mesh_deck.press("d")
    assert "Drain node-0" in dialog_text(mesh_deck)
    mesh_deck.press("x", "enter")
    assert "give whole seconds" in dialog_text(mesh_deck)
    mesh_deck.press("backspace", "backspace", "backspace")
    mesh_deck.type("90s")
    mesh_deck.press("enter")
    text = dialog_text(mesh_deck)
    assert "Drain node-0 over 90 s" in text and "daemons stop one by one" in text
    mesh_deck.press("y")
    wait_status(mesh_deck, "drain node-0 accepted")
    assert node(mesh_deck, "node-0").maint == "draining"
    assert client(mesh_deck).snapshot().audit[-1].args == (("window_s", "90"),)


def test_drain_cancelled_at_the_prompt_sends_nothing(mesh_deck: Harness) -> None:
    select_node(mesh_deck, 1)
    mesh_deck.press("d", "esc")
    wait_status(mesh_deck, "Drain node-1: cancelled")
    assert audit_outcomes(mesh_deck) == []


def test_force_restart_is_break_glass_red_and_audited(mesh_deck: Harness) -> None:
    show(mesh_deck, "3")
    mesh_deck.press("g", "j")
    daemon = mesh_deck.deck.focused.panel.selection
    mesh_deck.press("X")
    text = dialog_text(mesh_deck)
    assert mesh_deck.deck.overlays.top.danger
    assert "BREAK-GLASS. Simulated blast radius:" in text
    assert f"Force-restart {daemon.name} {daemon.id}" in text
    mesh_deck.press("enter")  # a red confirmation starts on Cancel
    wait_status(mesh_deck, "cancelled, nothing was sent")
    mesh_deck.press("X")
    mesh_deck.press("y")
    wait_status(mesh_deck, f"force-restart {daemon.id} accepted")
    assert client(mesh_deck).snapshot().daemon(daemon.id).restarts == daemon.restarts + 1


def test_kill_migration_aborts_it(mesh_deck: Harness) -> None:
    client(mesh_deck).clock.skip(4.0)
    mesh_deck.deck.scheduler.refresh()
    show(mesh_deck, "9")
    assert mesh_deck.wait_until(lambda: mesh_deck.deck.focused.panel.selection is not None)
    migration = mesh_deck.deck.focused.panel.selection
    mesh_deck.press("X")
    assert "Kill " + migration.id in dialog_text(mesh_deck)
    assert mesh_deck.deck.overlays.top.danger
    mesh_deck.press("y")
    wait_status(mesh_deck, f"kill-migration {migration.id} accepted")
    assert mesh_deck.wait_for("Aborted")
    mesh_deck.press("X")
    wait_status(mesh_deck, "already Aborted")


def test_freeze_asks_a_ttl_then_thaw_lifts_it(mesh_deck: Harness) -> None:
    show(mesh_deck, "9")
    mesh_deck.press("F")
    assert "Freeze the cluster" in dialog_text(mesh_deck)
    mesh_deck.press("enter")  # the default TTL, 5m
    text = dialog_text(mesh_deck)
    assert mesh_deck.deck.overlays.top.danger
    assert "Freeze the cluster for 300 s" in text
    mesh_deck.press("y")
    wait_status(mesh_deck, "freeze cluster accepted")
    assert "frozen" in mesh_deck.wait_for("frozen").splitlines()[0]
    mesh_deck.press("T")
    assert "Thaw the cluster now" in dialog_text(mesh_deck)
    mesh_deck.press("y")
    wait_status(mesh_deck, "thaw cluster accepted")
    assert client(mesh_deck).snapshot().frozen_until is None
    mesh_deck.press("T")
    wait_status(mesh_deck, "the cluster is not frozen")
    assert [c for c, _, _ in audit_outcomes(mesh_deck)] == ["freeze", "thaw"]


def test_stale_and_forged_commands_are_rejected_and_audited(mesh_deck: Harness) -> None:
    live = client(mesh_deck)
    now = live.clock.now()
    stale = live.mesh.submit(live.operator.sign(AdminCommand.cordon("node-1"), now - 400), now)
    forger = Operator.generate(live.operator.operator_id)
    forged = live.mesh.submit(forger.sign(AdminCommand.cordon("node-1"), now), now)
    stranger = Operator.generate("mallory")
    unknown = live.mesh.submit(stranger.sign(AdminCommand.freeze(60), now), now)
    assert (
        "stale" in stale.reason and "bad signature" in forged.reason and "unknown operator" in unknown.reason
    )
    failed = live.submit(AdminCommand.cordon("node-99"))
    assert failed.status == "failed"
    mesh_deck.deck.scheduler.refresh()
    text = show(mesh_deck, "0")
    mesh_deck.wait_for("mallory")
    text = mesh_deck.text()
    assert text.count("● rejected") == 3 and text.count("● failed") == 1
    assert "node-99" in text
    assert not node(mesh_deck, "node-1").cordoned


def test_read_only_disables_every_admin_action(deck_harness: Callable[..., Harness], tmp_path: Path) -> None:
    harness = deck_harness(write_layout(tmp_path), size=(120, 40), read_only=True)
    harness.first_results()
    assert "READ-ONLY" in harness.text()
    select_node(harness, 3)
    for key in ("c", "u", "d", "m", "M", "R", "F", "T"):
        harness.press(key)
        assert harness.deck.overlays.top is None, f"{key} opened a dialog in read-only mode"
        assert "disabled in read-only mode" in status(harness)
    show(harness, "3")
    harness.press("X")
    assert "Force-restart: disabled in read-only mode" in status(harness)
    assert audit_outcomes(harness) == []
    harness.press("?")
    help_text = harness.text()
    assert "Force-restart (disabled: read-only)" in help_text
    assert "Details" in help_text
