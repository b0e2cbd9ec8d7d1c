"""The coordinator actor on a real Ray cluster, driven directly from the test process."""

from __future__ import annotations

import re
import sys
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from falcon_helpers import wait_for

from deck.plugins.falcon_nodes.client_coordinator import NodeReporter, start_coordinator
from deck.plugins.falcon_nodes.client_simnodes import HangingSimNode

LOG_LINE = re.compile(r"^\[\d\d:\d\d:\d\d\] \S")


class PlainNode:
    """A node like Falcon's NodeWrapper before pause existed: status and log only."""

    def __init__(self, name: str) -> None:
        self.reporter = NodeReporter(name, status="training", total_epochs=10)
        self.reporter.record_epoch(3, 0.5)
        self.reporter.log("epoch 3 done")

    def get_status(self) -> dict[str, object]:
        return self.reporter.status_dict()

    def get_log_tail(self, num_lines: int = 50) -> list[str]:
        return self.reporter.log_tail(num_lines)


@pytest.fixture(scope="module")
def plain_node_class(ray_driver: Any) -> Any:
    """PlainNode as an actor class; workers cannot import this test module, so ship it."""
    ray_driver.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    return ray_driver.remote(PlainNode).options(num_cpus=0)


def status_of(coordinator: Any, **kwargs: Any) -> dict[str, Any]:
    import ray

    return ray.get(coordinator.get_status.remote(**kwargs), timeout=30)


def test_status_has_the_documented_shape(sim_run: Any) -> None:
    status = status_of(sim_run.coordinator)

    assert status["run_dir"] == "outputs/sim"
    started = datetime.fromisoformat(status["started_at"])
    assert started.tzinfo is None  # local time, as Falcon reports it
    assert timedelta(0) <= datetime.now() - started < timedelta(minutes=10)
    assert list(status["nodes"]) == sim_run.names
    for name, node in status["nodes"].items():
        assert node["name"] == name
        assert {"status", "samples", "current_epoch", "total_epochs", "loss", "loss_history"} <= set(node)
        assert len(node["loss_history"]) <= 20
    assert {"total_length", "training", "validation", "disfavoured"} <= set(status["buffer"])


def test_nodes_progress_and_one_fails(sim_run: Any) -> None:
    failed = wait_for(lambda: status_of(sim_run.coordinator)["nodes"]["x_embed"]["status"] == "error", 20)
    assert failed
    node = status_of(sim_run.coordinator)["nodes"]["x_embed"]
    assert "NaN" in node["error"]

    def trained() -> dict[str, Any] | None:
        nodes = status_of(sim_run.coordinator)["nodes"]
        return nodes if sum(len(n["loss_history"]) >= 3 for n in nodes.values()) >= 3 else None

    nodes = wait_for(trained, 20)
    for node in nodes.values():
        history = node["loss_history"]
        if len(history) >= 3 and node["status"] != "error":
            assert node["loss"] == history[-1]
            assert history[-1] < history[0] * 1.2  # falling, with some noise
            assert 0 < node["current_epoch"] <= node["total_epochs"]


def test_node_log_lines_are_timestamped_and_bounded(sim_run: Any) -> None:
    import ray

    for name in ("theta", "y_embed"):  # one node actor, one node in a group
        lines = ray.get(sim_run.coordinator.get_node_log.remote(name, 3), timeout=30)
        assert 1 <= len(lines) <= 3
        assert all(LOG_LINE.match(line) for line in lines), lines
    assert ray.get(sim_run.coordinator.get_node_log.remote("no-such-node"), timeout=30) == []


def test_hanging_node_times_out_alone(ray_driver: Any, sim_run: Any, namespace: str) -> None:
    hanging = ray_driver.remote(HangingSimNode).options(num_cpus=0, max_concurrency=4)
    stuck = hanging.remote("stuck", 0, 1.0, False)
    coordinator = start_coordinator("hang", namespace=namespace, detached=False, node_timeout=1.0)
    sim_run.register(coordinator)
    ray_driver.get(coordinator.register_node.remote("stuck", stuck))
    ray_driver.get(stuck.__ray_ready__.remote(), timeout=60)
    try:
        # The first call waits out the timeout; later ones reuse the stuck call instead of
        # queueing another, and do not wait for it again.
        for patience in (1.0 + 1.5, 1.0):
            started = time.monotonic()
            status = status_of(coordinator)
            assert time.monotonic() - started < patience
            stuck_row = status["nodes"]["stuck"]
            assert (stuck_row["status"], stuck_row["error"]) == ("error", "timeout")
            assert stuck_row["controls"] == ["pause", "resume"] and len(stuck_row["actor_id"]) > 8
            others = [node for name, node in status["nodes"].items() if name != "stuck"]
            assert len(others) == len(sim_run.names)
            assert all(node.get("error") != "timeout" for node in others)
        lines = ray_driver.get(coordinator.get_node_log.remote("stuck", 5), timeout=30)
        assert lines and LOG_LINE.match(lines[0])
    finally:
        ray_driver.kill(stuck)
        ray_driver.kill(coordinator)


def test_pause_and_resume_reach_the_node(slow_run: Any) -> None:
    import ray

    coordinator = slow_run.coordinator
    for name in ("theta", "phi"):  # one node actor, one node in a group
        reply = ray.get(coordinator.pause_node.remote(name), timeout=30)
        assert reply == {"ok": True, "node": name, "message": f"{name} paused"}
        assert status_of(coordinator)["nodes"][name]["status"] == "paused"
        reply = ray.get(coordinator.resume_node.remote(name), timeout=30)
        assert reply["ok"] is True
        assert status_of(coordinator)["nodes"][name]["status"] != "paused"
    reply = ray.get(coordinator.pause_node.remote("nobody"), timeout=30)
    assert reply == {"ok": False, "node": "nobody", "message": "no node named 'nobody'"}


def test_nodes_without_pause_or_status_are_reported(
    ray_driver: Any, plain_node_class: Any, slow_run: Any, namespace: str
) -> None:
    plain = plain_node_class.remote("plain")
    coordinator = start_coordinator("plain", namespace=namespace, detached=False)
    try:
        ray_driver.get(coordinator.register_node.remote("plain", plain))
        # the dataset manager has neither get_status nor pause: it must not break the others
        ray_driver.get(coordinator.register_node.remote("odd", slow_run.dataset_manager))
        reply = ray_driver.get(coordinator.pause_node.remote("plain"), timeout=30)
        assert reply == {"ok": False, "node": "plain", "message": "node 'plain' does not support pause"}
        nodes = status_of(coordinator)["nodes"]
        assert nodes["plain"]["status"] == "training"
        assert nodes["plain"]["loss_history"] == [0.5]
        assert nodes["odd"]["status"] == "error"
        assert "get_status" in nodes["odd"]["error"]
        assert status_of(coordinator)["buffer"] == {}  # no dataset manager registered

        ray_driver.kill(plain)
        dead = wait_for(lambda: status_of(coordinator)["nodes"]["plain"].get("error"), 30)
        assert dead == "actor died"
    finally:
        ray_driver.kill(coordinator)


def test_names_are_reported_in_registration_order(sim_run: Any) -> None:
    import ray

    assert ray.get(sim_run.coordinator.get_node_names.remote(), timeout=30) == sim_run.names


def test_a_taken_name_is_refused_unless_replaced(ray_driver: Any, namespace: str) -> None:
    first = start_coordinator("one", namespace=namespace, detached=False)
    ray_driver.get(first.get_node_names.remote(), timeout=60)
    with pytest.raises(ValueError, match="already"):
        start_coordinator("two", namespace=namespace, detached=False)
    second = start_coordinator("two", namespace=namespace, detached=False, replace=True)
    try:
        assert status_of(second)["run_dir"] == "two"
        with pytest.raises(ray_driver.exceptions.RayActorError):
            ray_driver.get(first.get_node_names.remote(), timeout=30)
    finally:
        ray_driver.kill(second)
