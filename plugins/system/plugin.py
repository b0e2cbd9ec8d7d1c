"""The system plugin's hooks: sources from psutil and NVML, four panels, htop's actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deck import Action, Option, PanelType, Source, StatusSegment, hookimpl
from deck.plugins.system.actions import ACTIONS
from deck.plugins.system.panels import CpuPanel, MemoryPanel, load_segment
from deck.plugins.system.panels_gpu import GpuPanel
from deck.plugins.system.panels_processes import ProcessesPanel
from deck.plugins.system.source import CpuSampler, GpuSampler, ProcessSampler, read_memory

__all__ = ["SystemPlugin"]


class SystemPlugin:
    """This machine's CPU, memory, load, processes and NVIDIA GPUs."""

    @hookimpl
    def deck_options(self) -> Mapping[str, Option]:
        return {
            "interval": Option(float, 2.0, "seconds between samples"),
            "processes_interval": Option(float, 2.0, "seconds between process-table samples"),
            "gpu_interval": Option(float, 2.0, "seconds between GPU samples"),
        }

    @hookimpl
    def deck_sources(self, config: Mapping[str, Any]) -> list[Source[Any]]:
        interval = config["interval"]
        return [
            Source("system.cpu", CpuSampler().read, interval=interval, timeout=5),
            Source("system.memory", read_memory, interval=interval, timeout=5),
            Source(
                "system.processes",
                ProcessSampler().read,
                interval=config["processes_interval"],
                timeout=10,
            ),
            Source("system.gpus", GpuSampler().read, interval=config["gpu_interval"], timeout=5),
        ]

    @hookimpl
    def deck_panels(self) -> list[PanelType]:
        return [
            PanelType(
                "system.cpu",
                CpuPanel,
                {"bar_width": Option(int, 12, "width of each core's bar")},
                "CPU use per core: as many columns as fit, a heat strip beyond",
                "CPU",
            ),
            PanelType("system.memory", MemoryPanel, {}, "memory, swap, load and uptime", "Memory"),
            PanelType(
                "system.gpus",
                GpuPanel,
                {"hide_when_none": Option(bool, False, "give the panel's space away when there is no GPU")},
                "NVIDIA GPUs through NVML: use, memory, temperature, power, and their processes",
                "GPU",
            ),
            PanelType(
                "system.processes",
                ProcessesPanel,
                {"sort": Option(str, "CPU%", "column to sort by")},
                "every process; F9 sends a signal, t shows the tree, space tags, Enter shows details",
                "Processes",
            ),
        ]

    @hookimpl
    def deck_actions(self) -> list[Action]:
        return ACTIONS

    @hookimpl
    def deck_status_segments(self) -> list[StatusSegment]:
        return [StatusSegment("system.load", "system.cpu", load_segment)]
