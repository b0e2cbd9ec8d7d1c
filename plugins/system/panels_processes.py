"""The process table, as htop users expect it: sort, tree, tags, and GPU columns when GPUs exist."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import replace
from operator import attrgetter
from typing import Any

from deck import PanelContext, Result, TablePanel
from deck.plugins.system.model import GpuSnapshot, ProcessInfo
from deck.plugins.system.panels import heat_role
from deck.widgets import Cell, Column, Table, bytes_, icons

__all__ = ["ProcessesPanel", "cpu_time", "tree_order"]

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


#: The command line gets at least this much before other columns give way.
COMMAND_WIDTH = 24
#: On a narrow terminal TIME+, then RSS, then User and MEM% give way to the command line.
COLUMNS: tuple[Column[ProcessInfo], ...] = (
    Column("PID", attrgetter("pid"), width=7, align="right"),
    Column("User", attrgetter("user"), width=8, priority=2),
    Column("CPU%", attrgetter("cpu"), width=6, align="right", render=lambda v: f"{v:.1f}"),
    Column("MEM%", attrgetter("memory"), width=6, align="right", render=lambda v: f"{v:.1f}", priority=1),
    Column("RSS", attrgetter("rss"), width=9, align="right", render=bytes_, priority=3),
    Column("TIME+", attrgetter("cpu_seconds"), width=8, align="right", render=cpu_time, priority=4),
    Column("S", attrgetter("status"), width=1, render=_state),
)
GPU_COLUMNS: tuple[Column[ProcessInfo], ...] = (
    Column(
        "GPU%",
        lambda p: (p.gpu_percent, bool(p.gpus)),
        width=4,
        align="right",
        render=_gpu_cell(lambda v: [(heat_role(v), f"{v:.0f}")]),
        sort_key=_on_gpu,
    ),
    Column(
        "GMEM",
        lambda p: (p.gpu_memory, bool(p.gpus)),
        width=9,
        align="right",
        render=_gpu_cell(bytes_),
        sort_key=_on_gpu,
    ),
)


def tree_order(processes: Sequence[ProcessInfo]) -> Iterator[tuple[ProcessInfo, str]]:
    """Processes parent before children, each with the branch drawn before its command."""
    pids = {p.pid for p in processes}
    children: dict[int, list[ProcessInfo]] = {}
    for process in processes:
        parent = process.parent if process.parent in pids and process.parent != process.pid else 0
        children.setdefault(parent, []).append(process)
    # Depth first without recursion: a chain of processes may be deeper than Python's stack.
    stack: list[tuple[ProcessInfo, str, str]] = [
        (root, "", "") for root in sorted(children.get(0, []), key=lambda p: -p.pid)
    ]
    while stack:
        process, branch, indent = stack.pop()
        yield process, branch
        below = sorted(children.get(process.pid, []), key=lambda p: p.pid)
        fork, end, through = ("|- ", "`- ", "|  ") if icons.ascii else ("├─ ", "└─ ", "│  ")
        for position in range(len(below) - 1, -1, -1):
            last = position == len(below) - 1
            branch, below_it = (end, "   ") if last else (fork, through)
            stack.append((below[position], indent + branch, indent + below_it))


class ProcessesPanel(TablePanel[ProcessInfo]):
    """Every process, busiest first; a tree with t, tags with space, a signal with F9."""

    sources = ("system.processes", "system.gpus")

    def __init__(self, ctx: PanelContext) -> None:
        self._with_gpus = False
        self._processes: Sequence[ProcessInfo] = ()
        self._gpus: GpuSnapshot | None = None
        self.tree = False
        self._sort_before_tree: tuple[str, bool] | None = None
        #: Tagged processes by (pid, start): a reused pid is never tagged by accident.
        self.tags: set[tuple[int, float]] = set()
        #: What goes before a command, by pid: the tag mark and the tree branch (most have none).
        self._prefix: dict[int, str] = {}
        #: The last text searched for, so the next search starts from it.
        self.searched = ""
        super().__init__(ctx, table=self._table(None))
        sort = str(ctx.options.get("sort") or "CPU%")
        self.table.sort_by(sort, descending=sort not in ASCENDING)

    def _command(self, process: ProcessInfo) -> str:
        return self._prefix.get(process.pid, "") + process.command if self._prefix else process.command

    def _table(self, previous: Table[ProcessInfo] | None) -> Table[ProcessInfo]:
        command = Column("Command", self._command, render=_command, weight=1, min_width=COMMAND_WIDTH)
        columns = (*COLUMNS, *(GPU_COLUMNS if self._with_gpus else ()), command)
        table = _ProcessTable(columns, _row_id, empty="no processes", on_sort=self._sorted)
        if previous is not None:  # the same view with other columns
            table.filter = previous.filter
            if previous.sort is not None:
                table.sort_by(*previous.sort)
            table.update(previous.all_rows)
            if previous.selected is not None:
                table.select(previous.selected.pid)
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
        if self.tags:
            self.tags &= {(p.pid, p.started) for p in processes}
        branches: dict[int, str] = {}
        if self.tree:
            ordered = list(tree_order(processes))
            processes = [process for process, _ in ordered]
            branches = {process.pid: branch for process, branch in ordered if branch}
        tagged = {pid for pid, started in self.tags}
        prefix = {
            pid: (TAG if pid in tagged else "") + branches.get(pid, "") for pid in tagged | branches.keys()
        }
        changed, self._prefix = prefix != self._prefix, prefix
        self.table.update(processes)
        if changed:
            self.table.refresh_lines()

    @property
    def tagged(self) -> list[ProcessInfo]:
        """The tagged processes, shown or filtered out."""
        return [p for p in self.table.all_rows if (p.pid, p.started) in self.tags]

    def toggle_tag(self) -> None:
        """Tag or untag the selected process, and move on to the next, as htop does."""
        process = self.table.selected
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

    def find(self, text: str) -> bool:
        """Move to the next process below the cursor (wrapping) whose command holds `text`."""
        rows, needle = self.table.visible_rows, text.lower()
        for offset in range(1, len(rows) + 1):
            position = (self.table.cursor + offset) % len(rows)
            if needle in rows[position].command.lower():
                self.table.cursor = position
                return True
        return False

    def branch(self, process: ProcessInfo) -> str:
        """The tree branch drawn before a process's command (empty outside the tree)."""
        return self._prefix.get(process.pid, "").removeprefix(TAG)

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


class _ProcessTable(Table[ProcessInfo]):
    """The process table, telling its panel when it is sorted (by a key or a click)."""

    def __init__(self, *args: Any, on_sort: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_sort = on_sort

    def sort_by(self, column: int | str | None, descending: bool = False) -> None:
        super().sort_by(column, descending)
        if column is not None:
            self._on_sort()


def _row_id(process: ProcessInfo) -> Hashable:
    return process.pid


def _add_gpu_use(processes: Sequence[ProcessInfo], gpus: GpuSnapshot | None) -> Sequence[ProcessInfo]:
    """The processes, those on a GPU with their GPU memory and share of the SMs."""
    if gpus is None or not gpus.processes:
        return processes
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
