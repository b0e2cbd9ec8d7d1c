"""Reading falcon-sbi run directories from the recorded samples: incremental tails, summaries, chunks."""

from __future__ import annotations

import shutil
from pathlib import Path

from deck.plugins.falcon_nodes.client_rundir import LogTail, RunReader, find_runs, read_chunk

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "falcon-sbi"


def recorded_run(tmp_path: Path) -> Path:
    """The recorded run laid out as falcon writes it (the excerpts under their real names)."""
    run = tmp_path / "output" / "run"
    shutil.copytree(FIXTURES / "run", run)
    for excerpt in run.glob("graph/*/output.log.excerpt"):
        excerpt.rename(excerpt.with_name("output.log"))
    return run


def test_a_tail_reads_only_what_was_appended_and_waits_for_whole_lines(tmp_path: Path) -> None:
    log = tmp_path / "output.log"
    log.write_text("one\ntw")
    tail = LogTail(log)
    assert tail.read() == ["one"]
    assert tail.read() == []
    with log.open("a") as handle:
        handle.write("o\nthree\n")
    assert tail.read() == ["two", "three"]
    log.write_text("new\n")  # replaced (shorter): read from its start
    assert tail.read() == ["new"]
    assert LogTail(tmp_path / "missing.log").read() == []


def test_a_completed_run_reads_as_done_with_its_summary(tmp_path: Path) -> None:
    reader = RunReader(recorded_run(tmp_path))
    status = reader.poll()
    assert status.state == "done" and status.failure is None
    assert status.ended_at is not None and status.ended_at.strftime("%H:%M:%S") == "16:41:47"
    assert status.started_at is not None and status.started_at.strftime("%H:%M:%S") == "16:41:12"
    assert status.ray_address == "192.0.2.2:41923"
    z = next(node for node in status.nodes if node.name == "z")
    assert (z.status, z.current_epoch, z.total_epochs, z.samples) == ("done", 300, 300, 3072)
    assert z.loss is not None and round(z.loss, 3) == -6.152  # the excerpt's last Epoch line
    assert len(z.loss_history) == 100  # the recorded val/loss chunk holds more than the excerpt
    x = next(node for node in status.nodes if node.name == "x")
    assert x.status == "done"
    assert status.buffer is not None and status.buffer.total_length == 3200
    assert reader.warnings == 0  # the known ray.internal.free GC errors are not the run's
    assert reader.poll() == status  # nothing new, nothing changes


def test_a_failed_run_names_its_exception_without_colour_codes(tmp_path: Path) -> None:
    run = tmp_path / "crash"
    (run / "graph" / "driver").mkdir(parents=True)
    (run / "graph" / "z").mkdir()
    shutil.copy(FIXTURES / "run" / "config.yml", run / "config.yml")
    shutil.copy(FIXTURES / "crash" / "driver-output.log.excerpt", run / "graph" / "driver" / "output.log")
    shutil.copy(FIXTURES / "crash" / "z-output.log.tail", run / "graph" / "z" / "output.log")
    status = RunReader(run).poll()
    assert status.state == "failed"
    assert status.failure == "RuntimeError: injected simulator failure (test)"
    z = next(node for node in status.nodes if node.name == "z")
    assert z.status == "failed" and z.current_epoch == 164 and z.error == status.failure
    assert z.traceback is not None and "\x1b" not in z.traceback
    assert z.traceback.startswith("RayTaskError(RuntimeError): ray::NodeWrapper.sample()")


def test_chunks_are_read_without_numpy_and_a_torn_one_is_left_for_later(tmp_path: Path) -> None:
    chunk = FIXTURES / "run" / "graph" / "z" / "metrics" / "val" / "loss" / "chunk_000000.npz"
    values = read_chunk(chunk)
    assert values is not None and len(values) == 100 and round(values[0], 4) == 3.2090
    torn = tmp_path / "chunk_000001.npz"
    torn.write_bytes(chunk.read_bytes()[:1500])
    assert read_chunk(torn) is None


def test_runs_in_a_folder_newest_first_without_the_latest_link(tmp_path: Path) -> None:
    run = recorded_run(tmp_path)
    second = run.with_name("run2")
    shutil.copytree(run, second)
    (second / "config.yml").touch()
    (run.parent / "latest").symlink_to(second)
    (run.parent / "notes").mkdir()
    assert find_runs(run.parent) == [second, run]
    assert find_runs(tmp_path / "nowhere") == []


def test_deck_falcon_takes_the_seed_options_on_the_command_line(tmp_path: Path) -> None:
    import argparse
    import subprocess
    import sys

    import yaml

    from deck.plugins.falcon_nodes.actions_cli import configure, layout_for

    parser = argparse.ArgumentParser()
    configure(parser)
    ray = layout_for(parser.parse_args(["--address", "ray://head:10001", "--refresh", "2.5"]))
    assert ray["plugins"]["falcon"]["address"] == "ray://head:10001"
    assert ray["plugins"]["falcon"]["refresh"] == 2.5
    assert [screen["name"] for screen in ray["screens"]] == ["Dashboard", "Node", "Log"]
    files = layout_for(parser.parse_args(["--runs", str(tmp_path)]))
    assert files["plugins"]["falcon"] == {"runs": str(tmp_path), "refresh": 1.0}
    path = tmp_path / "layout.yaml"
    path.write_text(yaml.safe_dump(files))
    checked = subprocess.run(
        [sys.executable, "-m", "deck", "--check", str(path)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


def test_a_run_killed_without_a_summary_reads_stopped_not_running(tmp_path: Path) -> None:
    import os
    import time

    from deck.plugins.falcon_nodes.source_rundir import SILENT_AFTER, RunFiles

    run = recorded_run(tmp_path)
    driver = run / "graph" / "driver" / "output.log"
    lines = driver.read_text().splitlines(keepends=True)
    driver.write_text("".join(lines[: lines.index(next(line for line in lines if "======" in line))]))
    files = RunFiles(run, None, stale_after=2.0)
    assert files.status({"run": None}).connection.detail.startswith("running (no summary yet)")

    old = time.time() - SILENT_AFTER - 30  # as a driver killed with SIGKILL leaves it
    for log in run.glob("graph/*/output.log"):
        os.utime(log, (old, old))
    view = files.status({"run": None})
    assert view.status is not None and view.status.state == "stopped" and view.ended is None
    assert view.connection.detail.startswith("no summary, no driver on this machine, nothing written for")
    assert [run_.state for run_ in RunFiles(None, run.parent, 2.0).listing()] == ["stopped"]
