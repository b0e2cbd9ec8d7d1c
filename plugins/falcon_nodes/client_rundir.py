"""Reading falcon-sbi 0.5 run directories: logs followed incrementally, NPZ chunks, the driver's summary.

falcon-sbi 0.5 has no monitor actor: a run is its directory (``config.yml``, ``graph/<node>/output.log``,
``graph/<node>/metrics/**/chunk_*.npz``, the driver's log). Every read here is bounded and never
rereads what it has read: a log is followed from the offset it reached, a metric chunk is read
once. Nothing here imports Ray or urwid.
"""

from __future__ import annotations

import ast
import logging
import math
import os
import re
import signal
import struct
import zipfile
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil
import yaml

from deck.plugins.falcon_nodes.model import BufferStats, FalconStatus, NodeStatus, strip_ansi

__all__ = [
    "LogTail",
    "RunReader",
    "RunSummary",
    "driver_process",
    "find_runs",
    "interrupt_driver",
    "is_run_dir",
]

logger = logging.getLogger(__name__)

#: The most bytes one poll reads of one log (a run that wrote more is caught up over polls).
READ_LIMIT = 4 << 20
#: Log lines kept per node for the log panel.
TAIL_LINES = 500
#: config.yml files larger than this are not read (a real one is a few kB).
CONFIG_LIMIT = 1 << 20
#: The metric chunks read per poll and node (a finished run's history comes in over polls).
CHUNKS_PER_POLL = 50

_RECORD = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d) \[([A-Z]+)\] ?(.*)$")
_EPOCH = re.compile(r"^Epoch (\d+)/(\d+)((?: \| [\w/.]+=\S+)*)")
_APPENDED = re.compile(r"^Appended \d+ samples \| total=(\d+) train=(\d+) val=(\d+)")
_RAY = re.compile(r"^Ray: (\S+:\d+) \(")
_END = re.compile(r"^falcon launch (completed|interrupted|failed)(?: \((.*))?$")
_NODE_END = re.compile(r"^ {2}([\w.-]+): (\w+)(?: \| (\d+)/(\d+) epochs \| loss=(\S+) \| (\d+) sims)?")
_STAMP = "%Y-%m-%dT%H:%M:%S"
#: The buffer actor's periodic GC task fails on Ray 2.60 (``ray.internal.free``): harmless noise.
KNOWN_NOISE = ("ray.internal", "Using blocking ray.get inside async actor")


def is_run_dir(path: Path) -> bool:
    """Whether a directory looks like a falcon-sbi run: falcon writes its config.yml first."""
    return (path / "config.yml").is_file()


def find_runs(folder: Path) -> list[Path]:
    """The runs directly inside a folder (``output/<run>``), newest first; symlinks (``latest``) skipped."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    runs = [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False) and is_run_dir(Path(e.path))]
    return sorted(runs, key=_mtime, reverse=True)


def _mtime(path: Path) -> float:
    try:
        return (path / "config.yml").stat().st_mtime
    except OSError:
        return 0.0


class LogTail:
    """The complete lines appended to a file since the last read; a replaced or truncated file starts over."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._inode: int | None = None
        self._partial = b""

    def read(self) -> list[str]:
        """New lines (without their line ends), at most READ_LIMIT bytes of them per call."""
        try:
            with self.path.open("rb") as handle:
                stat = os.fstat(handle.fileno())
                if stat.st_ino != self._inode or stat.st_size < self._offset:
                    self._inode, self._offset, self._partial = stat.st_ino, 0, b""
                handle.seek(self._offset)
                data = handle.read(READ_LIMIT)
        except OSError:
            return []
        self._offset += len(data)
        *complete, self._partial = (self._partial + data).split(b"\n")
        return [line.decode("utf-8", "replace").rstrip("\r") for line in complete]


@dataclass
class _Node:
    """What the files have said about one graph node so far."""

    name: str
    trained: bool
    total_epochs: int | None
    state: str = "initializing"
    since: float | None = None
    epoch: int | None = None
    losses: list[float] = field(default_factory=list)
    n_sims: int | None = None
    steps: int | None = None
    rate: float | None = None
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=TAIL_LINES))
    error: str | None = None
    stopped_early: bool = False
    log: LogTail | None = None
    chunks: set[str] = field(default_factory=set)
    chunk_losses: dict[str, list[float]] = field(default_factory=dict)
    _first_step: tuple[float, int] | None = None

    def enter(self, state: str, at: float | None) -> None:
        if state != self.state:
            self.state, self.since = state, at

    def epoch_line(self, at: float | None, match: re.Match[str]) -> None:
        self.epoch, self.total_epochs = int(match.group(1)), int(match.group(2))
        values = dict(part.split("=", 1) for part in match.group(3).split(" | ") if "=" in part)
        self.enter("training", at)
        self.n_sims = _int(values.get("n_sims"), self.n_sims)
        self.steps = _int(values.get("steps"), self.steps)
        loss = _float(values.get("val_loss"))
        if loss is not None:
            self.losses.append(loss)
        if at is not None and self.steps is not None:
            if self._first_step is None:
                self._first_step = (at, self.steps)
            elif at > self._first_step[0]:
                self.rate = (self.steps - self._first_step[1]) / (at - self._first_step[0])


def _int(text: str | None, default: int | None = None) -> int | None:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def _stamp(text: str) -> float | None:
    try:
        return datetime.strptime(text, _STAMP).timestamp()
    except ValueError:
        return None


def records(lines: list[str]) -> Iterator[tuple[float | None, str, str]]:
    """(time, level, message) for each log line; continuation lines (tracebacks, tables) have no time."""
    for line in lines:
        match = _RECORD.match(line)
        if match:
            yield _stamp(match.group(1)), match.group(2), match.group(3)
        else:
            yield None, "", line


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One run in a runs list."""

    path: str
    name: str
    state: str
    started: float | None
    ended: float | None
    nodes: int
    best_loss: float | None


def _load_config(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > CONFIG_LIMIT:
            return {}
        loaded = yaml.safe_load(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, yaml.YAMLError) as exc:
        logger.info("falcon: cannot read %s: %s", path, exc)
        return {}
    return loaded if isinstance(loaded, dict) else {}


class RunReader:
    """Follows one run directory; each ``poll`` reads only what was written since the last one."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.graph_dir = run_dir / "graph"
        self._graph: dict[str, Any] = {}
        self.nodes: dict[str, _Node] = {}
        self._configure()
        self.state = "starting"
        self.started: float | None = None
        self.ended: float | None = None
        self.failure: list[str] = []
        self.ray_address: str | None = None
        self.buffer: tuple[int, int, int] | None = None
        self.warnings = 0
        self._in_failure = False
        self._finals: dict[str, tuple[str, int | None, int | None, float | None, int | None]] = {}

    def _configure(self) -> None:
        """Read config.yml for the graph; until it is complete (falcon is writing it), again each poll."""
        config = _load_config(self.run_dir / "config.yml")
        graph = config.get("graph")
        self._graph = graph if isinstance(graph, dict) else {}
        paths = config.get("paths")
        graph_root = paths.get("graph") if isinstance(paths, dict) else None
        if isinstance(graph_root, str):
            self.graph_dir = self.run_dir / graph_root
        self.nodes = {str(name): self._node(str(name), spec) for name, spec in self._graph.items()}
        self.driver = LogTail(self.graph_dir / "driver" / "output.log")
        self.dataset = LogTail(self.graph_dir / "dataset" / "output.log")

    def _node(self, name: str, spec: Any) -> _Node:
        estimator = spec.get("estimator") if isinstance(spec, dict) else None
        total = _int(str(estimator.get("max_epochs"))) if isinstance(estimator, dict) else None
        node = _Node(name, trained=isinstance(estimator, dict), total_epochs=total)
        node.log = LogTail(self.graph_dir / name / "output.log")
        return node

    def poll(self) -> FalconStatus:
        """The run as its files tell it now."""
        if not self.nodes:
            self._configure()
        self._read_driver()
        self._read_dataset()
        for node in self.nodes.values():
            self._read_node(node)
            self._read_chunks(node)
        return self.status()

    def _read_driver(self) -> None:
        for at, _, message in records(self.driver.read()):
            if at is not None:
                self._in_failure = False
                self.started = self.started if self.started is not None else at
            if self._in_failure:
                self.failure.append(strip_ansi(message))
                continue
            if (match := _RAY.match(message)) is not None:
                self.ray_address = match.group(1)
            elif (match := _END.match(message)) is not None:
                self.state, self.ended = {"completed": "done"}.get(match.group(1), match.group(1)), at
                if match.group(2):
                    self.failure = [strip_ansi(match.group(2))]
                    self._in_failure = True
            elif (match := _NODE_END.match(message)) is not None and match.group(1) in self.nodes:
                name, status, epoch, total, loss, sims = match.groups()
                self._finals[name] = (status, _int(epoch), _int(total), _float(loss), _int(sims))
            elif "Training started" in message and (name := _bracketed(message)) in self.nodes:
                self.nodes[name].enter("training", at)

    def _read_dataset(self) -> None:
        for _, level, message in records(self.dataset.read()):
            if (match := _APPENDED.match(message)) is not None:
                self.buffer = (int(match.group(1)), int(match.group(2)), int(match.group(3)))
            elif level == "ERROR" and not any(noise in message for noise in KNOWN_NOISE):
                self.warnings += 1

    def _read_node(self, node: _Node) -> None:
        assert node.log is not None
        lines = node.log.read()
        if lines and node.state == "initializing":
            node.enter("idle" if not node.trained else "initializing", None)
        for at, _, message in records(lines):
            node.tail.append(message if at is None else f"[{datetime.fromtimestamp(at):%H:%M:%S}] {message}")
            if at is None:
                continue
            if (match := _EPOCH.match(message)) is not None:
                node.epoch_line(at, match)
            elif "Training started" in message:
                node.enter("training", at)
            elif message.startswith("Early stopping triggered"):
                node.stopped_early = True
            elif "Training completed" in message:
                node.enter("done", at)

    def _read_chunks(self, node: _Node) -> None:
        """The node's ``val/loss`` chunks, each read once: the whole history when the log lacks it."""
        folder = self.graph_dir / node.name / "metrics" / "val" / "loss"
        try:
            names = sorted(entry.name for entry in os.scandir(folder) if entry.name.endswith(".npz"))
        except OSError:
            return
        for name in [n for n in names if n not in node.chunks][:CHUNKS_PER_POLL]:
            values = read_chunk(folder / name)
            if values is None:
                continue  # written right now (np.savez is not atomic): read at the next poll
            node.chunks.add(name)
            node.chunk_losses[name] = values

    def history(self, node: _Node) -> tuple[float, ...]:
        """The longer of the two whole histories: the log's Epoch lines or the metric chunks."""
        chunked = [value for name in sorted(node.chunk_losses) for value in node.chunk_losses[name]]
        return tuple(chunked if len(chunked) > len(node.losses) else node.losses)

    def node_status(self, node: _Node) -> NodeStatus:
        state, epoch, total, loss, sims = node.state, node.epoch, node.total_epochs, None, node.n_sims
        final = self._finals.get(node.name)
        if final is not None:
            status, final_epoch, final_total, loss, final_sims = final
            state = status if status in ("done", "idle") else state
            epoch, total, sims = final_epoch or epoch, final_total or total, final_sims or sims
        if self.state == "failed" and self._failed_here(node):
            state = "failed"
        elif self.state in ("failed", "interrupted") and state != "done":
            state = self.state if node.trained else "idle"
        elif self.state == "done" and state == "idle":
            state = "done"
        if self.state == "interrupted" and state == "done" and self._cut_short(node, epoch, total):
            state = "interrupted"  # falcon ends a stopped training as "completed": it was not
        losses = self.history(node)
        if node.losses:  # the summary rounds it
            loss = node.losses[-1]
        since = node.since if state == node.state else self.ended
        return NodeStatus(
            name=node.name,
            status=state,
            samples=sims,
            current_epoch=epoch,
            total_epochs=total,
            loss=loss,
            loss_history=losses,
            error=self.failure_line if state == "failed" else None,
            traceback="\n".join(self.failure) if state == "failed" else None,
            since=since,
            steps_rate=node.rate,
        )

    @staticmethod
    def _cut_short(node: _Node, epoch: int | None, total: int | None) -> bool:
        return not node.stopped_early and epoch is not None and total is not None and epoch < total

    def _failed_here(self, node: _Node) -> bool:
        """Whether the failure's traceback runs through this node's simulator code (its module's file)."""
        spec = self._graph.get(node.name)
        simulator = spec.get("simulator") if isinstance(spec, dict) else None
        target = simulator.get("_target_") if isinstance(simulator, dict) else None
        if not isinstance(target, str) or "." not in target:
            return False
        module = target.rsplit(".", 1)[0].replace(".", "/")
        return any(f"/{module}.py" in line or f"/{module}/" in line for line in self.failure)

    @property
    def failure_line(self) -> str | None:
        """The exception that ended a failed run (its last line), or None."""
        if not self.failure:
            return None
        lines = [line.strip() for line in self.failure if line.strip()]
        last = lines[-1].removesuffix(")") if lines else ""
        return last or None

    def status(self) -> FalconStatus:
        """The run as read so far, in the shape the node table shows."""
        buffer = None
        if self.buffer is not None:
            total, training, validation = self.buffer
            buffer = BufferStats(training=training, validation=validation, total_length=total)
        return FalconStatus(
            run_dir=str(self.run_dir),
            started_at=datetime.fromtimestamp(self.started) if self.started is not None else None,
            nodes=tuple(self.node_status(node) for node in self.nodes.values()),
            buffer=buffer,
            state=self.state,
            failure=self.failure_line if self.state == "failed" else None,
            ended_at=datetime.fromtimestamp(self.ended) if self.ended is not None else None,
            ray_address=self.ray_address,
        )

    def log_of(self, name: str) -> tuple[str, ...]:
        """The node's last log lines read so far."""
        node = self.nodes.get(name)
        return tuple(node.tail) if node is not None else ()

    def last_write(self) -> float | None:
        """When the run last wrote to its logs (Unix seconds), or None before it did."""
        logs = [
            self.driver,
            self.dataset,
            *(node.log for node in self.nodes.values() if node.log is not None),
        ]
        times = []
        for tail in logs:
            try:
                times.append(tail.path.stat().st_mtime)
            except OSError:
                continue
        return max(times, default=None)

    def summary(self) -> RunSummary:
        """The run's line in a runs list."""
        best = min((min(self.history(n)) for n in self.nodes.values() if self.history(n)), default=None)
        return RunSummary(
            path=str(self.run_dir),
            name=self.run_dir.name,
            state=self.state,
            started=self.started,
            ended=self.ended,
            nodes=len(self.nodes),
            best_loss=best,
        )


def _bracketed(message: str) -> str | None:
    match = re.match(r"^\[([\w.-]+)\]", message)
    return match.group(1) if match else None


_NPY_MAGIC = b"\x93NUMPY"
_NPY_TYPES = {"<f8": "d", "<f4": "f", "<i8": "q", "<i4": "i"}


def read_chunk(path: Path) -> list[float] | None:
    """A metric chunk's values (the first of each row for array metrics), or None while it cannot be read.

    Read with the standard library (an .npz is a zip of .npy files), so the deck needs no numpy.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            data = archive.read("value.npy")
        return _npy_values(data)
    except (OSError, KeyError, ValueError, SyntaxError, zipfile.BadZipFile, struct.error):
        return None


def _npy_values(data: bytes) -> list[float] | None:
    if not data.startswith(_NPY_MAGIC):
        return None
    if data[6] == 1:  # format 1.0: a 2-byte header length, else 4 bytes
        (header_size,), header_start = struct.unpack_from("<H", data, 8), 10
    else:
        (header_size,), header_start = struct.unpack_from("<I", data, 8), 12
    header = ast.literal_eval(data[header_start : header_start + header_size].decode("latin-1"))
    code = _NPY_TYPES.get(str(header.get("descr"))) if isinstance(header, dict) else None
    shape = header.get("shape") if isinstance(header, dict) else None
    if code is None or not isinstance(shape, tuple) or not shape or header.get("fortran_order"):
        return None
    rows = int(shape[0])
    per_row = math.prod(int(n) for n in shape[1:])
    width = struct.calcsize(code)
    body = memoryview(data)[header_start + header_size :]
    if len(body) < rows * per_row * width:
        return None
    return [float(struct.unpack_from("<" + code, body, row * per_row * width)[0]) for row in range(rows)]


def driver_process(run_dir: Path) -> psutil.Process | None:
    """The local ``falcon launch`` process writing this run, if one runs on this machine."""
    target = run_dir.resolve()
    for process in psutil.process_iter(["cmdline", "cwd"]):
        try:
            command = process.info["cmdline"] or []
            if "launch" not in command or not any(part.endswith("falcon") for part in command[:3]):
                continue
            cwd = Path(process.info["cwd"] or "/")
            outputs = [command[i + 1] for i, part in enumerate(command[:-1]) if part in ("-o", "--output")]
            if any((cwd / output).resolve() == target for output in outputs):
                return process
        except (psutil.Error, OSError):
            continue
    return None


def interrupt_driver(run_dir: Path, pid: int, created: float) -> str:
    """SIGINT to the run's driver (falcon then ends the run "interrupted"), if it is still that process."""
    process = driver_process(run_dir)
    if process is None or process.pid != pid or abs(process.create_time() - created) > 0.01:
        raise ProcessLookupError(f"the driver of {run_dir.name} (pid {pid}) is no longer running")
    os.kill(pid, signal.SIGINT)
    return f"sent SIGINT to the driver of {run_dir.name} (pid {pid}): it stops after the current step"
