"""The GPU panel: one line per GPU (bars, sparkline, temperature, power), its processes below."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deck import Panel, PanelContext, Result
from deck.plugins.system.model import Gpu, GpuProcess, GpuSnapshot
from deck.plugins.system.panels import SizedLines, calm_or_warn, heat_role
from deck.widgets import Segment, bytes_, icons, progress_bar, sparkline

__all__ = ["GpuPanel", "gpu_line", "process_line"]

NA = ("muted", "n/a")
#: The widths the utilization and memory bars try, widest first.
BARS = (30, 20, 10)


def _short_name(name: str) -> str:
    return name.removeprefix("NVIDIA ").strip() or name


def _used(gpu: Gpu) -> float | None:
    if gpu.memory_used is None or not gpu.memory_total:
        return None
    return gpu.memory_used / gpu.memory_total


def _memory(gpu: Gpu) -> str:
    if gpu.memory_used is None or not gpu.memory_total:
        return "n/a"
    return f"{gpu.memory_used / 2**30:.1f}/{gpu.memory_total / 2**30:.0f}G"


def _value(value: float | None, unit: str, role: Callable[[float], str] | None = None) -> list[Segment]:
    if value is None:
        return [NA]
    return [(role(value) if role else "text", f"{value:.0f}{unit}")]


def _temperature_role(celsius: float) -> str:
    return "good" if celsius < 70 else "warn" if celsius < 85 else "bad"


def gpu_line(gpu: Gpu, width: int) -> list[Segment]:
    """One GPU in `width` cells: the parts that matter most stay when space runs short, and the
    bars grow when there is room for everything."""
    head: list[Segment] = [("title", f"{gpu.index} "), ("text", _short_name(gpu.name))]
    if gpu.error:
        return [*head, ("bad", f"  {'!' if icons.ascii else '⚠'} {gpu.error}")]
    for bar in BARS:
        parts = _parts(gpu, bar)
        size = _width(head)
        keep = set()
        for index in sorted(range(len(parts)), key=lambda i: parts[i][0]):
            segments = parts[index][1]
            if segments and size + 2 + _width(segments) <= width:
                keep.add(index)
                size += 2 + _width(segments)
        if len(keep) == sum(1 for _, segments in parts if segments) or bar == BARS[-1]:
            break
    return head + [s for i, (_, part) in enumerate(parts) if i in keep for s in [(None, "  "), *part]]


def _parts(gpu: Gpu, bar: int) -> list[tuple[int, list[Segment]]]:
    """The parts of a GPU's line, each with its rank: the lowest ranks give way last."""
    power = [*_value(gpu.power_watts, ""), ("muted", "/"), *_value(gpu.power_limit_watts, "W")]
    # Utilization, memory, errors, temperature, power, bandwidth, history, clock, calm states.
    return [
        (0, [("muted", "util "), *_bar(gpu.utilization, 100, bar)]),
        (1, [("muted", "mem "), *_bar(_used(gpu), 1, bar), ("muted", " "), ("text", _memory(gpu))]),
        (3, _value(gpu.temperature, "C" if icons.ascii else "°C", _temperature_role)),
        (4, power),
        (5, [("muted", "MBW "), *_value(gpu.memory_utilization, "%")]),
        (6, [*sparkline(gpu.history, 20, low=0, high=100)] if gpu.history else []),
        (7, _value(gpu.sm_clock_mhz, "MHz")),
        (2 if gpu.mig else 8, _mig(gpu.mig)),
        (2 if gpu.ecc_errors else 9, [] if gpu.ecc_errors is None else [_ecc(gpu.ecc_errors)]),
    ]


def _mig(mode: bool | None) -> list[Segment]:
    if mode is None:
        return []
    return [("info", "MIG on")] if mode else [("muted", "MIG off")]


def _ecc(errors: int) -> Segment:
    """Uncorrected ECC errors since the driver loaded: none is calm, any is bad."""
    return ("bad", f"ECC {errors}") if errors else ("muted", "ECC 0")


def _bar(value: float | None, scale: float, width: int) -> list[Segment]:
    if value is None:
        return [NA]
    return [*progress_bar(value / scale, width)]


def _width(segments: list[Segment]) -> int:
    return sum(len(text) for _, text in segments)


def process_line(process: GpuProcess, name: str) -> list[Segment]:
    """A process on a GPU: pid, name, GPU memory and its share of the SMs where known."""
    utilization: Segment = (
        (heat_role(process.utilization), f"{process.utilization}%") if process.utilization is not None else NA
    )
    memory = bytes_(process.memory) if process.memory is not None else "n/a"
    return [
        ("muted", "  `- " if icons.ascii else "  └ "),
        ("text", f"{process.pid} "),
        ("text", name),
        ("muted", "  mem "),
        ("text", str(memory)),
        ("muted", "  sm "),
        utilization,
    ]


class GpuPanel(Panel):
    """Every NVIDIA GPU, its processes below it; hidden when this machine shows none."""

    sources = ("system.gpus", "system.processes")

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx)
        self._snapshot: GpuSnapshot | None = None
        self._names: dict[int, str] = {}
        self.view = SizedLines(self._lines, scrolls=True)
        self.widget = self.view

    def update(self, result: Result[Any]) -> None:
        if result.source == "system.processes":
            self._names = {process.pid: process.name for process in result.value or ()}
        else:
            self._snapshot = result.value
        self.view.changed()

    def _lines(self, width: int, height: int) -> list[list[Segment]]:
        snapshot = self._snapshot
        if snapshot is None:
            return []
        if snapshot.unavailable:
            return [[(calm_or_warn(snapshot.unavailable), snapshot.unavailable)]]
        # Every GPU gets its line; its processes (most memory first) get the lines left over.
        room = height - len(snapshot.gpus)
        lines = []
        for gpu in snapshot.gpus:
            lines.append(gpu_line(gpu, width))
            mine = [p for p in snapshot.processes if p.gpu == gpu.index]
            mine.sort(key=lambda p: -(p.memory or 0))
            for process in mine[: max(0, room)]:
                lines.append(process_line(process, self._names.get(process.pid, "")))
            room -= len(mine)
        return lines

    @property
    def rows_wanted(self) -> int | None:
        snapshot = self._snapshot
        if snapshot is None or snapshot.unavailable:
            return 0 if self.ctx.options.get("hide_when_none") else None
        return len(snapshot.gpus) + len(snapshot.processes)

    @property
    def subtitle(self) -> str:
        snapshot = self._snapshot
        if snapshot is None or not snapshot.gpus:
            return ""
        return f"{len(snapshot.gpus)} GPU{'s' if len(snapshot.gpus) > 1 else ''} · driver {snapshot.driver}"
