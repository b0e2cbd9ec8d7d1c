"""Core budgets: start-up, imports, the 100,000-row table, and an idle deck's CPU.

python bench/bench_core.py [--quick] [--json]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from _data import FILTER_WORDS, process_rows
from _util import Figure, first_output_ms, measure, rss_mb, watch_in_pty

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
#: Children print as soon as they write, so the first byte on stdout marks the frame.
UNBUFFERED = {**os.environ, "PYTHONUNBUFFERED": "1"}


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True)


def first_frame(
    layout: str, runs: int, *, wait: bool = True, budget: float | None = None, note: str = ""
) -> Figure:
    """Process start to the headless deck's first frame on stdout (its exit is not timed)."""
    argv = [PYTHON, "-m", "deck", "--layout", layout, "--snapshot", "--size", "200x50"]
    argv += ["--wait", "0"] if wait else []
    values = tuple(first_output_ms(argv, env=UNBUFFERED) for _ in range(runs))
    what = "first frame" if wait else "frame with data"
    return Figure(f"deck --layout {layout}: {what}", "ms", values, budget, note)


def startup(runs: int) -> list[Figure]:
    """Process start to first full frame (`--snapshot --wait 0`), to first data, and imports."""
    bare = measure("python -c pass", lambda: _run(PYTHON, "-c", "pass"), runs=runs)
    floor = measure(
        "python -c 'import urwid' (the floor)", lambda: _run(PYTHON, "-c", "import urwid"), runs=runs
    )
    imports = measure(
        "core imports (deck app + terminal), minus python",
        lambda: _run(PYTHON, "-c", "import deck._app, deck._terminal, deck._cli"),
        runs=runs,
    )
    imports = Figure(imports.name, "ms", tuple(v - bare.median for v in imports.values), budget=150)
    return [
        bare,
        floor,
        first_frame("system", runs, budget=300),
        first_frame("system", runs, wait=False, note="includes the 0.1 s settle of --snapshot"),
        imports,
    ]


def heavy_imports() -> list[str]:
    """Heavy optional modules the core imports at start-up (should be none)."""
    code = "import sys, deck._app, deck._terminal; print(*(m for m in ('ray', 'httpx') if m in sys.modules))"
    return subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True).stdout.split()


def big_table(rows: int, runs: int) -> list[Figure]:
    """The Table widget alone: cursor-move redraw, sort and filter over `rows` rows at 200x50."""
    from deck.widgets import Column, Table, badge

    data = process_rows(rows)
    columns = [
        Column("PID", lambda r: r.pid, width=8, align="right"),
        Column("Name", lambda r: r.name),
        Column("User", lambda r: r.user, width=8),
        Column("CPU%", lambda r: r.cpu, width=6, align="right", render=lambda v: f"{v:.1f}"),
        Column("State", lambda r: r.status, width=10, render=badge({"running": "good", "zombie": "bad"})),
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
    sort = measure(
        f"{rows:,} rows: sort by CPU% + redraw",
        lambda: (table.sort_by("CPU%", next(flip)), table.render(size, True)),
        runs=runs,
        budget=150,
    )
    words = iter(FILTER_WORDS * runs)

    def refilter() -> None:
        table.filter = next(words)
        table.render(size, True)

    filtering = measure(
        f"{rows:,} rows: filter (fresh rows) + redraw",
        refilter,
        runs=runs,
        budget=100,
        setup=lambda: table.update(data),  # a fresh snapshot: nothing cached
    )
    table.filter = ""
    return [load, cursor, paging, sort, filtering]


def idle_cpu(seconds: float, layout: str = "system", slices: int = 5) -> list[Figure]:
    """A layout in a real pseudo-terminal at its own refresh rates: CPU% of one core and RSS."""
    usage = watch_in_pty([PYTHON, "-m", "deck", "--layout", layout], seconds=seconds, slices=slices)
    return [
        Figure(f"idle {layout} layout: CPU over {seconds:.0f} s", "%", usage.cpu, budget=1.0),
        Figure(f"idle {layout} layout: RSS", "MB", (usage.rss,)),
    ]


def main() -> dict[str, list[dict[str, object]]]:
    quick = "--quick" in sys.argv
    runs = 3 if quick else 7
    sections = {
        "startup": startup(runs),
        "table": big_table(100_000, runs),
        "idle": idle_cpu(10 if quick else 30),
    }
    print(f"heavy modules imported by the core: {heavy_imports()}")
    print(f"\n{'figure':<48} {'min':>9} {'median':>9} {'max':>9}")
    for section, figures in sections.items():
        print(f"-- {section}")
        for figure in figures:
            print(figure.row())
    print(f"{'table RSS (this process, peak)':<48} {rss_mb():>29.1f} MB  (budget 150 MB)")
    results = {name: [f.as_dict() for f in figures] for name, figures in sections.items()}
    results["table"].append(
        {"name": "peak RSS with 100,000 rows", "unit": "MB", "median": rss_mb(), "budget": 150}
    )
    return results


if __name__ == "__main__":
    output = main()
    if "--json" in sys.argv:
        print(json.dumps(output, indent=2))
