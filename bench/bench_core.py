"""Core budgets: start-up, imports, the 100,000-row table, and an idle deck's CPU."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import termios
import random
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from _util import Figure, cpu_seconds, measure, rss_mb

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def startup(runs: int) -> list[Figure]:
    """Process start to first full frame (`--snapshot --wait 0`), to first data, and imports."""
    def run(*args: str) -> None:
        subprocess.run([PYTHON, "-m", "deck", *args], check=True, capture_output=True)

    floor = measure("python -c 'import urwid' (the floor)", lambda: subprocess.run([PYTHON, "-c", "import urwid"], check=True), runs=runs)
    bare = measure("python -c pass", lambda: subprocess.run([PYTHON, "-c", "pass"], check=True), runs=runs)
    first_frame = measure("deck --layout system: first frame", lambda: run("--layout", "system", "--snapshot", "--wait", "0"), runs=runs, budget=300)
    first_data = measure("deck --layout system: frame with data", lambda: run("--layout", "system", "--snapshot"), runs=runs)
    imports = measure(
        "core imports (deck app + terminal), minus python",
        lambda: subprocess.run([PYTHON, "-c", "import deck._app, deck._terminal, deck._cli"], check=True),
        runs=runs,
    )
    imports = Figure(imports.name, "ms", tuple(v - bare.median for v in imports.values), budget=150)
    heavy = subprocess.run(
        [PYTHON, "-c", "import sys, deck._app, deck._terminal; print(sorted(m for m in ('ray', 'httpx') if m in sys.modules))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    print(f"heavy modules imported by the core: {heavy}")
    return [bare, floor, first_frame, first_data, imports]


@dataclass(frozen=True)
class Row:
    pid: int
    name: str
    user: str
    cpu: float
    state: str


def big_table(rows: int, runs: int) -> list[Figure]:
    """Cursor-move redraw, sort and filter over `rows` rows at 200x50."""
    from deck.widgets import Column, Table, badge

    data = [Row(i, f"worker-{i:06d}", random.choice(["root", "svc", "ml"]), random.random() * 100,
                random.choice(["running", "sleeping", "zombie"])) for i in range(rows)]  # fmt: skip
    columns = [
        Column("PID", lambda r: r.pid, width=8, align="right"),
        Column("Name", lambda r: r.name),
        Column("User", lambda r: r.user, width=8),
        Column("CPU%", lambda r: r.cpu, width=6, align="right", render=lambda v: f"{v:.1f}"),
        Column("State", lambda r: r.state, width=10, render=badge({"running": "good", "zombie": "bad"})),
    ]
    table = Table(columns, row_id=lambda r: r.pid)
    size = (200, 50)
    load = measure(f"{rows:,} rows: load", lambda: table.update(data), runs=runs)
    table.render(size, True)

    def move() -> None:
        table.keypress(size, "down")
        table.render(size, True)

    def page() -> None:
        table.keypress(size, "page down")
        table.render(size, True)

    cursor = measure(f"{rows:,} rows: cursor move + redraw", move, runs=runs * 5, budget=5)
    paging = measure(f"{rows:,} rows: page down + redraw", page, runs=runs * 5, budget=5)
    flip = iter([True, False] * runs * 2)
    sort = measure(f"{rows:,} rows: sort by CPU% + redraw", lambda: (table.sort_by("CPU%", next(flip)), table.render(size, True)), runs=runs, budget=150)
    words = iter(["worker-00", "worker-01", "worker-09", "worker-1", "worker-2"] * runs)

    def refilter() -> None:
        table.update(data)  # a fresh snapshot: nothing cached
        started = time.perf_counter()
        table.filter = next(words)
        table.render(size, True)
        refilter.elapsed.append((time.perf_counter() - started) * 1000)  # type: ignore[attr-defined]

    refilter.elapsed = []  # type: ignore[attr-defined]
    for _ in range(runs):
        refilter()
    filtering = Figure(f"{rows:,} rows: filter (fresh rows) + redraw", "ms", tuple(refilter.elapsed), budget=100)  # type: ignore[attr-defined]
    table.filter = ""
    return [load, cursor, paging, sort, filtering]


def idle_cpu(seconds: float) -> list[Figure]:
    """The system layout in a real pseudo-terminal at 2 s refresh: CPU% of one core and RSS."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.execv(PYTHON, [PYTHON, "-m", "deck", "--layout", "system"])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # let it start and draw
            if select.select([fd], [], [], 0.1)[0]:
                os.read(fd, 65536)
        start_cpu, start = cpu_seconds(pid), time.monotonic()
        end = start + seconds
        while time.monotonic() < end:
            if select.select([fd], [], [], 0.2)[0]:
                os.read(fd, 65536)
        used = cpu_seconds(pid) - start_cpu
        wall = time.monotonic() - start
        rss = rss_mb(pid)
        os.write(fd, b"q")
        os.waitpid(pid, 0)
    except BaseException:
        os.kill(pid, 9)
        raise
    return [
        Figure(f"idle system layout: CPU over {seconds:.0f} s", "%", (100 * used / wall,), budget=1.0),
        Figure("idle system layout: RSS", "MB", (rss,)),
    ]


def main() -> dict[str, list[dict[str, object]]]:
    quick = "--quick" in sys.argv
    runs = 3 if quick else 7
    sections = {
        "startup": startup(runs),
        "table": big_table(100_000, runs),
        "idle": idle_cpu(10 if quick else 30),
    }
    print(f"\n{'figure':<48} {'min':>9} {'median':>9} {'max':>9}")
    for section, figures in sections.items():
        print(f"-- {section}")
        for figure in figures:
            print(figure.row())
    print(f"{'table RSS (this process, peak)':<48} {rss_mb():>29.1f} MB  (budget 150 MB)")
    results = {name: [f.as_dict() for f in figures] for name, figures in sections.items()}
    results["table"].append({"name": "peak RSS with 100,000 rows", "unit": "MB", "median": rss_mb(), "budget": 150})
    return results


if __name__ == "__main__":
    output = main()
    if "--json" in sys.argv:
        print(json.dumps(output, indent=2))
