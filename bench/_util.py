"""Small helpers every benchmark shares: repeat-and-summarise, process CPU and RSS, real ptys.

Standard library only: the Textual side of the comparison imports this from its own venv.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import pty
import resource
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "Figure",
    "PtyUsage",
    "cpu_seconds",
    "first_output_ms",
    "load_average",
    "measure",
    "process_tree",
    "rss_mb",
    "side_main",
    "watch_in_pty",
]


@dataclass(frozen=True)
class Figure:
    """One benchmark figure: min/median/max of repeated runs, in `unit`.

    A figure with no values was not measured; `note` says why. `cpu` holds the process CPU
    time of each run where it was taken too (it is less disturbed by a busy machine).
    """

    name: str
    unit: str
    values: tuple[float, ...]
    budget: float | None = None
    note: str = ""
    cpu: tuple[float, ...] = ()

    @classmethod
    def missing(cls, name: str, reason: str, unit: str = "") -> Figure:
        """A figure that could not be measured, with the reason shown in its place."""
        return cls(name, unit, (), note=f"not available: {reason}")

    @property
    def measured(self) -> bool:
        return bool(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def noise(self) -> float:
        """Spread of the runs relative to the median (0.1 = ±10%)."""
        if not self.values or not self.median:
            return 0.0
        return (max(self.values) - min(self.values)) / self.median

    def row(self) -> str:
        if not self.measured:
            return f"{self.name:<48} {self.note}"
        budget = ""
        if self.budget is not None:
            budget = (
                f"  (budget {self.budget:g}{self.unit}: {'ok' if self.median <= self.budget else 'OVER'})"
            )
        return (
            f"{self.name:<48} {min(self.values):>9.2f} {self.median:>9.2f} {max(self.values):>9.2f}"
            f" {self.unit:<3} ±{self.noise * 50:.0f}%{budget}"
        )

    def as_dict(self) -> dict[str, object]:
        values = self.values
        return {
            "name": self.name,
            "unit": self.unit,
            "min": min(values) if values else None,
            "median": self.median if values else None,
            "max": max(values) if values else None,
            "runs": len(values),
            "values": list(values),
            "budget": self.budget,
            "note": self.note,
            "cpu_median": statistics.median(self.cpu) if self.cpu else None,
            "cpu_values": list(self.cpu),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Figure:
        """The inverse of `as_dict` for figures measured in another process."""
        cpu = data.get("cpu_values") or ()
        return cls(
            name=str(data["name"]),
            unit=str(data["unit"]),
            values=tuple(float(v) for v in data.get("values") or ()),  # type: ignore[union-attr]
            budget=data.get("budget"),  # type: ignore[arg-type]
            note=str(data.get("note") or ""),
            cpu=tuple(float(v) for v in cpu),  # type: ignore[union-attr]
        )


def measure(
    name: str,
    action: Callable[[], object],
    *,
    runs: int = 7,
    unit: str = "ms",
    budget: float | None = None,
    setup: Callable[[], object] | None = None,
) -> Figure:
    """Time `action` `runs` times (after `setup` each time) and return the figure in ms."""
    values, cpu = [], []
    for _ in range(runs):
        if setup is not None:
            setup()
        started, cpu_started = time.perf_counter(), time.process_time()
        action()
        values.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return Figure(name, unit, tuple(values), budget, cpu=tuple(cpu))


def side_main(
    description: str,
    first_frame: Callable[[int], object],
    table_figures: Callable[[int, int], Sequence[Figure]],
) -> None:
    """One command line for both sides of the table comparison, so run.py drives them alike."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("what", choices=("table", "first-frame"))
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.what == "first-frame":
        first_frame(args.rows)
        return
    figures = table_figures(args.rows, args.runs)
    json.dump([figure.as_dict() for figure in figures], sys.stdout)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by a process (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def rss_mb(pid: int | None = None) -> float:
    """Resident memory in MB: current for another process, peak for this one."""
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def load_average() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages: how busy the machine was around a run."""
    return os.getloadavg()


def first_output_ms(
    argv: Sequence[str], *, env: Mapping[str, str] | None = None, timeout: float = 60
) -> float:
    """Milliseconds from starting a process to its first byte on stdout (its exit is not timed).

    Raises RuntimeError with the process's stderr if it ends or times out without output.
    """
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert process.stdout is not None
    try:
        ready = select.select([process.stdout], [], [], timeout)[0]
        first = os.read(process.stdout.fileno(), 1) if ready else b""
        elapsed = (time.perf_counter() - started) * 1000
        if not first:
            process.kill()
            _, err = process.communicate(timeout=10)
            raise RuntimeError(f"{argv[0]} wrote nothing within {timeout:g} s: {err.decode()[-400:]}")
        process.communicate(timeout=timeout)
        return elapsed
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _drain(fd: int, seconds: float, until: bytes = b"") -> bool:
    """Read and discard a pty's output for `seconds`, as a terminal would.

    With `until`, stop early once the output has shown that text; True if it did.
    """
    end = time.monotonic() + seconds
    tail = b""
    while (left := end - time.monotonic()) > 0:
        if select.select([fd], [], [], min(left, 0.2))[0]:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the program ended
                return False
            if until:
                tail = tail[-len(until) :] + chunk
                if until in tail:
                    return True
    return False


def watch_in_pty(
    argv: Sequence[str],
    *,
    seconds: float,
    slices: int = 5,
    size: tuple[int, int] = (120, 40),
    env: Mapping[str, str] | None = None,
    settle: float = 5.0,
    ready: str = "",
    ready_timeout: float = 60.0,
    quit_key: bytes = b"q",
) -> PtyUsage:
    """Run a program in a real pseudo-terminal and sample its CPU use and RSS.

    Once the screen shows `ready` (if given; RuntimeError if it never does) and `settle` more
    seconds have passed, `seconds` are split into `slices` equal windows: the CPU% of one core
    in each window and the RSS at the end, of the program and every process it started. The
    program is asked to quit with `quit_key`, then killed if it does not.
    """
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the program
        os.environ.update({"TERM": "xterm-256color", **(env or {})})
        try:
            os.execvp(argv[0], list(argv))
        finally:
            os._exit(127)
    cols, rows = size
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    try:
        if ready and not _drain(fd, ready_timeout, ready.encode()):
            raise RuntimeError(f"{' '.join(argv)} did not show {ready!r} within {ready_timeout:g} s")
        _drain(fd, settle)
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            raise RuntimeError(f"{' '.join(argv)} exited during start-up")
        samples, own, total = [], 0.0, 0.0
        window = seconds / slices
        for _ in range(slices):
            before, wall = _tree_cpu(pid), time.monotonic()
            _drain(fd, window)
            after = _tree_cpu(pid)
            used = {thread: seconds - before.get(thread, 0.0) for thread, seconds in after.items()}
            samples.append(100 * sum(used.values()) / (time.monotonic() - wall))
            own += sum(seconds for (process, _), seconds in used.items() if process == pid)
            total += sum(used.values())
        tree = process_tree(pid)
        rss = sum(_quietly(rss_mb, child) for child in tree)
        usage = PtyUsage(tuple(samples), rss, len(tree), own / total if total else 1.0)
        os.write(fd, quit_key)
        _wait_or_kill(pid, fd, 5.0)
    except BaseException:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        raise
    finally:
        os.close(fd)
    return usage


@dataclass(frozen=True)
class PtyUsage:
    """What `watch_in_pty` saw: CPU% per slice and RSS (MB), over `processes` processes, of
    which the program itself used the `own` share of the CPU."""

    cpu: tuple[float, ...]
    rss: float
    processes: int
    own: float = 1.0


def process_tree(pid: int) -> list[int]:
    """The process and all its living descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += children.get(current, [])
    return tree


def _tree_cpu(pid: int) -> dict[tuple[int, int], float]:
    """CPU seconds of every thread in the process tree, by (process, thread), to the nanosecond.

    Per-thread scheduler times (schedstat) are used because the clock ticks of /proc/PID/stat
    (10 ms) are too coarse for a program that sleeps most of a few seconds.
    """
    threads: dict[tuple[int, int], float] = {}
    for process in process_tree(pid):
        try:
            tasks = os.listdir(f"/proc/{process}/task")
        except OSError:  # it has just ended
            continue
        for task in tasks:
            try:
                with open(f"/proc/{process}/task/{task}/schedstat") as stat:
                    threads[process, int(task)] = int(stat.read().split()[0]) / 1e9
            except (OSError, IndexError, ValueError):
                continue
    return threads


def _quietly(read: Callable[[int], float], pid: int) -> float:
    """A /proc reading of a process that may have just ended (0 then)."""
    try:
        return read(pid)
    except OSError:
        return 0.0


def _wait_or_kill(pid: int, fd: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            return
        _drain(fd, 0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
