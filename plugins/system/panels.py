"""The system plugin's views: CPU cores with sparklines, memory and load, the process table."""

from __future__ import annotations

from typing import Any

from deck import Panel, PanelContext, Result, TablePanel
from deck.plugins.system.source import CpuSnapshot, MemorySnapshot, ProcessInfo, uptime
from deck.widgets import Column, KeyValue, badge, bytes_, duration, progress_bar, sparkline

__all__ = ["CpuPanel", "MemoryPanel", "ProcessesPanel"]

STATUS_ROLES = {
    "running": "good",
    "sleeping": "text",
    "idle": "muted",
    "disk-sleep": "warn",
    "zombie": "bad",
    "stopped": "warn",
    "dead": "bad",
}


class CpuPanel(Panel):
    """One line per core: a bar of its use now and a sparkline of the last minute."""

    sources = ("system.cpu",)

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx)
        self.view = KeyValue()
        self.widget = self.view
        self._total = 0.0

    def update(self, result: Result[CpuSnapshot]) -> None:
        snapshot = result.value
        assert snapshot is not None
        self._total = snapshot.total
        width = int(self.ctx.options.get("bar_width") or 12)
        self.view.pairs = [
            (
                f"cpu{index}",
                [*progress_bar(value / 100, width), (None, " "), *sparkline(history, 30)],
            )
            for index, (value, history) in enumerate(zip(snapshot.per_core, snapshot.history))
        ]

    @property
    def subtitle(self) -> str:
        return f"{self._total:.0f}% avg"


class MemoryPanel(Panel):
    """Memory, swap, load average and uptime."""

    sources = ("system.memory", "system.cpu")

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx)
        self.view = KeyValue()
        self.widget = self.view
        self._memory: MemorySnapshot | None = None
        self._cpu: CpuSnapshot | None = None

    def update(self, result: Result[Any]) -> None:
        if result.source == "system.memory":
            self._memory = result.value
        else:
            self._cpu = result.value
        pairs: list[tuple[str | None, Any]] = []
        memory = self._memory
        if memory is not None:
            pairs += [
                (
                    "Memory",
                    [*progress_bar(memory.used / memory.total if memory.total else None, 14)],
                ),
                ("", f"{bytes_(memory.used)} of {bytes_(memory.total)}"),
                (
                    "Swap",
                    [*progress_bar(memory.swap_used / memory.swap_total, 14)]
                    if memory.swap_total
                    else [("muted", "none")],
                ),
                (
                    "",
                    f"{bytes_(memory.swap_used)} of {bytes_(memory.swap_total)}" if memory.swap_total else "",
                ),
                ("Uptime", duration(uptime(memory.boot_time))),
            ]
        if self._cpu is not None:
            pairs.append(("Load", "  ".join(f"{v:.2f}" for v in self._cpu.load)))
        self.view.pairs = pairs


class ProcessesPanel(TablePanel[ProcessInfo]):
    """Every process, busiest first; sort with < >, filter with /, signal with k."""

    sources = ("system.processes",)
    columns = (
        Column("PID", lambda p: p.pid, width=7, align="right"),
        Column("User", lambda p: p.user, width=10),
        Column("CPU%", lambda p: p.cpu, width=6, align="right", render=lambda v: f"{v:.1f}"),
        Column("MEM%", lambda p: p.memory, width=6, align="right", render=lambda v: f"{v:.1f}"),
        Column("RSS", lambda p: p.rss, width=10, align="right", render=bytes_),
        Column("Thr", lambda p: p.threads, width=4, align="right"),
        Column("State", lambda p: p.status, width=10, render=badge(STATUS_ROLES)),
        Column("Command", lambda p: p.command, weight=1, min_width=10),
    )

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx, row_id=lambda p: p.pid, empty="no processes")
        sort = str(ctx.options.get("sort") or "CPU%")
        self.table.sort_by(sort, descending=sort not in ("PID", "User", "Command", "State"))
