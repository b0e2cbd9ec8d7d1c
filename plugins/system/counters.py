"""Per-process counters: one read of /proc/<pid>/stat on Linux, psutil elsewhere.

psutil reads three files per process for the same figures; at a 2 s refresh that scan was
most of an idle deck's CPU, so on Linux the one file that holds them all is parsed directly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import NamedTuple

import psutil

__all__ = ["Counters", "read_counters"]

_PROC = "/proc"
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
#: The kernel's one-letter states, named as psutil names them.
_STATES = {
    "R": psutil.STATUS_RUNNING,
    "S": psutil.STATUS_SLEEPING,
    "D": psutil.STATUS_DISK_SLEEP,
    "Z": psutil.STATUS_ZOMBIE,
    "T": psutil.STATUS_STOPPED,
    "t": psutil.STATUS_TRACING_STOP,
    "X": psutil.STATUS_DEAD,
    "x": psutil.STATUS_DEAD,
    "I": psutil.STATUS_IDLE,
    "W": psutil.STATUS_WAKING,
    "P": psutil.STATUS_PARKED,
}


class Counters(NamedTuple):
    """What changes between two reads of one process."""

    pid: int
    #: When the process started, in the source's own unit: with pid, it names one process.
    started: float
    cpu_seconds: float
    rss: int
    threads: int
    status: str


def read_counters() -> Iterator[Counters]:
    """Every process's counters; processes that vanish mid-read are skipped."""
    if os.path.exists(f"{_PROC}/self/stat"):
        return _from_procfs()
    return _from_psutil()


def _from_procfs() -> Iterator[Counters]:
    for entry in os.scandir(_PROC):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"{_PROC}/{entry.name}/stat", "rb") as stat:
                line = stat.read()
        except OSError:
            continue
        if parsed := parse_stat(int(entry.name), line):
            yield parsed


def parse_stat(pid: int, line: bytes) -> Counters | None:
    """Counters from one /proc/<pid>/stat line, or None when it is not one."""
    # The command name sits in parentheses and may itself hold spaces and parentheses.
    fields = line[line.rfind(b")") + 2 :].split()
    if len(fields) < 22:
        return None
    return Counters(
        pid=pid,
        started=float(fields[19]),
        cpu_seconds=(int(fields[11]) + int(fields[12])) / _TICKS,
        rss=int(fields[21]) * _PAGE,
        threads=int(fields[17]),
        status=_STATES.get(fields[0].decode(), "?"),
    )


def _from_psutil() -> Iterator[Counters]:
    wanted = ["pid", "create_time", "cpu_times", "memory_info", "num_threads", "status"]
    for process in psutil.process_iter(wanted, ad_value=None):
        info = process.info
        times, memory = info["cpu_times"], info["memory_info"]
        yield Counters(
            pid=info["pid"],
            started=info["create_time"] or 0.0,
            cpu_seconds=times.user + times.system if times else 0.0,
            rss=memory.rss if memory else 0,
            threads=info["num_threads"] or 0,
            status=info["status"] or "?",
        )
