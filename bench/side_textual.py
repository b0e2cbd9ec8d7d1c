"""Textual's side of the table comparison: a minimal app with one DataTable, the same rows.

Runs in the Textual bench venv (bench/.venv-textual), never in deck's own environment:

    bench/.venv-textual/bin/python bench/side_textual.py table --rows 10000 --runs 5
    bench/.venv-textual/bin/python bench/side_textual.py first-frame --rows 300

Driven the way Textual's own tests drive an app: `run_test(size=(200, 50))` and its Pilot.
Each figure runs from the key (or the call) to the last screen update it caused: the app
records the time of every compositor update (`App._display`), and the Pilot waits until a
pause passes with no new update. Headless, Textual stops at the compositor update and writes
nothing to a terminal, so its figures compare with deck's figures to the composed frame.
DataTable has no filter: the app filters its rows (one column, the cheapest way) and refills
the table, as a Textual app would.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from _data import COLUMNS, FILTER_WORDS, PAGE, TABLE_OPS, ProcessRow, figure_name, process_rows
from _util import Figure, rss_mb, side_main
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable

SIZE = (200, 50)


def cells(rows: Sequence[ProcessRow]) -> list[tuple[Any, ...]]:
    """The rows as DataTable cells, in the column order (raw values, so sorting works)."""
    return [(r.pid, r.user, r.cpu, r.memory, r.rss, r.threads, r.status, r.command) for r in rows]


class TableApp(App[None]):
    """One full-screen DataTable with a row cursor; remembers when each screen update ends."""

    CSS = "DataTable { height: 1fr; }"

    def __init__(self, rows: Sequence[tuple[Any, ...]] = (), *, announce: bool = False) -> None:
        super().__init__()
        self.initial = rows
        self.announce = announce
        self.updates: list[tuple[float, float]] = []

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        table.add_rows(self.initial)

    def _display(self, screen: Any, renderable: Any) -> None:
        super()._display(screen, renderable)
        if renderable is None:
            return
        self.updates.append((time.perf_counter(), time.process_time()))
        if self.announce and self.query_one(DataTable).row_count:
            self.announce = False
            os.write(1, b"frame\n")
            self.exit()


async def settle(pilot: Pilot[None], app: TableApp) -> None:
    """Let the app run until one pause passes without a new screen update."""
    while True:
        seen = len(app.updates)
        await pilot.pause()
        if len(app.updates) == seen:
            return


async def timed(
    pilot: Pilot[None], app: TableApp, step: Callable[[], Awaitable[None] | object]
) -> tuple[float, float]:
    """(wall ms, CPU ms) from starting `step` to the end of the last screen update it caused."""
    await settle(pilot, app)
    seen = len(app.updates)
    started, cpu_started = time.perf_counter(), time.process_time()
    pending = step()
    if inspect.isawaitable(pending):
        await pending
    await settle(pilot, app)
    if len(app.updates) == seen:
        raise RuntimeError("the step caused no screen update")
    ended, cpu_ended = app.updates[-1]
    return (ended - started) * 1000, (cpu_ended - cpu_started) * 1000


async def series(
    name: str,
    runs: int,
    pilot: Pilot[None],
    app: TableApp,
    step: Callable[[], Any],
    setup: Callable[[], Any] | None = None,
) -> Figure:
    values, cpu = [], []
    for _ in range(runs):
        if setup is not None:
            setup()
        wall, used = await timed(pilot, app, step)
        values.append(wall)
        cpu.append(used)
    return Figure(name, "ms", tuple(values), cpu=tuple(cpu))


async def table_figures(count: int, runs: int) -> list[Figure]:
    """First render, cursor move, page down, sort and filter over `count` rows at 200x50."""
    source = process_rows(count)
    rows = cells(source)
    app = TableApp()
    first_render, cursor_move, page_down, sort_key, filter_, peak = (
        figure_name(count, op) for op in TABLE_OPS
    )
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(DataTable)
        cpu_key = list(table.columns)[COLUMNS.index("CPU%")]
        first = await series(first_render, runs, pilot, app, lambda: table.add_rows(rows), table.clear)

        def rewind() -> None:
            if table.cursor_row + PAGE >= table.row_count:  # keep every move a real one
                table.move_cursor(row=0)

        cursor = await series(cursor_move, runs * 5, pilot, app, lambda: pilot.press("down"), rewind)
        paging = await series(page_down, runs * 5, pilot, app, lambda: pilot.press("pagedown"), rewind)
        flips = iter([True, False] * runs)
        sort = await series(sort_key, runs, pilot, app, lambda: table.sort(cpu_key, reverse=next(flips)))
        words = iter(FILTER_WORDS * runs)

        def refilter() -> None:
            word = next(words)
            table.clear()
            table.add_rows(row for row, process in zip(rows, source) if word in process.command)

        filtering = await series(filter_, runs, pilot, app, refilter)
    memory = Figure(peak, "MB", (rss_mb(),))
    return [first, cursor, paging, sort, filtering, memory]


def first_frame(rows: int) -> None:
    """Run the app until its first frame, which it announces on stdout."""
    TableApp(cells(process_rows(rows)), announce=True).run(headless=True, size=SIZE)


if __name__ == "__main__":
    side_main(
        __doc__.split("\n\n")[0],
        first_frame,
        lambda rows, runs: asyncio.run(table_figures(rows, runs)),
    )
