"""The simulated nodes' lifecycle, on a clock the test moves."""

from __future__ import annotations

import pytest

from deck.plugins.falcon_nodes.client_simnodes import (
    SimDatasetManager,
    SimNodeGroup,
    SimulatedNode,
    node_names,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_names_are_readable_then_numbered() -> None:
    assert node_names(3) == ["theta", "phi", "x_embed"]
    names = node_names(2000)
    assert len(set(names)) == 2000
    assert names[12:14] == ["node-0013", "node-0014"] and names[-1] == "node-2000"


def test_a_node_goes_through_its_lifecycle_with_falling_loss() -> None:
    clock = Clock()
    node = SimulatedNode("theta", clock=clock)
    assert node.status()["status"] == "initializing"
    clock.now += 3.0
    assert node.status()["status"] in ("simulating", "training")
    clock.now += 60.0
    status = node.status()
    assert status["status"] == "training"
    assert status["samples"] > 0 and status["current_epoch"] > 0
    clock.now += 10_000.0
    done = node.status()
    assert done["status"] == "done"
    assert done["current_epoch"] == done["total_epochs"]
    assert done["loss"] < done["loss_history"][0] or len(done["loss_history"]) == 1
    assert any("training finished" in line for line in node.log_tail(5))
    samples = done["samples"]
    clock.now += 100.0
    assert node.status()["samples"] == samples  # a finished node stands still


def test_speed_scales_simulated_time() -> None:
    slow_clock, fast_clock = Clock(), Clock()
    slow = SimulatedNode("phi", clock=slow_clock)
    fast = SimulatedNode("phi", speed=10.0, clock=fast_clock)
    slow_clock.now += 100.0
    fast_clock.now += 10.0
    assert slow.status() == fast.status()


def test_the_failing_node_fails_early_with_a_reason() -> None:
    clock = Clock()
    node = SimulatedNode("x_embed", fails=True, clock=clock)
    clock.now += 10_000.0
    status = node.status()
    assert status["status"] == "error"
    assert "NaN" in status["error"]
    assert 2 <= status["current_epoch"] <= 7
    with pytest.raises(RuntimeError, match="nothing to pause"):
        node.pause()


def test_pause_freezes_simulated_time_and_resume_continues() -> None:
    clock = Clock()
    node = SimulatedNode("psi", clock=clock)
    clock.now += 20.0
    before = node.status()
    assert node.pause() == "psi paused"
    clock.now += 500.0
    paused = node.status()
    assert paused["status"] == "paused"
    assert (paused["samples"], paused["current_epoch"]) == (before["samples"], before["current_epoch"])
    assert node.resume() == "psi resumed"
    assert node.status()["status"] == before["status"]
    clock.now += 5.0
    assert node.status()["samples"] > before["samples"]


def test_a_group_answers_for_its_nodes_only() -> None:
    group = SimNodeGroup(["a", "b"], seed=1, speed=1.0, fail_node=None)
    assert set(group.get_node_statuses(["a", "b", "zz"])) == {"a", "b"}
    assert group.pause_node("a") == "a paused"
    assert group.get_node_statuses(["a"])["a"]["status"] == "paused"
    with pytest.raises(LookupError, match="no node named 'zz'"):
        group.get_node_log_tail("zz", 5)


def test_dataset_manager_counts_grow() -> None:
    clock = Clock()
    manager = SimDatasetManager(speed=2.0, clock=clock)
    clock.now += 10.0
    stats = manager.get_store_stats()
    assert stats["training"] == 800
    assert stats["total_length"] == stats["training"] + stats["validation"] + stats["disfavoured"]
