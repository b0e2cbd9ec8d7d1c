"""Parsing the coordinator's status defensively, and the node table's sort orders."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from deck.plugins.falcon_nodes.model import (
    MAX_HISTORY,
    BufferStats,
    NodeStatus,
    SortMode,
    parse_status,
    sort_nodes,
)

REFERENCE_STATUS = {
    "run_dir": "outputs/exp01",
    "started_at": "2026-01-10T14:18:03.512345",
    "nodes": {
        "theta": {
            "name": "theta",
            "status": "training",
            "samples": 1204,
            "current_epoch": 134,
            "total_epochs": 200,
            "loss": 0.342,
            "loss_history": [0.51, 0.47, 0.342],
        },
        "z_model": {"status": "error", "error": "timeout"},
    },
    "buffer": {
        "total_length": 1805,
        "training": 1204,
        "validation": 512,
        "disfavoured": 89,
        "tombstone": 0,
        "deleted": 0,
    },
}


def test_the_reference_shape_parses_completely() -> None:
    status = parse_status(REFERENCE_STATUS)
    assert status.run_dir == "outputs/exp01"
    assert status.started_at == datetime(2026, 1, 10, 14, 18, 3, 512345)
    assert status.elapsed(datetime(2026, 1, 10, 14, 32, 35, 512345)) == timedelta(minutes=14, seconds=32)
    assert status.nodes == (
        NodeStatus("theta", "training", 1204, 134, 200, 0.342, (0.51, 0.47, 0.342)),
        NodeStatus("z_model", "error", error="timeout"),
    )
    assert status.buffer == BufferStats(1204, 512, 89, 1805, 0, 0)
    assert status.problem is None
    assert status.node("theta").progress == pytest.approx(0.67)
    assert status.node("z_model").progress is None


@pytest.mark.parametrize(
    "raw",
    [None, [], "nope", 42, {"nodes": "x", "buffer": 5, "started_at": "yesterday", "run_dir": None}],
)
def test_garbage_never_raises(raw: object) -> None:
    status = parse_status(raw)
    assert status.nodes == ()
    assert status.started_at is None
    assert status.elapsed() is None


def test_wrong_field_types_read_as_unknown() -> None:
    status = parse_status(
        {
            "nodes": {
                "a": {
                    "status": None,
                    "samples": "12",
                    "current_epoch": 3.0,
                    "total_epochs": True,
                    "loss": "0.5",
                    "loss_history": [1, "x", None, 0.5],
                },
                "b": "not a dict",
                "c": {"status": "compiling", "loss": None, "samples": [1]},
                7: {"status": "idle"},
            },
            "buffer": {"error": "timeout"},
        }
    )
    a, b, c, seven = status.nodes
    assert a == NodeStatus("a", "unknown", 12, 3, None, 0.5, (1.0, 0.5))
    assert b.status == "error" and b.error == "unreadable status (str)"
    assert c == NodeStatus("c", "compiling")  # an unknown status is kept as sent
    assert seven.name == "7"
    assert status.buffer == BufferStats(error="timeout")


def test_nodes_may_come_as_a_list_and_history_is_bounded() -> None:
    history = list(range(MAX_HISTORY + 50))
    status = parse_status({"nodes": [{"name": "n1", "loss_history": history}, {"status": "x"}]})
    assert [node.name for node in status.nodes] == ["n1"]
    assert status.nodes[0].loss_history == tuple(float(v) for v in history[-MAX_HISTORY:])


def test_not_a_dict_is_a_problem_not_a_crash() -> None:
    assert parse_status(["x"]).problem == "coordinator sent list, expected a status dict"
    assert parse_status({"buffer": {}}).buffer is None


def test_progress() -> None:
    assert NodeStatus("n", "done", current_epoch=1, total_epochs=200).progress == 1.0
    assert NodeStatus("n", "training", current_epoch=50, total_epochs=200).progress == 0.25
    assert NodeStatus("n", "training", current_epoch=300, total_epochs=200).progress == 1.0
    assert NodeStatus("n", "training", current_epoch=5, total_epochs=0).progress is None
    assert NodeStatus("n", "idle").progress is None


NODES = (
    NodeStatus("node-10", "training", loss=0.3),
    NodeStatus("node-2", "done", loss=0.1),
    NodeStatus("Alpha", "compiling", loss=None),
    NodeStatus("beta", "error", loss=float("nan")),
    NodeStatus("node-1", "training", loss=0.2),
    NodeStatus("gamma", "idle", loss=0.2),
    NodeStatus("delta", "paused"),
)


def names(mode: SortMode) -> list[str]:
    return [node.name for node in sort_nodes(NODES, mode)]


def test_sort_by_name_is_natural_and_case_blind() -> None:
    assert names(SortMode.NAME) == ["Alpha", "beta", "delta", "gamma", "node-1", "node-2", "node-10"]


def test_sort_by_status_puts_errors_first_and_unknown_statuses_last() -> None:
    assert names(SortMode.STATUS) == ["beta", "node-1", "node-10", "delta", "gamma", "node-2", "Alpha"]


def test_sort_by_loss_is_ascending_with_missing_and_nan_last() -> None:
    assert names(SortMode.LOSS) == ["node-2", "gamma", "node-1", "node-10", "Alpha", "beta", "delta"]
    assert math.isnan(sort_nodes(NODES, SortMode.LOSS)[5].loss or 0.0)


def test_sort_modes_cycle() -> None:
    assert SortMode.NAME.next() is SortMode.STATUS
    assert SortMode.STATUS.next() is SortMode.LOSS
    assert SortMode.LOSS.next() is SortMode.NAME


def test_snapshots_are_immutable() -> None:
    node = NODES[0]
    with pytest.raises(AttributeError):
        node.loss = 1.0  # type: ignore[misc]
