"""deck against the alternatives, side by side in one run: `make bench`.

    python bench/run.py                   # everything (about 15-25 minutes), writes bench/results.json
                                          # and issue 18's budget table as docs/bench.md (budgets.py)
    python bench/run.py --quick           # a fast smoke run: fewer runs, short windows, small tables
    python bench/run.py --only table --sizes 1000 10000 --no-textual

Start-up (deck vs a minimal Textual app vs `import urwid`), the big table (deck's Table vs
Textual's DataTable, same rows, same 200x50 screen), idle and live cost in a real pty (htop as
the reference) and how each cost grows with the data. Textual runs from its own venv
(bench/.venv-textual, created on first use; see textual_env.py), never deck's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import bench_core
import budgets
import idle
from _data import TABLE_OPS, WRITTEN, figure_name
from _report import Line, Section, print_report
from _util import Figure, first_output_ms, load_average
from textual_env import textual_python

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
STARTUP_ROWS = 300  # about a busy machine's process count
PHASES = ("budgets", "startup", "table", "idle")
#: Table figures of one side: {row count: {step: figure}}.
BySize = dict[int, dict[str, Figure]]
T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    """What one run measures and how often."""

    quick: bool
    runs: int
    window: idle.Window
    deck_sizes: tuple[int, ...]
    textual_sizes: tuple[int, ...]
    compare_sizes: tuple[int, ...]
    mesh_nodes: tuple[int, ...]
    falcon_nodes: tuple[int, ...]
    lightning_counts: tuple[int, ...]
    textual: Path | None
    textual_missing: str


def _settings(args: argparse.Namespace) -> Settings:
    quick = args.quick
    deck_sizes = tuple(args.sizes or ((1_000, 10_000) if quick else (1_000, 10_000, 100_000, 1_000_000)))
    textual_sizes = tuple(n for n in deck_sizes if n <= (1_000 if quick else 100_000))
    python, missing = (None, "--no-textual") if args.no_textual else textual_python()
    return Settings(
        quick=quick,
        runs=args.runs or (3 if quick else 5),
        window=idle.Window(6, 3, 3) if quick else idle.Window(30, 5, 5),
        deck_sizes=deck_sizes,
        textual_sizes=textual_sizes,
        compare_sizes=tuple(n for n in textual_sizes if n in (10_000, 100_000))
        or (textual_sizes or deck_sizes)[-1:],
        mesh_nodes=(9,) if quick else (9, 64),
        falcon_nodes=(20,) if quick else (20, 200, 2_000),
        lightning_counts=(1_000,) if quick else (1_000, 10_000, 100_000),
        textual=python,
        textual_missing=missing,
    )


# ---- start-up -------------------------------------------------------------------------------------


def _first_frames(name: str, argv: list[str], runs: int) -> Figure:
    try:
        return Figure(name, "ms", tuple(first_output_ms(argv) for _ in range(runs)))
    except RuntimeError as exc:
        return Figure.missing(name, str(exc), "ms")


def startup(settings: Settings) -> list[Line]:
    """Process start to first full frame: deck, a minimal Textual app, and `import urwid`."""
    runs = settings.runs
    bare, floor, system, with_data, imports = bench_core.startup(runs)
    rows = ["--rows", str(STARTUP_ROWS)]
    table = _first_frames(
        f"deck, process table ({STARTUP_ROWS} rows): first frame",
        [PYTHON, str(HERE / "side_deck.py"), "first-frame", *rows],
        runs,
    )
    textual_name = f"Textual app, process table ({STARTUP_ROWS} rows): first frame"
    if settings.textual is None:
        textual = Figure.missing(textual_name, settings.textual_missing, "ms")
    else:
        textual = _first_frames(
            textual_name, [str(settings.textual), str(HERE / "side_textual.py"), "first-frame", *rows], runs
        )
    if system.measured and floor.measured:
        system = replace(system, note=f"{system.median / floor.median:.1f}x the floor")
    return [
        Line(bare),
        Line(floor),
        Line(system, textual, target=2),
        Line(table, textual, target=2),
        Line(textual),
        Line(with_data),
        Line(imports),
    ]


# ---- the big table --------------------------------------------------------------------------------


def _side(argv: list[str], rows: int) -> dict[str, Figure]:
    """One side's table figures by operation, or "not available" figures saying why."""
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {
            op: Figure.missing(figure_name(rows, op), f"{Path(argv[1]).name} failed: {last}")
            for op in TABLE_OPS
        }
    figures = [Figure.from_dict(item) for item in json.loads(done.stdout)]
    return {figure.name.split(": ", 1)[1]: figure for figure in figures}


def table(settings: Settings) -> tuple[BySize, BySize]:
    """Both sides at every size: (deck by size, Textual by size), each {operation: figure}."""
    deck: BySize = {}
    textual: BySize = {}
    runs = ["--runs", str(settings.runs)]
    for rows in settings.deck_sizes:
        deck[rows] = _side([PYTHON, str(HERE / "side_deck.py"), "table", "--rows", str(rows), *runs], rows)
        if settings.textual is None:
            reason = settings.textual_missing
        elif rows not in settings.textual_sizes:
            reason = _not_run(rows, settings.quick, textual)
        else:
            argv = [str(settings.textual), str(HERE / "side_textual.py"), "table", "--rows", str(rows), *runs]
            textual[rows] = _side(argv, rows)
            continue
        textual[rows] = {op: Figure.missing(figure_name(rows, op), reason) for op in TABLE_OPS}
    return deck, textual


def _not_run(rows: int, quick: bool, textual: BySize) -> str:
    """Why Textual skips a size: its first render grows with the rows (about 0.2 ms a row)."""
    if quick:
        return "skipped in --quick (Textual's first render takes seconds per 10,000 rows)"
    measured = [
        (n, figures["first render"]) for n, figures in textual.items() if figures["first render"].measured
    ]
    if not measured:
        return f"not run at {rows:,} rows"
    largest, first = max(measured, key=lambda item: item[0])
    return f"not run at {rows:,} rows: its first render took {first.median / 1000:.1f} s at {largest:,}"


def _textual(figure: Figure) -> Figure:
    """The Textual figure, named as such in the report."""
    return Figure(
        f"  Textual DataTable, {figure.name}", figure.unit, figure.values, note=figure.note, cpu=figure.cpu
    )


def big_table_lines(sizes: Sequence[int], deck: BySize, textual: BySize) -> list[Line]:
    """At each size and for each step: deck to the composed frame (like for like with Textual,
    the target), deck on to the terminal, then Textual's own figure."""
    lines = []
    for rows in sizes:
        for op in TABLE_OPS:
            mine, theirs = deck[rows][op], textual[rows][op]
            if op == "peak RSS":
                lines.append(Line(mine, theirs, relation="Textual's"))
            else:
                lines.append(Line(mine, theirs, target=5))
                if written := deck[rows].get(op + WRITTEN):
                    lines.append(Line(written, theirs))
            lines.append(Line(_textual(theirs)))
    return lines


def table_scaling_lines(deck: BySize, textual: BySize) -> list[Line]:
    """Each operation at every size against its smallest size: redraws should stay flat."""
    lines = []
    for op in TABLE_OPS[:-1]:
        for side, label in ((deck, ""), (textual, "  Textual DataTable, ")):
            sizes = sorted(side)
            base = side[sizes[0]][op]
            flat = 2.0 if op in ("cursor move", "page down") and not label else None
            for rows in sizes:
                figure = side[rows][op]
                if label:
                    figure = _textual(figure)
                target = flat if rows != sizes[0] else None
                lines.append(Line(figure, base, relation=f"of {sizes[0]:,} rows", target=target))
    return lines


# ---- idle and live cost ---------------------------------------------------------------------------


def live(settings: Settings) -> dict[str, list[Figure]]:
    """Every layout's CPU and RSS in a real pty, and htop's, keyed by what ran."""
    window = settings.window
    results = {"system": idle.system(window), "htop": idle.htop(window)}
    for nodes in settings.mesh_nodes:
        results[f"mesh {nodes}"] = idle.mesh(nodes, window)
    for nodes, figures in zip(settings.falcon_nodes, _pairs(idle.falcon(settings.falcon_nodes, window))):
        results[f"falcon {nodes}"] = figures
    for count, figures in zip(
        settings.lightning_counts, _pairs(idle.lightning(settings.lightning_counts, window))
    ):
        results[f"lightning {count}"] = figures
    return results


def _pairs(figures: list[Figure]) -> list[list[Figure]]:
    return [figures[i : i + 2] for i in range(0, len(figures), 2)]


def idle_lines(results: dict[str, list[Figure]]) -> list[Line]:
    """Every layout's CPU against htop's (the target: within 2x), then htop's own."""
    htop_cpu, htop_rss = results["htop"]
    lines = []
    for key, (cpu, rss) in results.items():
        if key == "htop":
            continue
        lines += [Line(cpu, htop_cpu, relation="htop", target=2), Line(rss, htop_rss, relation="htop")]
    return [*lines, Line(htop_cpu), Line(htop_rss)]


def live_scaling_lines(results: dict[str, list[Figure]]) -> list[Line]:
    """Each live layout at every data size against its smallest."""
    lines = []
    for family in ("mesh", "falcon", "lightning"):
        keys = sorted(
            (key for key in results if key.startswith(family + " ")), key=lambda k: int(k.split()[1])
        )
        if len(keys) < 2:
            continue
        base = results[keys[0]]
        for key in keys:
            for figure, first in zip(results[key], base):
                lines.append(Line(figure, first, relation=f"of {int(keys[0].split()[1]):,}"))
    return lines


# ---- the run ---------------------------------------------------------------------------------------


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in load_average())


def _timed(phase: str, meta: dict[str, object], action: Callable[[], T]) -> tuple[T, str]:
    """Run one phase, noting its duration and the load average around it."""
    before, started = _load(), time.monotonic()
    print(f"{phase}: running (load {before})...", file=sys.stderr, flush=True)
    result = action()
    load = f"{before} -> {_load()}"
    phases = meta.setdefault("phases", {})
    assert isinstance(phases, dict)
    phases[phase] = {"seconds": round(time.monotonic() - started, 1), "load": load}
    return result, load


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument("--only", nargs="+", choices=PHASES, help="run only these parts")
    parser.add_argument("--runs", type=int, help="runs per figure (default 5; 3 with --quick)")
    parser.add_argument("--sizes", type=int, nargs="+", help="table row counts (default 1k 10k 100k 1M)")
    parser.add_argument("--no-textual", action="store_true", help="skip the Textual side")
    parser.add_argument("--output", type=Path, default=HERE / "results.json", help="where to write the JSON")
    args = parser.parse_args(argv)
    phases = args.only or PHASES
    settings = _settings(args)
    meta: dict[str, object] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "quick": settings.quick,
        "runs": settings.runs,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "textual": str(settings.textual) if settings.textual else settings.textual_missing,
        "load_before": _load(),
    }
    sections: list[Section] = []
    scaling: list[Line] = []
    if "budgets" in phases:
        rows, load = _timed(
            "budgets",
            meta,
            lambda: budgets.measure_all(settings.quick, settings.textual, settings.textual_missing),
        )
        budgets.print_table(rows, load)
        if not settings.quick:  # docs/bench.md holds full runs only
            budgets.write_docs(rows, load, f"full run, {settings.runs} runs per start-up figure")
    if "startup" in phases:
        lines, load = _timed("startup", meta, lambda: startup(settings))
        sections.append(Section("start-up: process start to first full frame, 200x50", lines, load))
    if "table" in phases:
        (deck, textual), load = _timed("table", meta, lambda: table(settings))
        title = "big table at 200x50: deck's Table (the whole deck) vs Textual's DataTable, same rows"
        sections.append(Section(title, big_table_lines(settings.compare_sizes, deck, textual), load))
        scaling += table_scaling_lines(deck, textual)
    if "idle" in phases:
        results, load = _timed("idle", meta, lambda: live(settings))
        window = settings.window
        title = (
            f"idle and live cost in a real pty at 120x40, over {window.seconds:g} s once the data is shown"
        )
        sections.append(Section(title, idle_lines(results), load))
        scaling += live_scaling_lines(results)
    if scaling:
        sections.append(Section("scaling: each figure against its smallest data size", scaling))
    meta["load_after"] = _load()
    print_report(sections, meta)
    document = {"meta": meta, "sections": {s.title: [line.as_dict() for line in s.lines] for s in sections}}
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
