"""The system plugin's views of this machine: CPU cores, memory and load."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import urwid

from deck import Panel, PanelContext, Result
from deck.plugins.system.model import NO_GPU, CpuSnapshot, GpuSnapshot, MemorySnapshot
from deck.plugins.system.source import uptime
from deck.widgets import KeyValue, Segment, bytes_, duration, icons, progress_bar, sparkline

__all__ = ["CpuPanel", "MemoryPanel", "SizedLines", "calm_or_warn", "core_lines", "heat_role", "load_segment"]

#: Between two columns of cores.
GAP = 2
#: The narrowest bar worth drawing, and the widest sparkline.
MIN_BAR = 4
SPARK = 30


class SizedLines(urwid.WidgetWrap[KeyValue]):
    """Lines laid out for the size they are drawn at, recomputed only when data or size change;
    with `scrolls`, the arrow keys scroll what does not fit."""

    def __init__(self, lines: Callable[[int, int], list[list[Segment]]], *, scrolls: bool = False) -> None:
        self._lines = lines
        self._scrolls = scrolls
        self._view = KeyValue()
        self._view.show_cursor = scrolls
        self._drawn: tuple[int, int, int] | None = None
        self._version = 0
        super().__init__(self._view)

    def changed(self) -> None:
        """The data behind the lines changed: lay them out again at the next draw."""
        self._version += 1
        self._invalidate()

    def selectable(self) -> bool:
        return self._scrolls

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]  # a box widget
        width, height = size
        if self._drawn != (self._version, width, height):
            self._drawn = (self._version, width, height)
            # Lines go in as headings (no label column); plain text keeps the text role.
            lines = self._lines(width, height)
            self._view.pairs = [(None, [(role or "text", text) for role, text in line]) for line in lines]
        return self._view.render(size, focus)


def calm_or_warn(unavailable: str) -> str:
    """No GPU here is calm news; GPUs that stopped answering are not."""
    return "muted" if unavailable == NO_GPU else "warn"


def heat_role(percent: float) -> str:
    """The theme role a load shows in: calm, busy, or saturated."""
    return "good" if percent < 50 else "warn" if percent < 85 else "bad"


def core_lines(
    per_core: Sequence[float], history: Sequence[Sequence[float]], width: int, height: int, bar: int = 12
) -> list[list[Segment]]:
    """Every core in as many columns as fit; above that a heat strip and the busiest cores."""
    count = len(per_core)
    if not count or width <= 0 or height <= 0:
        return []
    digits = len(str(count - 1))
    for columns in range(1, count + 1):
        rows = math.ceil(count / columns)
        cell = (width - GAP * (columns - 1)) // columns
        if cell < digits + 1 + MIN_BAR + 5:
            break
        if rows <= height:
            return _packed(per_core, history, rows, columns, cell, digits, bar)
    return _strip(per_core, width, height, digits)


def _packed(
    per_core: Sequence[float],
    history: Sequence[Sequence[float]],
    rows: int,
    columns: int,
    cell: int,
    digits: int,
    bar: int,
) -> list[list[Segment]]:
    room = cell - digits - 1 - 5  # label and space, then " 100%"
    bar = min(bar, room)
    spark = min(SPARK, room - bar - 1) if room - bar - 1 >= 4 else 0
    bar = room if not spark else bar
    lines: list[list[Segment]] = [[] for _ in range(rows)]
    for index, value in enumerate(per_core):
        row, column = index % rows, index // rows
        segments: list[Segment] = [("muted", f"{index:>{digits}} "), *progress_bar(value / 100, bar)]
        if spark:
            segments += [(None, " "), *sparkline(history[index], spark, low=0, high=100)]
        used = sum(len(text) for _, text in segments)
        if column:
            lines[row].append((None, " " * GAP))
        lines[row] += [*segments, (None, " " * (cell - used))]
    return lines


def _strip(per_core: Sequence[float], width: int, height: int, digits: int) -> list[list[Segment]]:
    per_line = width - digits - 1
    strip_rows = math.ceil(len(per_core) / per_line) if per_line > 0 else height
    if strip_rows + 1 > height:
        return _summary(per_core, width, height)
    ticks = icons.spark
    lines = _summary(per_core, width, min(2, height - strip_rows))
    for start in range(0, len(per_core), per_line):
        line: list[Segment] = [("muted", f"{start:>{digits}} ")]
        for value in per_core[start : start + per_line]:
            line.append((heat_role(value), ticks[min(len(ticks) - 1, int(value / 100 * len(ticks)))]))
        lines.append(line)
    return lines


def _summary(per_core: Sequence[float], width: int, rows: int) -> list[list[Segment]]:
    """The core count and average, then the busiest cores, as many as `rows` lines hold."""
    average = sum(per_core) / len(per_core)
    lines: list[list[Segment]] = [[("text", f"{len(per_core)} cores  avg {average:.0f}%  busiest")]]
    used = sum(len(text) for _, text in lines[0])
    for index in sorted(range(len(per_core)), key=lambda i: -per_core[i]):
        part = f" {index}:{per_core[index]:.0f}%"
        if used + len(part) > width:
            if len(lines) == rows:
                break
            lines.append([])
            used = 0
        lines[-1].append((heat_role(per_core[index]), part))
        used += len(part)
    return lines


def load_segment(result: Result[CpuSnapshot]) -> str:
    """The header's live segment: the one-minute load average."""
    if result.value is None:
        return ""
    return f"load {result.value.load[0]:.2f}"


class CpuPanel(Panel):
    """Every core: a bar and a sparkline each, in columns; a heat strip when there are too many."""

    sources = ("system.cpu",)

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx)
        self._snapshot: CpuSnapshot | None = None
        self.view = SizedLines(self._lines)
        self.widget = self.view

    def _lines(self, width: int, height: int) -> list[list[Segment]]:
        snapshot = self._snapshot
        if snapshot is None:
            return []
        bar = int(self.ctx.options.get("bar_width") or 12)
        return core_lines(snapshot.per_core, snapshot.history, width, height, bar)

    def update(self, result: Result[CpuSnapshot]) -> None:
        self._snapshot = result.value
        self.view.changed()

    @property
    def rows_wanted(self) -> int | None:
        """A line per core; where the layout gives fewer, the cores share lines."""
        return len(self._snapshot.per_core) if self._snapshot is not None else None

    @property
    def subtitle(self) -> str:
        snapshot = self._snapshot
        if snapshot is None:
            return ""
        return f"{snapshot.total:.0f}% avg · {len(snapshot.per_core)} cores"


class MemoryPanel(Panel):
    """Memory, swap, load average and uptime; and a calm line when there is no GPU to show."""

    sources = ("system.memory", "system.cpu", "system.gpus")

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx)
        self.view = KeyValue()
        self.widget = self.view
        self._memory: MemorySnapshot | None = None
        self._cpu: CpuSnapshot | None = None
        self._gpus: GpuSnapshot | None = None

    def update(self, result: Result[Any]) -> None:
        if result.source == "system.memory":
            self._memory = result.value
        elif result.source == "system.cpu":
            self._cpu = result.value
        else:
            self._gpus = result.value
        pairs: list[tuple[str | None, Any]] = []
        memory = self._memory
        if memory is not None:
            pairs += [
                ("Memory", progress_bar(memory.used / memory.total if memory.total else None, 14)),
                ("", f"{bytes_(memory.used)} of {bytes_(memory.total)}"),
            ]
            if memory.swap_total:
                pairs += [
                    ("Swap", progress_bar(memory.swap_used / memory.swap_total, 14)),
                    ("", f"{bytes_(memory.swap_used)} of {bytes_(memory.swap_total)}"),
                ]
            else:
                pairs.append(("Swap", [("muted", "none")]))
            pairs.append(("Uptime", duration(uptime(memory.boot_time))))
        if self._cpu is not None:
            pairs.append(("Load", "  ".join(f"{v:.2f}" for v in self._cpu.load)))
        if self._gpus is not None and self._gpus.unavailable:
            pairs.append((None, [(calm_or_warn(self._gpus.unavailable), self._gpus.unavailable)]))
        self.view.pairs = pairs

    @property
    def rows_wanted(self) -> int | None:
        """Its lines, once memory has been read."""
        return len(self.view.pairs) if self._memory is not None else None
