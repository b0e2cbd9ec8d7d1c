"""The system plugin's hooks: sources from psutil, three panels, the signal action."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deck import Action, Option, PanelType, Result, Source, StatusSegment, hookimpl
from deck.plugins.system.actions import ACTIONS
from deck.plugins.system.panels import CpuPanel, MemoryPanel, ProcessesPanel
from deck.plugins.system.source import CpuSampler, CpuSnapshot, ProcessSampler, read_memory

__all__ = ["SystemPlugin"]


def _load(result: Result[CpuSnapshot]) -> str:
    if result.value is None:
        return ""
    return f"load {result.value.load[0]:.2f}"


class SystemPlugin:
    """This machine's CPU, memory, load and processes, via psutil."""

    @hookimpl
    def deck_options(self) -> Mapping[str, Option]:
        return {
            "interval": Option(float, 2.0, "seconds between samples"),
            "processes_interval": Option(float, 2.0, "seconds between process-table samples"),
        }

    @hookimpl
    def deck_sources(self, config: Mapping[str, Any]) -> list[Source[Any]]:
        sampler = CpuSampler()
        interval = config["interval"]
        return [
            Source("system.cpu", sampler.read, interval=interval, timeout=5),
            Source("system.memory", read_memory, interval=interval, timeout=5),
            Source(
                "system.processes",
                ProcessSampler().read,
                interval=config["processes_interval"],
                timeout=10,
            ),
        ]

    @hookimpl
    def deck_panels(self) -> list[PanelType]:
        return [
            PanelType(
                "system.cpu",
                CpuPanel,
                {"bar_width": Option(int, 12, "width of each core's bar")},
                "CPU use per core with sparklines",
                "CPU",
            ),
            PanelType("system.memory", MemoryPanel, {}, "memory, swap, load and uptime", "Memory"),
            PanelType(
                "system.processes",
                ProcessesPanel,
                {"sort": Option(str, "CPU%", "column to sort by")},
                "every process; k sends a signal",
                "Processes",
            ),
        ]

    @hookimpl
    def deck_actions(self) -> list[Action]:
        return ACTIONS

    @hookimpl
    def deck_status_segments(self) -> list[StatusSegment]:
        return [StatusSegment("system.load", "system.cpu", _load)]
