"""Small helpers every benchmark shares: repeat-and-summarise, process CPU and RSS."""

from __future__ import annotations

import os
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Figure", "cpu_seconds", "measure", "rss_mb"]


@dataclass(frozen=True)
class Figure:
    """One benchmark figure: min/median/max of repeated runs, in `unit`."""

    name: str
    unit: str
    values: tuple[float, ...]
    budget: float | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def noise(self) -> float:
        """Spread of the runs relative to the median (0.1 = ±10%)."""
        return (max(self.values) - min(self.values)) / self.median if self.median else 0.0

    def row(self) -> str:
        budget = "" if self.budget is None else f"  (budget {self.budget:g}{self.unit}: {'ok' if self.median <= self.budget else 'OVER'})"
        return (
            f"{self.name:<48} {min(self.values):>9.2f} {self.median:>9.2f} {max(self.values):>9.2f} {self.unit:<3}"
            f" ±{self.noise * 50:.0f}%{budget}"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "unit": self.unit,
            "min": min(self.values),
            "median": self.median,
            "max": max(self.values),
            "runs": len(self.values),
            "budget": self.budget,
        }


def measure(name: str, action: Callable[[], object], *, runs: int = 7, unit: str = "ms", budget: float | None = None, setup: Callable[[], object] | None = None) -> Figure:
    """Time `action` `runs` times (after `setup` each time) and return the figure in ms."""
    values = []
    for _ in range(runs):
        if setup is not None:
            setup()
        started = time.perf_counter()
        action()
        values.append((time.perf_counter() - started) * 1000)
    return Figure(name, unit, tuple(values), budget)


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
