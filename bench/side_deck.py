"""deck's side of the table comparison: the whole deck, each frame composed and then written.

    python bench/side_deck.py table --rows 100000 --runs 5     # JSON figures on stdout
    python bench/side_deck.py first-frame --rows 300           # prints once the frame is drawn

The deck runs headless with one screen holding the system plugin's process table (see
_deck_plugin.py). Each step is timed twice in one go: to the composed frame (the shell handles
the key and renders the whole screen: header, border, table, status line), which is where
Textual's headless figures end too, and on to the frame written to a terminal (urwid's raw
screen turning the canvas into escape sequences, written to /dev/null).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import urwid
import yaml
from _data import FILTER_WORDS, PAGE, TABLE_OPS, WRITTEN, figure_name, process_rows
from _deck_plugin import as_process_info
from _util import Figure, rss_mb, side_main

from deck import Result
from deck._app import build_deck
from deck._headless import Harness  # what deck.testing and --snapshot use, without pytest

HERE = Path(__file__).resolve().parent
SIZE = (200, 50)


@contextmanager
def bench_deck(rows: int, size: tuple[int, int] = SIZE) -> Iterator[Harness]:
    """A started headless deck whose only panel is the process table, fed `rows` rows."""
    with tempfile.TemporaryDirectory(prefix="deck-bench-") as folder:
        layout = Path(folder) / "bench-table.yaml"
        document = {
            "title": "BENCH",
            "theme": "neon-syndicate",
            "plugins": {"bench": {"from": str(HERE / "_deck_plugin.py"), "rows": rows}},
            "screens": [{"name": "Processes", "panel": "bench.processes"}],
        }
        layout.write_text(yaml.safe_dump(document))
        harness = Harness(build_deck(layout), size).start()
        try:
            yield harness
        finally:
            harness.stop()


class Terminal:
    """urwid's raw screen writing to /dev/null, with a pty as its input, as in a real run."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self._master, slave = os.openpty()
        self._input = os.fdopen(slave, "r")
        self._output = open(os.devnull, "w")  # noqa: SIM115 - closed in close()
        self.screen = urwid.display.raw.Screen(input=self._input, output=self._output)
        self.screen.set_terminal_properties(colors=2**24)
        self.screen.register_palette(harness.deck.theme.palette("truecolor"))
        self.screen.start()

    def frame(self) -> None:
        """Render the whole deck and write it out, as urwid's main loop does after a key."""
        size = self.harness.size
        self.screen.draw_screen(size, self.harness.shell.render(size, focus=True))

    def frames(
        self, name: str, runs: int, change: Callable[[], object], setup: Callable[[], object] | None = None
    ) -> tuple[Figure, Figure]:
        """Time `change` plus the frame it causes: (to the composed frame, to the frame written).

        Textual's headless figures end at its composed frame, so the first is the like-for-like
        one; the second adds urwid turning the canvas into escape sequences for the terminal.
        """
        size, shell = self.harness.size, self.harness.shell
        composed: list[tuple[float, float]] = []
        written: list[tuple[float, float]] = []
        for _ in range(runs):
            if setup is not None:
                setup()
                self.frame()
            started, cpu_started = time.perf_counter(), time.process_time()
            change()
            canvas = shell.render(size, focus=True)
            composed.append((time.perf_counter() - started, time.process_time() - cpu_started))
            self.screen.draw_screen(size, canvas)
            written.append((time.perf_counter() - started, time.process_time() - cpu_started))
        return _figure(name, composed), _figure(name + WRITTEN, written)

    def close(self) -> None:
        self.screen.stop()
        self._input.close()
        self._output.close()
        os.close(self._master)


def _figure(name: str, samples: list[tuple[float, float]]) -> Figure:
    return Figure(name, "ms", tuple(w * 1000 for w, _ in samples), cpu=tuple(c * 1000 for _, c in samples))


def table_figures(count: int, runs: int) -> list[Figure]:
    """First render, cursor move, page down, sort and filter over `count` rows at 200x50."""
    snapshot = as_process_info(process_rows(count))
    with bench_deck(0) as harness:
        harness.first_results()
        panel = harness.deck.panels("bench.processes")[0]
        table = panel.table  # type: ignore[attr-defined]
        terminal = Terminal(harness)
        try:
            terminal.frame()
            names = [figure_name(count, op) for op in TABLE_OPS]

            def key(name: str) -> Callable[[], object]:
                return lambda: harness.shell.keypress(harness.size, name)

            def deliver() -> None:
                panel.update(Result("bench.processes", snapshot, fetched_at=time.time()))

            def rewind() -> None:
                if table.cursor + PAGE >= len(table):  # keep every move a real one
                    table.cursor = 0

            words = _cycle(FILTER_WORDS)
            figures = [
                *terminal.frames(names[0], runs, deliver, setup=lambda: table.update(())),
                *terminal.frames(names[1], runs * 5, key("down"), setup=rewind),
                *terminal.frames(names[2], runs * 5, key("page down"), setup=rewind),
                *terminal.frames(names[3], runs, key("I")),
                # A fresh snapshot before each filter, so nothing the last filter cached helps.
                *terminal.frames(
                    names[4],
                    runs,
                    lambda: panel.apply_filter(next(words)),
                    setup=deliver,
                ),
            ]
        finally:
            terminal.close()
    return [*figures, Figure(names[5], "MB", (rss_mb(),))]


def _cycle(words: tuple[str, ...]) -> Iterator[str]:
    while True:
        yield from words


def first_frame(rows: int) -> None:
    """Start the deck, wait for the rows, draw the screen, then say so on stdout."""
    with bench_deck(rows) as harness:
        harness.first_results()
        text = harness.text()
        if f"{rows:,}" not in text:
            raise SystemExit(f"the first frame does not show {rows} rows:\n{text}")
        os.write(1, b"frame\n")


if __name__ == "__main__":
    side_main(__doc__.split("\n\n")[0], first_frame, table_figures)
