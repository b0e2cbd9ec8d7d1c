"""Honest screens: the header and the NET.MAP border say what is wrong, worst first, at every size."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from mesh_clock import START
from mesh_ui import client, show, write_layout

from deck.plugins.mesh_demo import Mesh, MeshSnapshot
from deck.plugins.mesh_demo.panels_digest import HEADLINE_MAX, headline, shortlist, troubles
from deck.testing import Clock, Harness

#: With seed 1, a daemon crash-loops while a peer is unreachable 153.5 s in.
CRASH_LOOP_AND_LOST_NODE = 153.5


def troubled_deck(deck_harness: Callable[..., Harness], tmp_path: Path, **options: object) -> Harness:
    harness = deck_harness(write_layout(tmp_path), clock=Clock(START), **options)
    assert harness.first_results()
    return harness


def header_and_map_border(harness: Harness) -> tuple[str, str]:
    lines = harness.text().splitlines()
    border = next(line for line in lines if "NET.MAP " in line and "┌" in line)
    return lines[0], border


@pytest.mark.parametrize(("size", "read_only"), [((120, 40), False), ((80, 24), False), ((80, 24), True)])
def test_a_crash_loop_and_a_lost_node_show_in_the_header_and_on_the_map(
    deck_harness: Callable[..., Harness], tmp_path: Path, size: tuple[int, int], read_only: bool
) -> None:
    harness = troubled_deck(deck_harness, tmp_path, size=size, read_only=read_only)
    header, border = header_and_map_border(harness)
    assert "mesh 9 nodes · all healthy" in header and "8 peers · all healthy" in border
    client(harness).clock.skip(CRASH_LOOP_AND_LOST_NODE)
    harness.deck.scheduler.refresh()
    harness.wait_until(lambda: "crash-looping" in harness.text().splitlines()[0], what="the header")
    header, border = header_and_map_border(harness)
    assert "all healthy" not in header + border
    assert "mesh 1 crash-looping · 1 node lost" in header
    assert "1 crash-looping · 1 node lost" in border
    looping = [d for d in client(harness).snapshot().daemons if d.state == "crash-loop"]
    assert len(looping) == 1


def test_the_map_border_keeps_the_worst_news_in_a_narrow_column(
    deck_harness: Callable[..., Harness], tmp_path: Path
) -> None:
    harness = troubled_deck(deck_harness, tmp_path, size=(62, 24))
    client(harness).clock.skip(CRASH_LOOP_AND_LOST_NODE)
    harness.deck.scheduler.refresh()
    harness.wait_until(lambda: "crash-looping" in harness.text().splitlines()[0], what="the header")
    _, border = header_and_map_border(harness)
    assert border.split("┐")[0].endswith(" 1 crash-looping ─"), border


def snapshot_with(nodes: list[str], daemons: list[tuple[str, str]]) -> MeshSnapshot:
    """A real snapshot, its first nodes' healths and first daemons' (state, health) replaced."""
    snap = Mesh(seed=1, start=START).snapshot()
    node_views = [replace(n, health=h) for n, h in zip(snap.nodes, nodes)]
    daemon_views = [replace(d, state=s, health=h) for d, (s, h) in zip(snap.daemons, daemons)]
    return replace(
        snap,
        nodes=(*node_views, *snap.nodes[len(nodes) :]),
        daemons=(*daemon_views, *snap.daemons[len(daemons) :]),
    )


def text(parts: list[tuple[str | None, str]]) -> str:
    return "".join(t for _, t in parts)


def test_troubles_come_worst_first() -> None:
    snap = snapshot_with(
        ["degraded", "unreachable", "degraded"],
        [("running", "degraded"), ("crash-loop", "unhealthy"), ("crash-loop", "unhealthy")],
    )
    assert troubles(snap) == [
        ("bad", "2 crash-looping"),
        ("bad", "1 node lost"),
        ("warn", "2 nodes degraded"),
        ("warn", "1 daemon degraded"),
    ]
    line = text(headline(snap))
    assert line == "mesh 2 crash-looping · +3 more"
    assert headline(snap)[-1] == ("bad", "+3 more")  # a lost node is among them
    assert len(line) <= HEADLINE_MAX


def test_a_shortlist_never_passes_its_budget_and_never_drops_the_first_part() -> None:
    parts: list[tuple[str | None, str]] = [("bad", "1 crash-looping"), ("warn", "3 nodes degraded")]
    for budget in range(2, 41):
        shown = text(shortlist(parts, budget))
        assert len(shown) <= budget and shown.startswith("1"), (budget, shown)
        assert budget < 15 or shown.startswith("1 crash-looping"), (budget, shown)
    assert text(shortlist(parts, 40)) == "1 crash-looping · 3 nodes degraded"
    assert text(shortlist(parts, 30)) == "1 crash-looping · +1 more"
    assert shortlist(parts, 30)[-1] == ("warn", "+1 more")
    assert text(shortlist(parts, 20)) == "1 crash-looping"


#: With seed 1, node-5 relays a stale command 350.6 s in, the first one that does not verify.
FIRST_RELAYED_REJECTION = 352.0


def test_a_relayed_command_that_does_not_verify_shows_in_audit_and_in_the_header(
    deck_harness: Callable[..., Harness], tmp_path: Path
) -> None:
    harness = troubled_deck(deck_harness, tmp_path, size=(80, 24))
    client(harness).clock.skip(FIRST_RELAYED_REJECTION)
    harness.deck.scheduler.refresh()
    harness.wait_until(lambda: "rejected" in harness.text().splitlines()[0], what="the header")
    header, border = header_and_map_border(harness)
    assert "mesh 1 command rejected" in header and "1 command rejected" in border
    assert "(relayed by node-5)" in harness.text()  # the events tail
    assert "via node-5: stale" in show(harness, "0")
    harness.resize(120, 40)
    audit = harness.text()
    row = next(line for line in audit.splitlines() if "● rejected" in line)
    assert "cordon" in row and "node-1" in row and "via node-5: stale" in row
    harness.press("enter")  # the whole entry
    detail = harness.wait_for("issued 900 s ago (limit 300 s)")
    assert '"via": "node-5"' in detail
    harness.press("esc")
    assert "1 · 1 rejected" in audit
    entry = client(harness).snapshot().audit[-1]
    assert (entry.outcome, entry.via, entry.operator) == (
        "rejected",
        "node-5",
        client(harness).operator.operator_id,
    )
    assert not client(harness).snapshot().node("node-1").cordoned
