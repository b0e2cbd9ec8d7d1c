"""falcon-sbi 0.5 run directories: real runs on CPU, followed live, failed, interrupted, listed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SBI_RUN_TIMEOUT

from deck.plugins.falcon_nodes.model import NodeStatus
from deck.plugins.falcon_nodes.panels import NodesPanel
from deck.plugins.falcon_nodes.source import STATUS_SOURCE, FalconView
from deck.testing import Harness, open_deck

SBI_LAYOUT = Path(__file__).resolve().parents[3] / "layouts" / "falcon-sbi.yaml"


@pytest.fixture
def open_sbi(tmp_path: Path) -> Any:
    """Open the shipped falcon-sbi layout headless with these plugin settings."""
    opened: list[Harness] = []

    def open_with(size: tuple[int, int] = (120, 40), **config: Any) -> Harness:
        layout = yaml.safe_load(SBI_LAYOUT.read_text())
        layout["plugins"]["falcon"] = {"refresh": 0.25, **config}
        path = tmp_path / f"sbi-{len(opened)}.yaml"
        path.write_text(yaml.safe_dump(layout))
        harness = open_deck(path, size=size)
        opened.append(harness)
        return harness

    yield open_with
    for harness in opened:
        harness.stop()


def view(harness: Harness) -> FalconView | None:
    value = harness.deck.scheduler.result(STATUS_SOURCE).value
    return value if isinstance(value, FalconView) else None


def node(harness: Harness, name: str) -> NodeStatus | None:
    current = view(harness)
    return current.node(name) if current is not None else None


def test_a_live_run_is_followed_from_its_first_file_to_its_summary(open_sbi: Any, sbi_runs: Any) -> None:
    harness = open_sbi(run_dir=str(sbi_runs.ok))
    seen: list[tuple[str, int | None]] = []

    def record(until: str) -> bool:
        z = node(harness, "z")
        if z is not None and (not seen or seen[-1] != (z.status, z.current_epoch)):
            seen.append((z.status, z.current_epoch))
        return z is not None and z.status == until

    assert harness.wait_until(lambda: record("training"), SBI_RUN_TIMEOUT), (
        sbi_runs.output("ok") + harness.text()
    )
    screen = harness.text()
    assert "running" in screen and re.search(r"Ray at \d+\.\d+\.\d+\.\d+:\d+", screen), screen
    assert harness.wait_until(lambda: record("done"), SBI_RUN_TIMEOUT), harness.text()
    training = [epoch for status, epoch in seen if status == "training" and epoch is not None]
    assert training and min(training) < 150, seen  # seen while it trained, not only at the end
    assert harness.wait_until(lambda: (v := view(harness)) is not None and v.ended is not None, 60)
    assert sbi_runs.wait("ok") == 0
    z = node(harness, "z")
    assert z is not None and z.current_epoch == 150 and z.total_epochs == 150
    assert len(z.loss_history) == 150 and z.loss == z.loss_history[-1]  # the whole history
    screen = harness.wait_for("finished ", 10)
    assert re.search(r"finished \d{4}-\d\d-\d\d \d\d:\d\d:\d\d after 00:0\d:\d\d\s+best final loss", screen)
    line = next(text for text in screen.splitlines() if text.startswith("│z "))
    assert re.search(r"● done \d\d:\d\d", line) and f"{z.loss:.4f}" in line and "100%" in line


def test_a_failing_run_shows_the_failure_on_the_run_and_the_node(open_sbi: Any, sbi_runs: Any) -> None:
    assert sbi_runs.wait("failed") != 0
    harness = open_sbi(run_dir=str(sbi_runs.failed))
    screen = harness.wait_for("Failure  ⚠ RuntimeError: injected simulator failure (test)", 30)
    assert re.search(r"failed \d{4}-\d\d-\d\d \d\d:\d\d:\d\d after", screen)
    x = node(harness, "x")
    assert x is not None and x.status == "failed"
    assert x.traceback is not None and "simulate_batch" in x.traceback and "\x1b" not in x.traceback
    line = next(text for text in screen.splitlines() if text.startswith("│x "))
    assert "● failed" in line and "⚠ RuntimeError: injected simulator failure" in line
    panel = harness.deck.panels("falcon.nodes")[0]
    assert isinstance(panel, NodesPanel)
    panel.table.cursor = [n.name for n in panel.table.visible_rows].index("x")
    harness.press("enter")
    screen = harness.wait_for("Node · x", 10)
    assert re.search(
        r"Status\s+failed since \d\d:\d\d:\d\d\s+│\n│Error\s+RuntimeError: injected simulator failure", screen
    )
    assert re.search(r"Raised at\s+\S+\.py:\d+ in simulate_batch", screen)  # before any frame
    harness.press("end")  # the detail has the focus: its end is the traceback's last line
    screen = harness.text()
    assert "in simulate_batch" in screen and "RuntimeError: injected simulator failure (test)" in screen


def test_an_interrupted_run_from_the_deck(open_sbi: Any, sbi_runs: Any) -> None:
    harness = open_sbi(run_dir=str(sbi_runs.endless))
    assert harness.wait_until(
        lambda: (
            (v := view(harness)) is not None
            and v.status is not None
            and v.status.driver is not None
            and (z := v.node("z")) is not None
            and z.status == "training"
        ),
        SBI_RUN_TIMEOUT,
    ), harness.text()
    pid = view(harness).status.driver[0]  # type: ignore[union-attr]
    harness.press("x")
    harness.wait_for(f"(SIGINT to its driver, pid {pid})?", 5)
    harness.press("left", "enter")  # a destructive question starts on Cancel
    harness.wait_for(f"sent SIGINT to the driver of run-endless (pid {pid})", 10)
    assert sbi_runs.wait("endless") == 0
    screen = harness.wait_for("interrupted 20", 30)
    z = node(harness, "z")
    assert z is not None and z.status == "interrupted" and z.loss is not None  # cut short, not done
    assert "interrupted (run directory" in screen


def test_a_folder_of_three_runs_lists_them_and_shows_the_one_picked(open_sbi: Any, sbi_runs: Any) -> None:
    for name in ("ok", "failed", "endless"):
        sbi_runs.wait(name)
    harness = open_sbi(runs=str(sbi_runs.folder))
    harness.wait_for("run-endless", 30)
    assert harness.wait_until(lambda: harness.text().count("│run-") == 3, 10)
    screen = harness.text()
    rows = {line.split()[0].strip("│"): line for line in screen.splitlines() if "│run-" in line}
    assert (
        "● done" in rows["run-ok"]
        and "● failed" in rows["run-failed"]
        and "● interrupted" in rows["run-endless"]
    )
    for line in rows.values():
        assert re.search(r"\d\d-\d\d \d\d:\d\d:\d\d\s+(\d+[hms] ?)+\s+2\s+-?\d+\.\d{4}", line), line
    runs = harness.deck.panels("falcon.runs")[0]
    runs.table.cursor = [r.name for r in runs.table.visible_rows].index("run-failed")
    harness.wait_for("Failure  ⚠ RuntimeError", 10)
    runs.table.cursor = [r.name for r in runs.table.visible_rows].index("run-ok")
    screen = harness.wait_for("run-ok  finished", 10)
    assert "Failure" not in screen
