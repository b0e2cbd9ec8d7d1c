"""Every mesh screen, as an operator reads it: headings, plausible rows, narrow and tiny terminals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from mesh_ui import KEYS, SCREENS, client, show, write_layout

from deck._app import check_layout
from deck.testing import Harness

#: Per screen: the headings that must show at 120 columns, and rows that must be there.
WIDE = {
    "NET.MAP": (
        ("NET.MAP", "Mesh", "Events"),
        ("node-0", "◉", "rings 1/10/50 ms", "joined the mesh", "Nodes"),
    ),
    "NODES": (
        ("NODE", "HEALTH", "RTT", "CPU", "MEM", "DISK", "SAT", "DAEMONS", "MAINT"),
        ("node-8", "local", "● healthy", "Daemons · node-0", "Log · node-0"),
    ),
    "DAEMONS": (
        ("DAEMON", "KIND", "LINEAGE", "NODE", "STATE", "HEALTH", "SAT", "AGE"),
        ("inference_worker#replica", "rollout_forge#fork@7", "trainer_canary#standby", "node_agent", "root"),
    ),
    "GROUPS": (
        ("GROUP", "KIND", "MEMBERS", "STATUS", "HEALTH"),
        ("3/3 ready", "1 active + 2 warm", "3 forks @ 7", "Members · ", "Group log · "),
    ),
    "CHAINS": (
        ("CHAIN", "KIND", "HELD", "DESIRED", "STATUS", "LEADER", "HOLDERS"),
        ("inference_worker#replica", "weights/llama-3-70b", "replica", "data"),
    ),
    "LOGS": (("DEBUG+", "INFO+", "WARN+", "ERR"), ("gpu-", "following")),
    "BLOBS": (
        (
            "DATAFORTS",
            "NODE",
            "ROLE",
            "DISK",
            "ADAPT",
            "OVERFLOW",
            "ADAPTER",
            "HASH",
            "SIZE",
            "REPL",
            "CHANNEL",
        ),
        ("anchor", "blob@node-0", "GiB", "● stored"),
    ),
    "NRPC": (
        ("TS", "CALLER → CALLEE", "METHOD", "LATENCY", "REQ", "RESP", "STATUS"),
        ("demo.echo", "● Ok", " ms", "/s"),
    ),
    "MIGRATIONS": (
        ("DAEMON", "SOURCE", "TARGET", "ROLE", "SIZE", "PHASE", "PROG", "RETRY", "AGE/PHASE", "ELAPSED"),
        ("node-0", "source", "1 active"),
    ),
    "AUDIT": (("SEQ", "WHEN", "OUTCOME", "OPERATOR", "COMMAND", "TARGET"), ("no commands yet",)),
}


@pytest.fixture
def mesh_deck(deck_harness: Callable[..., Harness], tmp_path: Path) -> Harness:
    harness = deck_harness(write_layout(tmp_path), size=(120, 40))
    assert harness.first_results()
    client(harness).clock.skip(4.0)  # the first migration starts 3 s in
    harness.deck.scheduler.refresh()
    harness.run(0.2)
    return harness


def test_every_screen_shows_its_columns_and_rows(mesh_deck: Harness) -> None:
    for key, name in zip(KEYS, SCREENS):
        text = show(mesh_deck, key)
        assert mesh_deck.deck.screen.spec.name == name
        headings, rows = WIDE[name]
        for expected in (*headings, *rows):
            assert expected in text, f"{name}: {expected!r} missing from\n{text}"
        assert "⚠" not in text, f"{name} shows a broken panel:\n{text}"


def test_the_header_counts_nodes_and_their_health(mesh_deck: Harness) -> None:
    header = mesh_deck.text().splitlines()[0]
    assert "mesh 9 nodes" in header
    assert "all healthy" in header or "degraded" in header or "unreachable" in header


def test_narrow_terminal_keeps_every_screen_readable(mesh_deck: Harness) -> None:
    mesh_deck.resize(80, 24)
    narrow = {
        "NODES": ("NODE", "HEALTH", "RTT", "CPU", "DAEMONS", "MAINT", "node-8"),
        "DAEMONS": ("DAEMON", "NODE", "STATE", "HEALTH", "SAT", "AGE"),
        "NRPC": ("TS", "CALLER → CALLEE", "LATENCY", "STATUS"),
        "MIGRATIONS": ("DAEMON", "SOURCE", "TARGET", "PHASE", "PROG", "ELAPSED"),
        "AUDIT": ("SEQ", "WHEN", "OUTCOME", "COMMAND", "TARGET", "REASON"),
    }
    for key, name in zip(KEYS, SCREENS):
        text = show(mesh_deck, key)
        lines = text.splitlines()
        assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
        assert "⚠" not in text and "terminal too small" not in text, f"{name}:\n{text}"
        for expected in narrow.get(name, ()):
            assert expected in text, f"{name}: {expected!r} missing at 80x24 from\n{text}"


def test_tiny_terminal_draws_every_screen_without_errors(mesh_deck: Harness) -> None:
    mesh_deck.resize(20, 6)
    for key in KEYS:
        text = show(mesh_deck, key)
        assert len(text.splitlines()) == 6
        assert "⚠" not in text
    mesh_deck.resize(120, 40)
    assert "⚠" not in show(mesh_deck, "1")


def test_panels_that_were_hidden_catch_up_when_shown(mesh_deck: Harness) -> None:
    text = show(mesh_deck, "8")
    first = client(mesh_deck).snapshot().nrpc[-1]
    show(mesh_deck, "1")
    mesh_deck.run(1.0)
    text = show(mesh_deck, "8")
    newest = client(mesh_deck).snapshot().nrpc[-1]
    assert newest.seq > first.seq
    assert mesh_deck.deck.panels("mesh.nrpc")[0].table.total == len(client(mesh_deck).snapshot().nrpc)
    assert "demo.echo" in text


@pytest.mark.parametrize("name", ["default", "mesh-demo"])
def test_shipped_layouts_load_with_every_panel(name: str) -> None:
    parts = check_layout(name)
    assert not parts.problems and not parts.unavailable
    types = {spec.type for spec in parts.layout.panels()}
    assert {"mesh.map", "mesh.nodes", "mesh.logs", "mesh.audit", "mesh.nrpc"} <= types
    assert [s.name for s in parts.layout.screens] == list(SCREENS)
    if name == "default":
        assert {"system.cpu", "system.memory"} <= types


def test_default_layout_shows_the_mesh_and_this_machine(
    deck_harness: Callable[..., Harness], tmp_path: Path
) -> None:
    harness = deck_harness(write_layout(tmp_path, "default"), size=(120, 40))
    harness.first_results()
    text = harness.wait_for("% avg · ")  # the CPU panel has its first sample
    for expected in ("NET.MAP", "This machine", "Memory", "Events", "mesh 9 nodes"):
        assert expected in text
    harness.resize(80, 24)
    text = harness.text()
    assert "⚠" not in text and "This machine" in text and "NET.MAP" in text
