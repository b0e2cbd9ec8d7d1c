"""The process table, as htop users expect it: sort, tree, tags, and GPU columns when GPUs exist."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import replace
from typing import Any, NamedTuple

from deck import PanelContext, Result, TablePanel
from deck.plugins.system.model import GpuSnapshot, ProcessInfo
from deck.plugins.system.panels import heat_role
from deck.widgets import Cell, Column, Table, bytes_

__all__ = ["ProcessRow", "ProcessesPanel", "cpu_time", "tree_order"]

#: psutil's state names as htop's one-letter S column, with the role each is drawn in.
STATES = {
    "running": ("R", "good"),
    "sleeping": ("S", "text"),
    "idle": ("I", "muted"),
    "disk-sleep": ("D", "warn"),
    "zombie": ("Z", "bad"),
    "stopped": ("T", "warn"),
    "tracing-stop": ("t", "warn"),
    "dead": ("X", "bad"),
}
#: Columns whose natural order is smallest first; the rest sort busiest first.
ASCENDING = ("PID", "User", "S", "Command")
#: Before the command of a tagged process.
TAG = "* "


class ProcessRow(NamedTuple):
    """A process as one line of the table: its tree branch and whether it is tagged."""

    process: ProcessInfo
    branch: str = ""
    tagged: bool = False


def cpu_time(seconds: float) -> str:
    """CPU time as htop's TIME+ shows it: 1:23.45, or 12h05:07 past an hour."""
    hours, rest = divmod(int(seconds), 3600)
    if hours:
        return f"{hours}h{rest // 60:02d}:{rest % 60:02d}"
    return f"{rest // 60}:{seconds % 60:05.2f}"


def _state(status: str) -> Cell:
    letter, role = STATES.get(status, ("?", "muted"))
    return [(role, letter)]


def _command(value: str) -> Cell:
    if value.startswith(TAG):
        return [("accent", TAG), ("text", value[len(TAG) :])]
    return value


def _on_gpu(value: tuple[float | None, bool]) -> float | None:
    """Sort processes on a GPU by the figure, those where it is unknown just after them."""
    figure, on_gpu = value
    return figure if figure is not None else -1.0 if on_gpu else None


def _gpu_cell(render: Callable[[float], Cell]) -> Callable[[tuple[float | None, bool]], Cell]:
    def cell(value: tuple[float | None, bool]) -> Cell:
        figure, on_gpu = value
        if not on_gpu:
            return ""
        return [("muted", "n/a")] if figure is None else render(figure)

    return cell


COLUMNS: tuple[Column[ProcessRow], ...] = (
    Column("PID", lambda r: r.process.pid, width=7, align="right"),
    Column("User", lambda r: r.process.user, width=8),
    Column("CPU%", lambda r: r.process.cpu, width=6, align="right", render=lambda v: f"{v:.1f}"),
    Column("MEM%", lambda r: r.process.memory, width=6, align="right", render=lambda v: f"{v:.1f}"),
    Column("RSS", lambda r: r.process.rss, width=9, align="right", render=bytes_),
    Column("TIME+", lambda r: r.process.cpu_seconds, width=8, align="right", render=cpu_time),
    Column("S", lambda r: r.process.status, width=1, render=_state),
)
GPU_COLUMNS: tuple[Column[ProcessRow], ...] = (
    Column(
        "GPU%",
        lambda r: (r.process.gpu_percent, bool(r.process.gpus)),
        width=4,
        align="right",
        render=_gpu_cell(lambda v: [(heat_role(v), f"{v:.0f}")]),
        sort_key=_on_gpu,
    ),
    Column(
        "GMEM",
        lambda r: (r.process.gpu_memory, bool(r.process.gpus)),
        width=9,
        align="right",
        render=_gpu_cell(bytes_),
        sort_key=_on_gpu,
    ),
)
COMMAND: Column[ProcessRow] = Column(
    "Command",
    lambda r: (TAG if r.tagged else "") + r.branch + r.process.command,
    render=_command,
    weight=1,
    min_width=10,
)


def tree_order(processes: Sequence[ProcessInfo]) -> Iterator[tuple[ProcessInfo, str]]:
    """Processes parent before children, each with the branch drawn before its command."""
    pids = {p.pid for p in processes}
    children: dict[int, list[ProcessInfo]] = {}
    for process in processes:
        parent = process.parent if process.parent in pids and process.parent != process.pid else 0
        children.setdefault(parent, []).append(process)
    for siblings in children.values():
        siblings.sort(key=lambda p: p.pid)

    def walk(pid: int, indent: str) -> Iterator[tuple[ProcessInfo, str]]:
        below = children.get(pid, [])
        for position, child in enumerate(below):
            last = position == len(below) - 1
            yield child, (indent + ("└─ " if last else "├─ ")) if pid else ""
            yield from walk(child.pid, (indent + ("   " if last else "│  ")) if pid else "")

    yield from walk(0, "")


class ProcessesPanel(TablePanel[ProcessRow]):
    """Every process, busiest first; a tree with t, tags with space, a signal with F9."""

    sources = ("system.processes", "system.gpus")

    def __init__(self, ctx: PanelContext) -> None:
        self._with_gpus = False
        self._processes: tuple[ProcessInfo, ...] = ()
        self._gpus: GpuSnapshot | None = None
        self.tree = False
        self._sort_before_tree: tuple[str, bool] | None = None
        #: Tagged processes by (pid, start): a reused pid is never tagged by accident.
        self.tags: set[tuple[int, float]] = set()
        super().__init__(ctx, table=self._table(None))
        sort = str(ctx.options.get("sort") or "CPU%")
        self.table.sort_by(sort, descending=sort not in ASCENDING)

    def _table(self, previous: Table[ProcessRow] | None) -> Table[ProcessRow]:
        columns = (*COLUMNS, *(GPU_COLUMNS if self._with_gpus else ()), COMMAND)
        table = _ProcessTable(columns, _row_id, empty="no processes", on_sort=self._sorted)
        if previous is not None:  # the same view with other columns
            table.filter = previous.filter
            if previous.sort is not None:
                table.sort_by(*previous.sort)
            table.update(previous.all_rows)
            if previous.selected is not None:
                table.select(_row_id(previous.selected))
        return table

    def _sorted(self) -> None:
        if self.tree:  # a sorted list has no tree
            self.tree = False
            self.show()

    def update(self, result: Result[Any]) -> None:
        if result.source == "system.gpus":
            self._gpus = result.value
            with_gpus = bool(self._gpus and self._gpus.gpus)
            if with_gpus != self._with_gpus:
                self._with_gpus = with_gpus
                self.table = self._table(self.table)
                self.widget = self.table
        else:
            self._processes = result.value or ()
        self.show()

    def show(self) -> None:
        """Rebuild the rows from the latest snapshots and the view's own state (tree, tags)."""
        processes = _add_gpu_use(self._processes, self._gpus)
        live = {(p.pid, p.started) for p in processes}
        self.tags &= live
        ordered = tree_order(processes) if self.tree else ((p, "") for p in processes)
        self.table.update([ProcessRow(p, branch, (p.pid, p.started) in self.tags) for p, branch in ordered])

    @property
    def selected(self) -> ProcessInfo | None:
        """The process under the cursor."""
        row = self.table.selected
        return row.process if row is not None else None

    @property
    def tagged(self) -> list[ProcessInfo]:
        """The tagged processes, shown or filtered out."""
        return [row.process for row in self.table.all_rows if row.tagged]

    def toggle_tag(self) -> None:
        """Tag or untag the selected process, and move on to the next, as htop does."""
        process = self.selected
        if process is None:
            return
        self.tags ^= {(process.pid, process.started)}
        self.show()
        self.table.cursor = self.table.cursor + 1

    def untag_all(self) -> None:
        """Forget every tag."""
        self.tags.clear()
        self.show()

    def toggle_tree(self) -> None:
        """Show processes under their parents, or back in the sorted list."""
        self.tree = not self.tree
        if self.tree:
            self._sort_before_tree = self.table.sort
            self.table.sort_by(None)
        elif self._sort_before_tree is not None:
            self.table.sort_by(*self._sort_before_tree)
        self.show()

    def sort_by(self, title: str) -> None:
        """Sort by a column, in its natural direction (leaves the tree)."""
        self.table.sort_by(title, descending=title not in ASCENDING)

    @property
    def sortable(self) -> list[str]:
        """The titles of the columns one can sort by."""
        return [column.title for column in self.table.columns if column.sortable]

    @property
    def subtitle(self) -> str:
        parts = [self.table.summary]
        if self.tags:
            parts.append(f"{len(self.tags)} tagged")
        if self.tree:
            parts.append("tree")
        return " · ".join(parts)


class _ProcessTable(Table[ProcessRow]):
    """The process table, telling its panel when it is sorted (by a key or a click)."""

    def __init__(self, *args: Any, on_sort: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_sort = on_sort

    def sort_by(self, column: int | str | None, descending: bool = False) -> None:
        super().sort_by(column, descending)
        if column is not None:
            self._on_sort()


def _row_id(row: ProcessRow) -> Hashable:
    return row.process.pid


def _add_gpu_use(processes: tuple[ProcessInfo, ...], gpus: GpuSnapshot | None) -> list[ProcessInfo]:
    """The processes, those on a GPU with their GPU memory and share of the SMs."""
    if gpus is None or not gpus.processes:
        return list(processes)
    on_gpu: dict[int, list[Any]] = {}
    for used in gpus.processes:
        on_gpu.setdefault(used.pid, []).append(used)
    result = []
    for process in processes:
        uses = on_gpu.get(process.pid)
        if uses:
            memory = [u.memory for u in uses if u.memory is not None]
            shares = [u.utilization for u in uses if u.utilization is not None]
            process = replace(
                process,
                gpus=tuple(u.gpu for u in uses),
                gpu_memory=sum(memory) if memory else None,
                gpu_percent=float(sum(shares)) if shares else None,
            )
        result.append(process)
    return result
