"""Collecting CPU, memory and process snapshots from psutil, and GPU snapshots from NVML."""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import psutil

from deck.plugins.system.client import read_counters
from deck.plugins.system.client_nvml import Nvml, NvmlUnavailable
from deck.plugins.system.model import NO_GPU, CpuSnapshot, GpuSnapshot, MemorySnapshot, ProcessInfo

__all__ = ["CpuSampler", "GpuSampler", "ProcessSampler", "read_memory", "uptime"]

HISTORY = 60
#: psutil's percentages are deltas between two reads; closer reads than this are mostly noise.
MIN_DELTA = 0.2


class CpuSampler:
    """Keeps the recent history of each core so the panel can draw sparklines."""

    def __init__(self, history: int = HISTORY, read_times: Callable[[], Sequence[Any]] | None = None) -> None:
        # Deltas are kept here rather than in psutil.cpu_percent, whose state is per thread.
        self._read_times = read_times or (lambda: psutil.cpu_times(percpu=True))
        self._last = self._read_times()
        self._primed = time.monotonic()
        self._history: list[deque[float]] = [deque(maxlen=history) for _ in self._last]

    def read(self) -> CpuSnapshot:
        """Sample every core once (the first time, not sooner than MIN_DELTA after priming)."""
        _wait_since(self._primed)
        now = self._read_times()
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


_ALL_CORES = 100.0 * (os.cpu_count() or 1)
#: Fixed for a process's lifetime: read once per process, which keeps a refresh to one file each.
_STATIC = ["name", "username", "cmdline"]


def _wait_since(started: float) -> None:
    remaining = MIN_DELTA - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)


class ProcessSampler:
    """Reads every process; primes per-process CPU counters in the background at start."""

    def __init__(self) -> None:
        self._primed = time.monotonic()
        #: (pid, started) -> (cpu seconds, when read), for the CPU% between two reads.
        self._cpu: dict[tuple[int, float], tuple[float, float]] = {}
        self._static: dict[tuple[int, float], tuple[str, str, str]] = {}
        self._priming = threading.Thread(target=self._prime, name="deck-system-prime", daemon=True)
        self._priming.start()

    def _prime(self) -> None:
        now = time.monotonic()
        self._cpu = {(c.pid, c.started): (c.cpu_seconds, now) for c in read_counters()}
        self._primed = time.monotonic()

    def read(self) -> tuple[ProcessInfo, ...]:
        """Sample every process; ones that vanish or deny access mid-read are blanked."""
        self._priming.join()
        _wait_since(self._primed)
        total = psutil.virtual_memory().total or 1
        now = time.monotonic()
        found = []
        cpu: dict[tuple[int, float], tuple[float, float]] = {}
        static: dict[tuple[int, float], tuple[str, str, str]] = {}
        for counters in read_counters():
            key = (counters.pid, counters.started)
            name, user, command = static[key] = self._static.get(key) or _describe(counters.pid)
            cpu[key] = (counters.cpu_seconds, now)
            before, then = self._cpu.get(key, cpu[key])
            found.append(
                ProcessInfo(
                    pid=counters.pid,
                    name=name,
                    user=user,
                    cpu=_percent(counters.cpu_seconds - before, now - then),
                    memory=round(100 * counters.rss / total, 2),
                    rss=counters.rss,
                    threads=counters.threads,
                    status=counters.status,
                    command=command,
                    started=counters.started,
                    parent=counters.parent,
                    cpu_seconds=counters.cpu_seconds,
                )
            )
        self._cpu, self._static = cpu, static
        return tuple(found)


def _percent(busy: float, elapsed: float) -> float:
    """CPU% over `elapsed`; kernel ticks are coarse, so close reads are capped at all cores busy."""
    return min(100 * busy / elapsed, _ALL_CORES) if elapsed > 0 else 0.0


def _describe(pid: int) -> tuple[str, str, str]:
    try:
        info = psutil.Process(pid).as_dict(_STATIC, ad_value=None)
    except psutil.Error:
        return "?", "?", "[?]"
    name = info.get("name") or "?"
    command = " ".join(info.get("cmdline") or ()) or f"[{name}]"
    return name, info.get("username") or "?", command


def uptime(boot_time: float) -> float:
    """Seconds since boot."""
    return time.time() - boot_time


class GpuSampler:
    """Every GPU through NVML, with each GPU's recent utilization for its sparkline."""

    def __init__(self, nvml: Nvml | None = None, history: int = HISTORY) -> None:
        self._nvml = nvml or Nvml()
        self._size = history
        self._history: dict[str, deque[float]] = {}

    def read(self) -> GpuSnapshot:
        """Sample every GPU; without NVML or a GPU, a snapshot that says so."""
        try:
            reading = self._nvml.read()
        except NvmlUnavailable as exc:
            return GpuSnapshot(unavailable=str(exc))
        if not reading.gpus:
            return GpuSnapshot(driver=reading.driver, unavailable=NO_GPU)
        gpus = []
        for gpu in reading.gpus:
            history = self._history.setdefault(gpu.uuid or str(gpu.index), deque(maxlen=self._size))
            if gpu.utilization is not None:
                history.append(gpu.utilization)
            gpus.append(replace(gpu, history=tuple(history)))
        return GpuSnapshot(tuple(gpus), reading.processes, reading.driver)
