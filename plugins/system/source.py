"""Collecting CPU, memory and process snapshots from psutil."""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import psutil

__all__ = [
    "CpuSampler",
    "CpuSnapshot",
    "MemorySnapshot",
    "ProcessInfo",
    "ProcessSampler",
    "read_memory",
]

HISTORY = 60
#: psutil's percentages are deltas between two reads; closer reads than this are mostly noise.
MIN_DELTA = 0.2


@dataclass(frozen=True)
class CpuSnapshot:
    """Per-core use now and recently, plus the load average."""

    per_core: tuple[float, ...]
    history: tuple[tuple[float, ...], ...]
    total: float
    load: tuple[float, float, float]


@dataclass(frozen=True)
class MemorySnapshot:
    """Memory and swap use, in bytes."""

    total: int
    used: int
    available: int
    swap_total: int
    swap_used: int
    boot_time: float


@dataclass(frozen=True)
class ProcessInfo:
    """One process, as the processes table shows it."""

    pid: int
    name: str
    user: str
    cpu: float
    memory: float
    rss: int
    threads: int
    status: str
    command: str


class CpuSampler:
    """Keeps the recent history of each core so the panel can draw sparklines."""

    def __init__(self, history: int = HISTORY) -> None:
        # Deltas are kept here rather than in psutil.cpu_percent, whose state is per thread.
        self._last = psutil.cpu_times(percpu=True)
        self._primed = time.monotonic()
        self._history: list[deque[float]] = [deque(maxlen=history) for _ in self._last]

    def read(self) -> CpuSnapshot:
        """Sample every core once (the first time, not sooner than MIN_DELTA after priming)."""
        _wait_since(self._primed)
        now = psutil.cpu_times(percpu=True)
        per_core = tuple(_busy_percent(old, new) for old, new in zip(self._last, now))
        self._last = now
        for core, value in zip(self._history, per_core):
            core.append(value)
        return CpuSnapshot(
            per_core=per_core,
            history=tuple(tuple(h) for h in self._history),
            total=sum(per_core) / len(per_core) if per_core else 0.0,
            load=os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0),
        )


def _busy_percent(old: Any, new: Any) -> float:
    idle = (new.idle + getattr(new, "iowait", 0.0)) - (old.idle + getattr(old, "iowait", 0.0))
    total = sum(new) - sum(old)
    return 0.0 if total <= 0 else max(0.0, min(100.0, 100.0 * (total - idle) / total))


def read_memory() -> MemorySnapshot:
    """Sample memory and swap."""
    memory, swap = psutil.virtual_memory(), psutil.swap_memory()
    return MemorySnapshot(
        total=memory.total,
        used=memory.total - memory.available,
        available=memory.available,
        swap_total=swap.total,
        swap_used=swap.used,
        boot_time=psutil.boot_time(),
    )


#: Changing per read: one pass over /proc/<pid>/stat, statm and status.
_DYNAMIC = ["pid", "create_time", "cpu_percent", "memory_info", "num_threads", "status"]
#: Fixed for a process's lifetime: read once per (pid, create_time), which halves the cost.
_STATIC = ["name", "username", "cmdline"]


def _wait_since(started: float) -> None:
    remaining = MIN_DELTA - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)


class ProcessSampler:
    """Reads every process; primes per-process CPU counters in the background at start."""

    def __init__(self) -> None:
        self._primed = time.monotonic()
        self._static: dict[tuple[int, float], tuple[str, str, str]] = {}
        self._priming = threading.Thread(target=self._prime, name="deck-system-prime", daemon=True)
        self._priming.start()

    def _prime(self) -> None:
        for process in psutil.process_iter():
            try:
                process.cpu_percent()
            except psutil.Error:
                continue
        self._primed = time.monotonic()

    def read(self) -> tuple[ProcessInfo, ...]:
        """Sample every process; ones that vanish or deny access mid-read are blanked."""
        self._priming.join()
        _wait_since(self._primed)
        total = psutil.virtual_memory().total or 1
        found = []
        static: dict[tuple[int, float], tuple[str, str, str]] = {}
        for process in psutil.process_iter(_DYNAMIC, ad_value=None):
            info = process.info
            key = (info["pid"], info.get("create_time") or 0.0)
            name, user, command = self._static.get(key) or self._describe(process)
            static[key] = (name, user, command)
            memory_info = info.get("memory_info")
            rss = memory_info.rss if memory_info else 0
            found.append(
                ProcessInfo(
                    pid=info["pid"],
                    name=name,
                    user=user,
                    cpu=info.get("cpu_percent") or 0.0,
                    memory=round(100 * rss / total, 2),
                    rss=rss,
                    threads=info.get("num_threads") or 0,
                    status=info.get("status") or "?",
                    command=command,
                )
            )
        self._static = static
        return tuple(found)

    @staticmethod
    def _describe(process: psutil.Process) -> tuple[str, str, str]:
        info = process.as_dict(_STATIC, ad_value=None)
        name = info.get("name") or "?"
        command = " ".join(info.get("cmdline") or ()) or f"[{name}]"
        return name, info.get("username") or "?", command


def uptime(boot_time: float) -> float:
    """Seconds since boot."""
    return time.time() - boot_time
