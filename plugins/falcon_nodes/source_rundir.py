"""What the deck polls from falcon-sbi run directories: the selected run, its node logs, the runs list.

The ``run`` parameter of every source names the run on show (None: the configured ``run_dir``,
or the newest run in ``runs``). Each run is read by one RunReader that follows its files
incrementally; the readers are the fetch side's own state, guarded by one lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import psutil

from deck import Source
from deck.plugins.falcon_nodes.client import ConnectionState, FalconConfig, Phase
from deck.plugins.falcon_nodes.client_rundir import RunReader, RunSummary, driver_process, find_runs
from deck.plugins.falcon_nodes.source import (
    LOG_SOURCE,
    STATUS_SOURCE,
    FalconView,
    NodeLog,
    RunTracker,
    run_end,
)

__all__ = ["RUNS_SOURCE", "RunFiles", "file_sources"]

RUNS_SOURCE = "falcon.runs"
#: How often, at most, the local processes are searched for a live run's driver (seconds).
DRIVER_CHECK = 5.0
#: A run without a summary, without a local driver and silent this long reads "stopped" (seconds).
SILENT_AFTER = 120.0


class RunFiles:
    """The readers of every run on show, and the three fetches built on them."""

    def __init__(self, run_dir: Path | None, runs: Path | None, stale_after: float) -> None:
        self.run_dir = run_dir
        self.runs = runs
        self.stale_after = stale_after
        self._lock = threading.Lock()
        self._readers: dict[Path, RunReader] = {}
        self._trackers: dict[Path, RunTracker] = {}
        self._drivers: dict[Path, tuple[float, tuple[int, float] | None]] = {}

    def _path(self, params: Mapping[str, Any]) -> Path | None:
        run = params.get("run")
        if isinstance(run, str) and run:
            return Path(run)
        if self.run_dir is not None:
            return self.run_dir
        found = find_runs(self.runs) if self.runs is not None else []
        return found[0] if found else None

    def _reader(self, path: Path) -> RunReader:
        reader = self._readers.get(path)
        if reader is None:
            reader = self._readers[path] = RunReader(path)
            self._trackers[path] = RunTracker(self.stale_after)
        return reader

    def status(self, params: Mapping[str, Any]) -> FalconView:
        """The ``falcon.status`` fetch: the run as its files tell it."""
        path = self._path(params)
        if path is None:
            where = str(self.runs or self.run_dir)
            return FalconView(ConnectionState(Phase.FILES, where, "no falcon-sbi run here yet"))
        if not (path / "config.yml").is_file():
            return FalconView(
                ConnectionState(Phase.FILES, str(path), "no config.yml: not a falcon-sbi run (yet)")
            )
        with self._lock:
            reader = self._reader(path)
            status = reader.poll()
            nodes = self._trackers[path].report(status)
        live = status.ended_at is None
        driver = self._driver(path) if live else None
        status = replace(status, nodes=nodes, driver=driver)
        silent = self._silent_for(reader) if live and driver is None else None
        if silent is not None:  # no summary, no driver here, no writes: it was killed, or runs elsewhere
            status = replace(status, state="stopped")
            detail = f"no summary, no driver on this machine, nothing written for {silent} s"
        elif live:
            detail = f"running, driver pid {driver[0]}" if driver else "running (no summary yet)"
        else:
            detail = {"done": "finished", "failed": "failed", "interrupted": "interrupted"}.get(
                status.state or "", ""
            )
        if status.ray_address and live:
            detail += f", Ray at {status.ray_address}"
        return FalconView(
            connection=ConnectionState(Phase.FILES, str(path), detail),
            status=status,
            nodes=nodes,
            live=True,
            ended=run_end(status, nodes),
            received_at=time.time(),
        )

    def _silent_for(self, reader: RunReader) -> int | None:
        """Seconds since the run last wrote, once that is longer than SILENT_AFTER."""
        last = reader.last_write()
        if last is None or time.time() - last < SILENT_AFTER:
            return None
        return int(time.time() - last)

    def _driver(self, path: Path) -> tuple[int, float] | None:
        checked, found = self._drivers.get(path, (0.0, None))
        now = time.monotonic()
        if now - checked < DRIVER_CHECK and found is not None:
            return found
        process = driver_process(path)
        try:
            found = (process.pid, process.create_time()) if process is not None else None
        except psutil.Error:
            found = None
        self._drivers[path] = (now, found)
        return found

    def log(self, params: Mapping[str, Any]) -> NodeLog:
        """The ``falcon.log`` fetch: the node's last lines, as read by the status fetch."""
        node = params.get("node")
        if not isinstance(node, str):
            return NodeLog(None, problem="no node selected")
        path = self._path(params)
        with self._lock:
            reader = self._readers.get(path) if path is not None else None
            lines = reader.log_of(node) if reader is not None else ()
        return NodeLog(node, lines, None if reader is not None else "the run has not been read yet")

    def listing(self) -> tuple[RunSummary, ...]:
        """The ``falcon.runs`` fetch: every run in the folder, each read incrementally."""
        paths = find_runs(self.runs) if self.runs is not None else []
        if self.run_dir is not None and self.run_dir not in paths:
            paths.insert(0, self.run_dir)
        summaries = []
        with self._lock:
            for path in paths:
                reader = self._reader(path)
                reader.poll()
                summary = reader.summary()
                if (
                    summary.ended is None
                    and self._silent_for(reader) is not None
                    and self._driver(path) is None
                ):
                    summary = replace(summary, state="stopped")
                summaries.append(summary)
        return tuple(summaries)


def file_sources(config: Mapping[str, Any]) -> list[Source[Any]]:
    """The sources of falcon-sbi run directories (``run_dir``, ``runs``): the run, its logs, the runs."""
    refresh = FalconConfig.from_mapping({"refresh": config.get("refresh", 1.0)}).refresh
    run_dir, runs = config.get("run_dir"), config.get("runs")
    files = RunFiles(
        Path(run_dir).expanduser() if run_dir else None,
        Path(runs).expanduser() if runs else None,
        stale_after=2 * refresh,
    )
    return [
        Source(
            STATUS_SOURCE,
            files.status,
            interval=refresh,
            description="the run directory: nodes, losses, buffer, the driver's summary",
            params={"run": None},
        ),
        Source(
            LOG_SOURCE,
            files.log,
            interval=refresh,
            description="the selected node's output.log",
            params={"node": None, "run": None},
        ),
        Source(RUNS_SOURCE, files.listing, interval=max(refresh, 2.0), description="the runs in the folder"),
    ]
