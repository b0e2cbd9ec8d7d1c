"""The moments that matter, against a real local Ray cluster: a node dies, a run ends, a cluster dies."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ray_head
from test_falcon_deck import CONNECT, nodes_panel, row_line, wait_for_nodes

from deck.plugins.falcon_nodes.client import Phase
from deck.plugins.falcon_nodes.client_sim import SimRun, start_sim
from deck.plugins.falcon_nodes.model import NodeStatus
from deck.plugins.falcon_nodes.source import STATUS_SOURCE, FalconView
from deck.testing import Harness


@pytest.fixture
def run_of(ray_driver: Any) -> Iterator[Any]:
    """Start a simulated run in its own namespace; stopped after the test."""
    runs: list[SimRun] = []

    def start(nodes: int, speed: float) -> SimRun:
        run = start_sim(
            nodes, speed=speed, solo=nodes, fail_node=None, namespace=f"falcon-{uuid.uuid4().hex[:8]}"
        )
        runs.append(run)
        return run

    yield start
    for run in runs:
        run.stop()


def view(harness: Harness) -> FalconView:
    value = harness.deck.scheduler.result(STATUS_SOURCE).value
    assert isinstance(value, FalconView)
    return value


def node(harness: Harness, name: str) -> NodeStatus | None:
    return next((n for n in nodes_panel(harness).table.visible_rows if n.name == name), None)


def test_a_crashed_node_is_dead_keeps_its_numbers_and_never_blames_the_coordinator(
    open_falcon: Any, ray_driver: Any, run_of: Any
) -> None:
    run = run_of(3, speed=3.0)
    harness = open_falcon(namespace=run.namespace, refresh=0.5)
    wait_for_nodes(harness, 3, lambda rows: rows[0].name == "phi" and rows[0].loss is not None)
    assert harness.wait_until(lambda: (n := node(harness, "phi")) and n.status == "training", CONNECT)
    ray_driver.kill(run.node_actors["phi"], no_restart=True)  # phi is selected: its log is fetched

    assert harness.wait_until(lambda: (n := node(harness, "phi")) and n.status == "dead", 20), harness.text()
    dead = node(harness, "phi")
    assert dead is not None and dead.loss is not None and dead.current_epoch and dead.since is not None
    screen = harness.text()
    line = row_line(screen, "phi")
    assert re.search(r"● dead \d\d:\d\d", line) and f"{dead.loss:.4f}" in line and "⚠" not in line
    phases = set()
    for _ in range(12):  # six polls: the selected dead node's log is fetched each time
        harness.run(0.5)
        phases.add(view(harness).connection.phase)
        assert "coordinator" not in harness.text().split("Log")[0].replace("(falcon:coordinator)", "")
    assert phases == {Phase.CONNECTED}
    assert "log unavailable: node 'phi': actor died" in harness.text(), harness.text()

    harness.press("enter")  # the node detail says what happened and keeps the numbers
    screen = harness.wait_for("Node · phi", 10)
    assert re.search(r"Status\s+dead since \d\d:\d\d:\d\d", screen)
    assert re.search(r"History\s+.*training \d\d:\d\d:\d\d → dead \d\d:\d\d:\d\d", screen), screen
    assert re.search(
        r"Actor\s+[0-9a-f]{16,}\s+pid \d+ on \d+\.\d+\.\d+\.\d+\s+\(Ray node [0-9a-f]{12}…\)", screen
    )
    assert re.search(r"Resources\s+Ray node: CPU 2, memory \d+\.\d GB", screen), screen
    assert re.search(r"Curve\s+\S+", screen)
    harness.press("ctrl n")  # the next node, alive: its actor's process runs here
    assert harness.wait_until(lambda: re.search(r"Usage\s+CPU \d+%  RSS [\d,]+ MB", harness.text()), 10)
    assert "Node · theta" in harness.text()


def test_a_finished_run_keeps_its_final_losses_and_says_when_it_ended(open_falcon: Any, run_of: Any) -> None:
    run = run_of(3, speed=400.0)  # every node trains its epochs in about a second
    harness = open_falcon(namespace=run.namespace, refresh=0.5)
    wait_for_nodes(harness, 3, lambda rows: all(n.status == "done" for n in rows))
    harness.wait_for("finished ", 10)
    final = {n.name: n.loss for n in nodes_panel(harness).table.visible_rows}
    run.stop(keep_coordinator=True)  # the run's actors go away, the coordinator stays

    assert harness.wait_until(lambda: view(harness).status.buffer.error == "actor died", 20)  # type: ignore[union-attr]
    screen = harness.text()
    for name, loss in final.items():
        line = row_line(screen, name)
        assert re.search(r"● done \d\d:\d\d", line) and f"{loss:.4f}" in line and "actor died" not in line
    assert re.search(
        r"finished \d{4}-\d\d-\d\d \d\d:\d\d:\d\d after 00:00:\d\d  best final loss \d\.\d{4}", screen
    )
    assert "3 nodes: 3 done" in screen


def test_rows_of_a_run_that_went_away_turn_stale(open_falcon: Any, ray_driver: Any, run_of: Any) -> None:
    run = run_of(2, speed=3.0)
    harness = open_falcon(namespace=run.namespace, refresh=0.5)
    wait_for_nodes(harness, 2, lambda rows: all(n.status == "training" for n in rows))
    ray_driver.kill(run.coordinator, no_restart=True)
    assert harness.wait_until(lambda: all(n.stale_for for n in nodes_panel(harness).table.visible_rows), 20)
    screen = harness.text()
    assert re.search(r"training · \d+s\?", row_line(screen, "phi"))
    assert "● training" not in screen


def test_a_dead_cluster_is_told_apart_from_a_gone_coordinator(open_falcon: Any, ray_driver: Any) -> None:
    with ray_head() as cluster:
        sim = subprocess.Popen(  # a run on that cluster, driven from its own process
            [
                sys.executable,
                "-m",
                "deck.plugins.falcon_nodes.client_sim",
                "--address",
                cluster.address,
                "--nodes",
                "3",
                "--speed",
                "3",
                "--fail-node",
                "none",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            harness = open_falcon(address=cluster.address, refresh=0.5)
            wait_for_nodes(harness, 3)
            os.killpg(cluster.pid, signal.SIGKILL)  # the whole cluster, at once
            seen: list[str] = []

            def told() -> bool:
                seen.append(view(harness).connection.describe())
                return seen[-1].startswith(f"no Ray cluster at {cluster.address}")

            assert harness.wait_until(told, 30), seen
            failures = [text for text in seen if not text.startswith("connected")]
            assert not [text for text in failures if "coordinator" in text or "died" in text], failures
            screen = harness.text()
            assert "3 nodes" in screen  # the last status stays on show
        finally:
            sim.kill()
            sim.wait()
