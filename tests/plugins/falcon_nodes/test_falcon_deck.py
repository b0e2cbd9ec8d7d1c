"""The falcon deck as an operator sees it, headless, against a real local Ray cluster."""

from __future__ import annotations

import math
import re
import time
from typing import Any

from falcon_helpers import free_port

from deck.plugins.falcon_nodes.client import Phase
from deck.plugins.falcon_nodes.client_coordinator import start_coordinator
from deck.plugins.falcon_nodes.model import STATUS_ORDER, NodeStatus
from deck.plugins.falcon_nodes.panels import NodesPanel
from deck.testing import Harness

CONNECT = 60.0  # a fresh Ray driver on a busy two-core machine


def nodes_panel(harness: Harness) -> NodesPanel:
    panel = harness.deck.panels("falcon.nodes")[0]
    assert isinstance(panel, NodesPanel)
    return panel


def row_line(screen: str, name: str) -> str:
    return next(line for line in screen.splitlines() if line.startswith(f"│{name} "))


def wait_for_nodes(harness: Harness, count: int, predicate: Any = None) -> NodesPanel:
    panel = nodes_panel(harness)

    def ready() -> bool:
        rows = panel.table.visible_rows
        return len(rows) == count and (predicate is None or predicate(rows))

    assert harness.wait_until(ready, CONNECT), harness.text()
    return panel


def test_node_table_contents_and_the_three_sort_orders(open_falcon: Any, sim_run: Any) -> None:
    harness = open_falcon(namespace=sim_run.namespace)
    panel = wait_for_nodes(
        harness,
        len(sim_run.names),
        lambda rows: any(n.status == "error" for n in rows) and sum(n.loss is not None for n in rows) >= 3,
    )
    screen = harness.text()
    rows = panel.table.visible_rows  # what that screen was drawn from
    assert "connected to " in screen and "(falcon:coordinator)" in screen
    # still training, or (late in a session: the shared run is fast) finished with a summary
    running = r"elapsed \d\d:\d\d:\d\d"
    finished = r"finished [\d: -]+ after \d\d:\d\d:\d\d  best final loss \d\.\d{4} \(\w+\)"
    assert re.search(rf"outputs/sim\s+({running}|{finished})\s+8 nodes: 1 error", screen), screen
    assert re.search(r"Buffer\s+[█▓▒]+ █ [\d,]+ training  ▓ [\d,]+ validation  ▒ [\d,]+ disfavoured", screen)
    assert "Node" in screen and "Status" in screen and "Trend" in screen and "Progress" in screen
    for node in rows:
        line = row_line(screen, node.name)
        assert f"● {node.status}" in line
        if node.samples is not None:
            assert f"{node.samples:,}" in line
        if node.loss is not None:
            assert f"{node.loss:.4f}" in line
        if node.error:
            assert f"⚠ {node.error}"[:30] in line
        if node.progress is not None:
            assert f"{node.progress * 100:3.0f}%" in line
    assert [n.name for n in rows] == sorted(sim_run.names)  # natural name order first

    harness.press("s")
    assert "nodes sorted by status" in harness.text()
    rows = panel.table.visible_rows
    assert rows[0].name == "x_embed" and rows[0].status == "error"
    ranks = [STATUS_ORDER.get(n.status, len(STATUS_ORDER)) for n in rows]
    assert ranks == sorted(ranks)
    assert "sort: status" in harness.text()

    harness.press("s")
    rows = panel.table.visible_rows
    known = [n.loss is not None and not math.isnan(n.loss) for n in rows]
    assert known == sorted(known, reverse=True)  # nodes without a loss come last
    losses = [n.loss for n, has_loss in zip(rows, known) if has_loss]
    assert losses == sorted(losses) and len(losses) >= 3
    assert "sort: loss" in harness.text()

    harness.press("s")
    assert [n.name for n in panel.table.visible_rows] == sorted(sim_run.names)
    assert "sort: name" in harness.text()


def test_log_pane_follows_the_selection_and_the_full_screen_log(open_falcon: Any, sim_run: Any) -> None:
    harness = open_falcon(namespace=sim_run.namespace)
    panel = wait_for_nodes(harness, len(sim_run.names))
    first, second = (n.name for n in panel.table.visible_rows[:2])
    screen = harness.wait_for(f"Log · {first}", CONNECT)
    assert harness.wait_until(lambda: re.search(r"\d\d:\d\d:\d\d INFO  ", harness.text()), 10)

    harness.press("j")
    assert panel.selection is not None and panel.selection.name == second
    screen = harness.wait_for(f"Log · {second}", 10)

    harness.press("3")
    screen = harness.wait_for(f"Full log · {second}", 10)
    assert "Nodes" not in screen  # the log has the whole screen
    assert harness.wait_until(lambda: len(re.findall(r"\d\d:\d\d:\d\d INFO  ", harness.text())) >= 3, 10)

    harness.press("ctrl n")  # moves the selection from the log screen too
    third = panel.table.visible_rows[2].name
    harness.wait_for(f"Full log · {third}", 10)
    harness.press("ctrl p")
    harness.wait_for(f"Full log · {second}", 10)

    harness.press("1")
    screen = harness.wait_for("Nodes", 5)
    assert f"Log · {second}" in screen


def test_a_node_whose_status_call_hangs_shows_as_timed_out(open_falcon: Any, hang_run: Any) -> None:
    harness = open_falcon(namespace=hang_run.namespace)
    panel = wait_for_nodes(
        harness,
        len(hang_run.names),
        lambda rows: any(n.error == "timeout" for n in rows) and any(n.samples for n in rows),
    )
    screen = harness.text()
    assert "⚠ timeout" in row_line(screen, "phi") and "● error" in row_line(screen, "phi")
    for node in panel.table.visible_rows:
        if node.name != "phi":
            assert node.error is None and node.status != "error"
    harness.press("s")  # status order: the stuck node comes first
    assert panel.table.visible_rows[0].name == "phi"


def test_coordinator_killed_mid_run_then_a_new_one(
    open_falcon: Any, ray_driver: Any, sim_run: Any, namespace: str
) -> None:
    first = start_coordinator("outputs/first", namespace=namespace, detached=True)
    sim_run.register(first)
    harness = open_falcon(namespace=namespace)
    wait_for_nodes(harness, len(sim_run.names))
    harness.wait_for("outputs/first", 5)

    ray_driver.kill(first, no_restart=True)
    lost = harness.wait_for("waiting for a run", 30)
    assert "coordinator not found (waiting for a run)" in lost
    assert re.search(r"outputs/first  as of \d+ s ago", lost)  # the last status stays, marked old
    assert re.search(r"last update \d+ s ago", lost)

    second = start_coordinator("outputs/second", namespace=namespace, detached=True)
    try:
        sim_run.register(second)
        screen = harness.wait_for("outputs/second", 30)
        assert "connected to " in screen and "as of" not in screen
        assert len(nodes_panel(harness).table.visible_rows) == len(sim_run.names)
    finally:
        ray_driver.kill(second, no_restart=True)


def test_no_cluster_is_one_clear_message_and_the_deck_keeps_running(open_falcon: Any, capfd: Any) -> None:
    port = free_port()
    harness = open_falcon(address=f"127.0.0.1:{port}")
    message = f"no Ray cluster at 127.0.0.1:{port}: Connection refused"
    screen = harness.wait_for(message, 10)
    assert screen.count(message) == 1
    assert "● no Ray cluster (retry in" in screen  # the header's short form
    assert "Traceback" not in screen and "Error" not in screen
    harness.press("s", "j", "k", "3", "ctrl n", "1", "r", "p")
    screen = harness.text()
    assert "Nodes" in screen and message in screen
    assert "Pause: select a node first" in screen  # no dialog without a node
    out, err = capfd.readouterr()  # only Ray's own warnings to this test process, if any
    assert [line for line in (out + err).splitlines() if "(raylet)" not in line] == []


def test_pause_and_resume_are_confirmed(open_falcon: Any, slow_run: Any) -> None:
    harness = open_falcon(namespace=slow_run.namespace)
    panel = wait_for_nodes(harness, len(slow_run.names))
    assert panel.selection is not None and panel.selection.name == "phi"  # phi, theta, x_embed

    harness.press("p")
    harness.wait_for("Pause node phi (", 5)
    harness.press("esc")
    harness.wait_for("Pause: cancelled", 5)

    harness.press("p")
    harness.wait_for("Pause node phi", 5)
    harness.press("enter")
    try:
        harness.wait_for("phi paused", 20)
        assert harness.wait_until(lambda: status_of(panel, "phi") == "paused", 20)
        assert "● paused" in row_line(harness.text(), "phi")
    finally:
        harness.press("u")
        harness.wait_for("Resume node phi (paused", 5)
        harness.press("enter")
        harness.wait_for("phi resumed", 20)
    assert harness.wait_until(lambda: status_of(panel, "phi") != "paused", 20)


def test_pausing_a_node_that_cannot_pause_says_why(
    open_falcon: Any, ray_driver: Any, slow_run: Any, namespace: str
) -> None:
    coordinator = start_coordinator("outputs/odd", namespace=namespace, detached=False)
    try:
        # an actor with neither get_status nor pause: an error row that cannot pause
        ray_driver.get(coordinator.register_node.remote("odd", slow_run.dataset_manager))
        harness = open_falcon(namespace=namespace)
        wait_for_nodes(harness, 1)
        harness.press("p")  # checked first: no question asked for what cannot be done
        screen = harness.wait_for("Pause: node 'odd' does not support pause", 5)
        assert "Pause node odd" not in screen
    finally:
        ray_driver.kill(coordinator)


def test_read_only_disables_pause_and_resume(open_falcon: Any, slow_run: Any) -> None:
    harness = open_falcon(namespace=slow_run.namespace, read_only=True)
    panel = wait_for_nodes(harness, len(slow_run.names))
    assert "READ-ONLY" in harness.text()
    harness.press("p")
    screen = harness.text()
    assert "Pause: disabled in read-only mode" in screen and "Pause node" not in screen
    harness.press("u")
    assert "Resume: disabled in read-only mode" in harness.text()
    harness.run(1.5)
    assert status_of(panel, "phi") != "paused"


def status_of(panel: NodesPanel, name: str) -> str | None:
    node: NodeStatus | None = next((n for n in panel.table.visible_rows if n.name == name), None)
    return node.status if node is not None else None


def test_quitting_while_connecting_does_not_wait_for_ray(open_falcon: Any) -> None:
    import socket

    with socket.socket() as silent:  # accepts connections, never answers: Ray would wait
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        harness = open_falcon(address=f"127.0.0.1:{silent.getsockname()[1]}", connect_timeout=60)
        harness.wait_for("connecting to", 10)
        harness.run(1.0)
        plugin = harness.deck.parts.host.plugins["falcon"].obj
        client = plugin.client
        assert client is not None and client.state.phase is Phase.CONNECTING
        started = time.monotonic()
        harness.stop()
        assert time.monotonic() - started < 5
        assert plugin.client is None
