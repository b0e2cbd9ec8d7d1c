"""Reading this machine's processes: one read of /proc/<pid>/stat on Linux, psutil elsewhere.

psutil reads three files per process for the same figures; at a 2 s refresh that scan was
most of an idle deck's CPU, so on Linux the one file that holds them all is parsed directly.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, TypeVar

import psutil

from deck.plugins.system.model import ProcessDetails

__all__ = [
    "Counters",
    "ProcessGone",
    "parse_stat",
    "process_details",
    "read_counters",
    "read_one",
    "send_signal",
]

T = TypeVar("T")

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
    parent: int
    cpu_seconds: float
    rss: int
    threads: int
    status: str


def read_counters() -> Iterator[Counters]:
    """Every process's counters; processes that vanish mid-read are skipped."""
    if os.path.exists(f"{_PROC}/self/stat"):
        return _from_procfs()
    return _from_psutil()


def read_one(pid: int) -> Counters | None:
    """One process's counters now, or None when no process has that pid."""
    if os.path.exists(f"{_PROC}/self/stat"):
        return _procfs_one(pid)
    return next((c for c in _from_psutil() if c.pid == pid), None)


def _from_procfs() -> Iterator[Counters]:
    for entry in os.scandir(_PROC):
        if entry.name.isdigit() and (parsed := _procfs_one(int(entry.name))):
            yield parsed


def _procfs_one(pid: int) -> Counters | None:
    try:
        with open(f"{_PROC}/{pid}/stat", "rb") as stat:
            return parse_stat(pid, stat.read())
    except OSError:
        return None


def parse_stat(pid: int, line: bytes) -> Counters | None:
    """Counters from one /proc/<pid>/stat line, or None when it is not one."""
    # The command name sits in parentheses and may itself hold spaces and parentheses.
    fields = line[line.rfind(b")") + 2 :].split()
    if len(fields) < 22:
        return None
    return Counters(
        pid=pid,
        started=float(fields[19]),
        parent=int(fields[1]),
        cpu_seconds=(int(fields[11]) + int(fields[12])) / _TICKS,
        rss=int(fields[21]) * _PAGE,
        threads=int(fields[17]),
        status=_STATES.get(fields[0].decode(), "?"),
    )


def _from_psutil() -> Iterator[Counters]:
    wanted = ["pid", "ppid", "create_time", "cpu_times", "memory_info", "num_threads", "status"]
    for process in psutil.process_iter(wanted, ad_value=None):
        info = process.info
        times, memory = info["cpu_times"], info["memory_info"]
        yield Counters(
            pid=info["pid"],
            started=info["create_time"] or 0.0,
            parent=info["ppid"] or 0,
            cpu_seconds=times.user + times.system if times else 0.0,
            rss=memory.rss if memory else 0,
            threads=info["num_threads"] or 0,
            status=info["status"] or "?",
        )


class ProcessGone(Exception):
    """The process named by a pid and start is no longer there; the message says why."""


def send_signal(pid: int, started: float, signum: int) -> None:
    """Signal exactly the process (pid, started): a pid reused since it was read is refused.

    Where Linux offers process handles, the handle is taken before the check, so the process
    signalled is the one checked; elsewhere the check comes right before `os.kill`.
    """
    try:
        handle = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
    except ProcessLookupError:
        raise ProcessGone(f"process {pid} has already exited") from None
    except OSError:
        handle = None  # a kernel without pidfd_open
    try:
        try:
            _check_same(pid, started)
        except ProcessGone as gone:
            raise ProcessGone(f"{gone}; nothing was sent") from None
        if handle is not None:
            signal.pidfd_send_signal(handle, signum)
        else:
            os.kill(pid, signum)
    finally:
        if handle is not None:
            os.close(handle)


def _check_same(pid: int, started: float) -> None:
    current = read_one(pid)
    if current is None:
        raise ProcessGone(f"process {pid} has already exited")
    if current.started != started:
        raise ProcessGone(f"pid {pid} now belongs to another process ({_name(pid)})")


def _name(pid: int) -> str:
    try:
        return str(psutil.Process(pid).name())
    except psutil.Error:
        return "?"


def process_details(pid: int, started: float) -> ProcessDetails:
    """What Enter shows of one process; what the operator may not read is None."""
    _check_same(pid, started)
    try:
        process = psutil.Process(pid)
        info = process.as_dict(
            ["name", "username", "cmdline", "exe", "create_time", "ppid", "num_threads", "status"],
            ad_value=None,
        )
    except psutil.NoSuchProcess:
        raise ProcessGone(f"process {pid} has already exited") from None
    children = _permitted(lambda: tuple((c.pid, _name(c.pid)) for c in process.children()))
    return ProcessDetails(
        pid=pid,
        name=info["name"] or "?",
        user=info["username"] or "?",
        command=tuple(info["cmdline"] or ()),
        exe=info["exe"],
        create_time=info["create_time"],
        parent=info["ppid"],
        threads=info["num_threads"],
        status=info["status"] or "?",
        cwd=_permitted(process.cwd),
        open_files=_permitted(lambda: tuple(f.path for f in process.open_files())),
        connections=_permitted(lambda: tuple(_connection(c) for c in process.net_connections())),
        children=children,
    )


def _permitted(read: Callable[[], T]) -> T | None:
    try:
        return read()
    except psutil.Error:  # AccessDenied, or the process exited meanwhile
        return None


def _connection(connection: Any) -> str:
    local = f"{connection.laddr.ip}:{connection.laddr.port}" if connection.laddr else ""
    remote = f" → {connection.raddr.ip}:{connection.raddr.port}" if connection.raddr else ""
    kind = {1: "tcp", 2: "udp"}.get(int(connection.type), str(connection.type))
    status = "" if connection.status == psutil.CONN_NONE else f" {connection.status}"
    return f"{kind} {local}{remote}{status}"
