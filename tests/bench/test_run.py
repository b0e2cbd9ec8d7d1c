"""Smoke tests of the benchmark runner: one tiny figure of each kind, end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from _report import FASTER, Line
from _util import Figure, watch_in_pty
from textual_env import textual_python

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_quick_table_run_prints_and_writes_the_figures(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    argv = [
        sys.executable,
        str(BENCH / "run.py"),
        "--quick",
        "--only",
        "table",
        "--sizes",
        "500",
        "--runs",
        "1",
    ]
    done = subprocess.run(
        [*argv, "--no-textual", "--output", str(output)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "== big table at 200x50" in done.stdout
    assert "  Textual DataTable, 500 rows: cursor move" in done.stdout
    assert "not available: --no-textual" in done.stdout
    sections = json.loads(output.read_text())["sections"]
    table = next(lines for title, lines in sections.items() if title.startswith("big table"))
    figures = {line["name"]: line for line in table}
    cursor = figures["500 rows: cursor move"]
    assert cursor["runs"] == 5 and cursor["median"] > 0 and cursor["ratio"] is None
    assert figures["500 rows: cursor move + terminal output"]["median"] >= cursor["min"]
    assert figures["500 rows: peak RSS"]["unit"] == "MB"


def test_textual_side_reports_the_same_figures() -> None:
    python, why = textual_python()
    assert python is not None, why
    argv = [str(python), str(BENCH / "side_textual.py"), "table", "--rows", "200", "--runs", "1"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    names = [item["name"] for item in json.loads(done.stdout)]
    assert names == [f"200 rows: {op}" for op in ("first render", "cursor move", "page down")] + [
        "200 rows: sort (invert CPU%)",
        "200 rows: filter",
        "200 rows: peak RSS",
    ]


def test_watch_in_pty_samples_a_program_until_it_quits() -> None:
    program = "import sys; print('ready', flush=True); sys.stdin.readline()"
    usage = watch_in_pty(
        [sys.executable, "-c", program], seconds=0.6, slices=3, settle=0, ready="ready", quit_key=b"q\n"
    )
    assert len(usage.cpu) == 3 and all(0 <= value < 100 for value in usage.cpu)
    assert usage.rss > 1 and usage.processes == 1


def test_watch_in_pty_says_when_the_screen_never_gets_ready() -> None:
    with pytest.raises(RuntimeError, match="did not show 'never'"):
        watch_in_pty(["cat"], seconds=0.1, slices=1, settle=0, ready="never", ready_timeout=0.3)


def test_ratios_read_in_the_direction_of_their_target() -> None:
    deck, textual = Figure("deck", "ms", (1.0, 2.0, 3.0)), Figure("textual", "ms", (20.0,))
    faster = Line(deck, textual, FASTER, target=5)
    assert faster.ratio == 10 and faster.met and faster.ratio_text() == "10.0x faster"
    idle = Line(Figure("cpu", "%", (3.0,)), Figure("htop", "%", (1.0,)), "htop", target=2)
    assert idle.ratio == 3 and idle.met is False and idle.target_text() == "<=2x MISSED"
    missing = Line(Figure.missing("x", "no plugin"), textual, target=5)
    assert missing.ratio is None and missing.met is None


def test_figures_survive_the_trip_between_processes() -> None:
    figure = Figure("a", "ms", (1.0, 2.0), note="n", cpu=(0.5, 1.5))
    assert Figure.from_dict(json.loads(json.dumps(figure.as_dict()))) == figure


def test_the_budget_table_and_its_chart_say_what_was_measured_and_what_was_not() -> None:
    from budgets import Budget, markdown, svg_chart

    timed = Figure("first frame", "ms", (200.0, 250.0), cpu=(90.0, 110.0))
    within = Budget("first frame", timed, "<= 300 ms", True, 0.75)
    over = Budget("idle <b>", Figure("idle <b>", "%", (3.0,)), "<= 2x htop", False, 1.5, "3.0x htop")
    reason = "/venv/bin/ray not found: install the falcon extra"
    skipped = Budget("falcon", Figure.missing("falcon", reason), "<= 3%", None, None)
    text = markdown([within, over, skipped], "load 9.1")
    assert "| first frame | 225 ms (200-250) | 100 ms | <= 300 ms | met |" in text
    assert "| idle <b> | 3 % |  | <= 2x htop | MISSED | 3.0x htop |" in text
    assert f"not available: {reason}" in text and "load 9.1" in text
    chart = svg_chart([within, over, skipped])
    assert chart.count("<rect x=") == 2 and "idle &lt;b&gt;" in chart and "falcon" not in chart
