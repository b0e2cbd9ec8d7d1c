"""The node-side helper: the status dict a node reports and its bounded log ring."""

from __future__ import annotations

import re
import threading

from deck.plugins.falcon_nodes.client_reporter import NodeReporter
from deck.plugins.falcon_nodes.model import parse_status

LINE = re.compile(r"^\[\d\d:\d\d:\d\d\] (.*)$")


def test_status_dict_has_the_coordinator_shape() -> None:
    reporter = NodeReporter("theta", total_epochs=200)
    assert reporter.status_dict() == {
        "name": "theta",
        "status": "initializing",
        "samples": 0,
        "current_epoch": 0,
        "total_epochs": 200,
        "loss": None,
        "loss_history": [],
    }
    reporter.set_status("training")
    reporter.add_samples(1204)
    reporter.record_epoch(1, None)
    reporter.record_epoch(2, 0.5, total_epochs=150)
    status = reporter.status_dict()
    assert (status["status"], status["samples"], status["current_epoch"]) == ("training", 1204, 2)
    assert (status["total_epochs"], status["loss"], status["loss_history"]) == (150, 0.5, [0.5])
    node = parse_status({"nodes": {"theta": status}}).nodes[0]
    assert node.progress == 2 / 150


def test_error_is_reported_until_the_status_changes() -> None:
    reporter = NodeReporter("phi")
    reporter.set_status("error", error="CUDA out of memory")
    assert reporter.status_dict()["error"] == "CUDA out of memory"
    reporter.set_status("training")
    assert "error" not in reporter.status_dict()


def test_loss_history_keeps_the_last_entries() -> None:
    reporter = NodeReporter("n", history_length=3)
    for epoch in range(1, 6):
        reporter.record_epoch(epoch, float(epoch))
    assert reporter.status_dict()["loss_history"] == [3.0, 4.0, 5.0]


def test_log_ring_is_bounded_and_timestamped() -> None:
    reporter = NodeReporter("n", max_log_lines=4)
    reporter.log("first")
    reporter.log("two\nlines")
    for index in range(3):
        reporter.log(f"line {index}")
    tail = reporter.log_tail(50)
    assert [LINE.match(line).group(1) for line in tail] == ["lines", "line 0", "line 1", "line 2"]
    assert [LINE.match(line).group(1) for line in reporter.log_tail(2)] == ["line 1", "line 2"]
    assert reporter.log_tail(0) == []


def test_reading_while_another_thread_writes() -> None:
    reporter = NodeReporter("n", max_log_lines=10)
    stop = threading.Event()

    def write() -> None:
        epoch = 0
        while not stop.is_set():
            epoch += 1
            reporter.record_epoch(epoch, 1.0 / epoch)
            reporter.log(f"epoch {epoch}")

    writer = threading.Thread(target=write)
    writer.start()
    try:
        for _ in range(2000):
            assert len(reporter.log_tail(10)) <= 10
            assert len(reporter.status_dict()["loss_history"]) <= 20
    finally:
        stop.set()
        writer.join()
