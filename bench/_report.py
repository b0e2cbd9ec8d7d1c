"""The runner's output: figures side by side with the alternative, targets, and how noisy it was."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from _util import Figure

__all__ = ["FASTER", "Line", "Section", "print_report"]

#: The relation of a figure to the one it is compared with: "N x faster" (the other's time
#: over this one's); any other label reads "N x <label>" (this one over the other).
FASTER = "faster"


@dataclass(frozen=True)
class Line:
    """One printed row: a figure, what it is compared with, and the target for that ratio."""

    figure: Figure
    versus: Figure | None = None
    relation: str = FASTER
    target: float | None = None  # at least this much faster; for other relations, at most

    @property
    def ratio(self) -> float | None:
        if self.versus is None or not (self.figure.measured and self.versus.measured):
            return None
        return self._ratio(self.figure.median, self.versus.median)

    @property
    def cpu_ratio(self) -> float | None:
        """The same ratio by CPU time, where both sides took it (steadier on a busy machine)."""
        if self.versus is None or not (self.figure.cpu and self.versus.cpu):
            return None
        return self._ratio(statistics.median(self.figure.cpu), statistics.median(self.versus.cpu))

    def _ratio(self, mine: float, theirs: float) -> float | None:
        """None when the figure divided by is zero (below what the clock can see)."""
        if self.relation == FASTER:
            return theirs / mine if mine else None
        return mine / theirs if theirs else None

    @property
    def met(self) -> bool | None:
        """Whether the target holds; None without a target or a ratio."""
        ratio = self.ratio
        if self.target is None or ratio is None:
            return None
        return ratio >= self.target if self.relation == FASTER else ratio <= self.target

    def ratio_text(self) -> str:
        ratio = self.ratio
        if ratio is None:
            return ""
        return f"{ratio:.1f}x {self.relation}" if ratio < 100 else f"{ratio:,.0f}x {self.relation}"

    def target_text(self) -> str:
        if self.target is None:
            return ""
        bound = ">=" if self.relation == FASTER else "<="
        verdict = {True: "met", False: "MISSED", None: "?"}[self.met]
        return f"{bound}{self.target:g}x {verdict}"

    def as_dict(self) -> dict[str, object]:
        return {
            **self.figure.as_dict(),
            "versus": self.versus.name if self.versus else None,
            "ratio": self.ratio,
            "cpu_ratio": self.cpu_ratio,
            "relation": self.relation if self.versus else None,
            "target": self.target,
            "met": self.met,
        }


@dataclass(frozen=True)
class Section:
    """A titled group of lines, with the load average around the runs that produced them."""

    title: str
    lines: Sequence[Line]
    load: str = ""


_HEAD = (
    " ".join(
        (f"{'figure':<54}", f"{'min':>9}", f"{'median':>9}", f"{'max':>9}", f"{'unit':<4}", f"{'spread':>6}")
    )
    + f"  {'vs alternative':<18} target"
)


def _row(line: Line) -> str:
    figure = line.figure
    if not figure.measured:
        return f"{figure.name:<54} {figure.note}"
    values = figure.values
    spread = f"±{figure.noise * 50:.0f}%" if len(values) > 1 else ""
    text = (
        f"{figure.name:<54} {min(values):>9.2f} {figure.median:>9.2f} {max(values):>9.2f} {figure.unit:<4}"
        f" {spread:>6}  {line.ratio_text():<18} {line.target_text()}"
    )
    return f"{text.rstrip()}  ({figure.note})" if figure.note else text.rstrip()


def print_report(sections: Sequence[Section], meta: Mapping[str, object]) -> None:
    """Every section as one table, then the targets, then how noisy the run was."""
    print(f"\n{_HEAD}")
    for section in sections:
        load = f"   [load {section.load}]" if section.load else ""
        print(f"\n== {section.title}{load}")
        for line in section.lines:
            print(_row(line))
    targets = [line for section in sections for line in section.lines if line.target is not None]
    if targets:
        print("\n== targets")
        for line in targets:
            got = line.ratio_text() or "not measured"
            if line.cpu_ratio is not None:
                got += f"; by CPU time {line.cpu_ratio:.1f}x"
            print(f"{line.figure.name:<54} {line.target_text():<14} (got {got})")
    load = f"load average before {meta['load_before']}, after {meta['load_after']}"
    print(f"\nmachine: {meta['cpus']} cores; {load}")
    print(
        f"spread = (max - min) / 2 / median; {meta['runs']} runs per figure (cursor and page keys: 5x that)"
    )
