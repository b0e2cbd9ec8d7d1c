"""The operator's keys on the mesh screens: Enter, l, p, v, /, e, and the map's own cursor."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from mesh_ui import client, dialog_text, selected, show, status, wait_status, write_layout

from deck.testing import Harness


@pytest.fixture
def mesh_deck(deck_harness: Callable[..., Harness], tmp_path: Path) -> Harness:
    harness = deck_harness(write_layout(tmp_path), size=(120, 40))
    assert harness.first_results()
    advance(harness, 1.0)
    return harness


def advance(harness: Harness, seconds: float) -> None:
    """Let `seconds` of simulated time pass at once and deliver the snapshot."""
    client(harness).clock.skip(seconds)
    harness.deck.scheduler.refresh()
    harness.run(0.05)


def logs_panel(harness: Harness):
    return next(p for p in harness.deck.panels("mesh.logs") if p.follow == "none")


def test_enter_drills_into_a_node(mesh_deck: Harness) -> None:
    show(mesh_deck, "2")
    mesh_deck.press("j", "j", "enter")
    text = dialog_text(mesh_deck)
    assert "node-2 · " in text
    for key in ('"rtt"', '"scheduling"', '"chains held"', '"blob adapter"', '"daemons"'):
        assert key in text, f"{key} missing from the node details:\n{text}"
    mesh_deck.press("G")
    assert '"recent logs"' in mesh_deck.text()
    mesh_deck.press("esc")
    assert mesh_deck.deck.overlays.top is None


def test_enter_drills_into_a_daemon_and_a_group(mesh_deck: Harness) -> None:
    show(mesh_deck, "3")
    mesh_deck.press("g", "j", "enter")
    text = dialog_text(mesh_deck)
    assert "inference_worker#replica d-" in text
    assert '"lineage"' in text and '"group"' in text and '"3/3 ready"' in text
    mesh_deck.press("esc")
    show(mesh_deck, "4")
    mesh_deck.press("enter")
    text = dialog_text(mesh_deck)
    assert '"members"' in text and '"active member"' in text


def test_enter_on_the_map_describes_the_highlighted_node(mesh_deck: Harness) -> None:
    show(mesh_deck, "1")
    mesh_deck.press("j", "j", "j", "enter")
    assert "node-3 · " in dialog_text(mesh_deck)


def test_the_map_highlight_follows_nodes_and_drives_the_node_views(mesh_deck: Harness) -> None:
    show(mesh_deck, "2")
    mesh_deck.press("g", "j", "j", "j", "j", "j")
    assert selected(mesh_deck, "node") == "node-5"
    text = mesh_deck.text()
    assert "Daemons · node-5" in text and "Log · node-5" in text
    show(mesh_deck, "1")
    assert mesh_deck.deck.focused.panel.selection.id == "node-5"
    mesh_deck.press("k")
    assert selected(mesh_deck, "node") == "node-4"
    assert "Daemons · node-4" in show(mesh_deck, "2")


def test_l_jumps_to_logs_filtered_for_the_selected_node(mesh_deck: Harness) -> None:
    advance(mesh_deck, 3.0)
    show(mesh_deck, "2")
    mesh_deck.press("g", "j", "j", "l")
    assert mesh_deck.deck.screen.spec.name == "LOGS"
    assert "LOGS for node-2" in status(mesh_deck)
    text = mesh_deck.text()
    assert "match id:node-2" in text
    lines = [
        line for line in text.splitlines() if (" INFO " in line or " DEBUG " in line or " WARN " in line)
    ]
    assert lines and all("node-2" in line for line in lines), text
    mesh_deck.press("l")
    assert "every line again" in status(mesh_deck)
    assert any("node-3" in line for line in mesh_deck.text().splitlines())


def test_l_on_a_daemon_shows_its_lines(mesh_deck: Harness) -> None:
    show(mesh_deck, "3")
    mesh_deck.press("g", "l")
    daemon = client(mesh_deck).snapshot().daemons[0]
    assert f"LOGS for {daemon.id}" in status(mesh_deck)
    assert logs_panel(mesh_deck).filter.ids == {daemon.id}


def test_p_pauses_logs_and_resumes_with_what_arrived(mesh_deck: Harness) -> None:
    show(mesh_deck, "6")
    panel = logs_panel(mesh_deck)
    mesh_deck.press("p")
    assert "paused (p resumes)" in mesh_deck.text()
    held = len(panel.log)
    frozen = mesh_deck.text()
    advance(mesh_deck, 2.0)
    assert len(panel.log) == held
    assert mesh_deck.text().splitlines()[3:-2] == frozen.splitlines()[3:-2]
    mesh_deck.press("p")
    mesh_deck.text()
    assert len(panel.log) > held
    assert "following" in mesh_deck.text()


def test_v_cycles_the_log_level(mesh_deck: Harness) -> None:
    show(mesh_deck, "6")
    mesh_deck.press("v")
    assert "showing INFO and above" in status(mesh_deck)
    assert " DEBUG " not in mesh_deck.text()
    mesh_deck.press("v", "v")
    assert "showing ERROR and above" in status(mesh_deck)
    mesh_deck.press("v")
    assert logs_panel(mesh_deck).log.level == "debug"


def test_p_freezes_the_nrpc_table(mesh_deck: Harness) -> None:
    show(mesh_deck, "8")
    panel = mesh_deck.deck.panels("mesh.nrpc")[0]
    mesh_deck.press("p")
    assert "PAUSED" in mesh_deck.text()
    held = panel.table.total
    advance(mesh_deck, 1.0)
    mesh_deck.text()
    assert panel.table.total == held
    mesh_deck.press("p")
    mesh_deck.text()
    assert panel.table.total > held


def test_slash_filters_a_table_and_the_logs(mesh_deck: Harness) -> None:
    show(mesh_deck, "2")
    mesh_deck.press("/")
    mesh_deck.type("node-7")
    mesh_deck.press("enter")
    panel = mesh_deck.deck.focused.panel
    assert [n.id for n in panel.table.visible_rows] == ["node-7"]
    show(mesh_deck, "6")
    mesh_deck.press("/")
    mesh_deck.type("gpu-3")
    mesh_deck.press("enter")
    lines = [line for line in mesh_deck.text().splitlines() if " INFO " in line or " DEBUG " in line]
    assert lines and all("gpu-3" in line for line in lines)


def test_e_exports_the_focused_table_and_says_where(mesh_deck: Harness, tmp_path: Path) -> None:
    show(mesh_deck, "2")
    mesh_deck.press("e")
    said = wait_status(mesh_deck, "exported 9 rows to ")
    path = Path(said.split(" to ", 1)[1])
    assert path.parent == tmp_path / "exports" and path.name.startswith("deck-nodes-")
    text = path.read_text(encoding="utf-8")
    assert "NODE" in text and "MAINT" in text and "node-8" in text and "(9 rows)" in text
    show(mesh_deck, "6")
    mesh_deck.press("e")
    said = wait_status(mesh_deck, "deck-logs-")
    assert Path(said.split(" to ", 1)[1]).read_text().count("gpu-") > 0


def test_read_only_blocks_the_export(deck_harness: Callable[..., Harness], tmp_path: Path) -> None:
    harness = deck_harness(write_layout(tmp_path), size=(120, 40), read_only=True)
    harness.first_results()
    show(harness, "2")
    harness.press("e")
    wait_status(harness, "Export table: disabled in read-only mode")
    assert not (tmp_path / "exports").exists()


def test_e_where_there_is_no_mesh_table_says_so(deck_harness: Callable[..., Harness], tmp_path: Path) -> None:
    harness = deck_harness(write_layout(tmp_path, "default"), size=(120, 40))
    harness.first_results()
    harness.press("tab", "tab")  # the machine's CPU panel
    harness.press("e")
    wait_status(harness, "focus a mesh table")
