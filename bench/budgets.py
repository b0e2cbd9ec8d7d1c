"""Issue 18's budgets, each beside the alternative measured in the same run: `make bench`.

    python bench/budgets.py [--quick] [--no-textual]     # prints the table, writes docs/bench.md

Every row of the issue's table is here with the budget, today's figure and its ratio to what
it is compared with (Textual's first frame, htop's idle CPU); floors that are someone else's
(`python -c pass`, `import urwid`) are rows of their own. The machine is shared, so the load
average is part of the table: on a busy machine the ratios, not the milliseconds, are the figure.
docs/bench.md gets the same table and docs/bench-budgets.svg a chart of how much of each
budget the figure uses (drawn here: no plotting dependency).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import idle
from _data import FILTER_WORDS
from _util import Figure, _tree_cpu, first_output_ms, load_average, process_tree, rss_mb
from textual_env import textual_python

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
#: As an installed deck runs: with its bytecode cached (a shell that sets PYTHONDONTWRITEBYTECODE
#: makes every start compile deck from source, which costs more than the rest of the start-up).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"PYTHONUNBUFFERED": "1"}
PANE = (160, 45)
#: The falcon run and the lightning store the plugins' idle rows watch.
FALCON_NODES = 2_000
LIGHTNING_ROLLOUTS = 10_000

__all__ = ["Budget", "main", "measure_all", "svg_chart", "watch_in_tmux"]


@dataclass(frozen=True)
class Budget:
    """One row of the issue's table: the figure, its budget, and what it is compared with."""

    name: str
    figure: Figure
    budget: str
    within: bool | None  # None: not measured, or nothing to hold it to
    used: float | None  # the share of the budget the figure uses (1.0 = all of it)
    versus: str = ""
    today: str = ""  # the figure the issue gave before this work

    def cells(self) -> list[str]:
        """The row as table cells: figure, measured, its CPU time, budget, verdict, ratio, before."""
        if not self.figure.measured:
            measured = self.figure.note
        else:
            values = self.figure.values
            spread = f" ({min(values):.4g}-{max(values):.4g})" if len(values) > 1 else ""
            measured = f"{self.figure.median:.4g} {self.figure.unit}{spread}"
        cpu = f"{statistics.median(self.figure.cpu):.0f} ms" if self.figure.cpu else ""
        verdict = {True: "met", False: "MISSED", None: "-"}[self.within]
        return [self.name, measured, cpu, self.budget, verdict, self.versus, self.today]


# ---- measuring ----------------------------------------------------------------------------------


def _child_cpu() -> float:
    """CPU milliseconds used so far by the children this process has waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def _timed_runs(name: str, run: Callable[[], float], runs: int) -> Figure:
    """Wall milliseconds of each run, and the CPU time of each whole run, which a busy machine
    disturbs far less than the wall clock."""
    values, cpu = [], []
    try:
        for _ in range(runs):
            before = _child_cpu()
            values.append(run())
            cpu.append(_child_cpu() - before)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        return Figure.missing(name, str(exc), "ms")
    return Figure(name, "ms", tuple(values), cpu=tuple(cpu))


def _first_output(name: str, argv: list[str], runs: int) -> Figure:
    return _timed_runs(name, lambda: first_output_ms(argv, env=ENV), runs)


def _wall(name: str, argv: list[str], runs: int) -> Figure:
    def run() -> float:
        started = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env=ENV)
        return (time.perf_counter() - started) * 1000

    return _timed_runs(name, run, runs)


def watch_in_tmux(
    argv: Sequence[str],
    *,
    seconds: float,
    slices: int,
    settle: float,
    ready: str,
    ready_timeout: float = 60,
    env: Mapping[str, str] | None = None,
) -> tuple[tuple[float, ...], float]:
    """Run a program in its own tmux session at 160x45: (CPU% of one core per slice, RSS MB).

    The CPU is that of the program and what it starts (not tmux's). The session is ours alone
    (a unique name) and is killed by name at the end.
    """
    session = f"perf-bench-{uuid.uuid4().hex[:8]}"
    cols, rows = PANE
    command = ["tmux", "new-session", "-d", "-s", session, "-x", str(cols), "-y", str(rows)]
    # The session takes the tmux server's environment, not ours: the program's is set here.
    extra = [f"{key}={value}" for key, value in (env or {}).items()]
    program = shlex.join(["env", "-u", "PYTHONDONTWRITEBYTECODE", *extra, *argv])
    subprocess.run([*command, program], check=True, env={**os.environ, "TERM": "xterm-256color"})
    try:
        pid = int(_tmux("display-message", "-p", "-t", session, "#{pane_pid}"))
        deadline = time.monotonic() + ready_timeout
        while ready not in _tmux("capture-pane", "-p", "-t", session):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{argv[0]} did not show {ready!r} within {ready_timeout:g} s")
            time.sleep(0.5)
        time.sleep(settle)
        samples = []
        for _ in range(slices):
            before, wall = _tree_cpu(pid), time.monotonic()
            time.sleep(seconds / slices)
            after = _tree_cpu(pid)
            used = sum(value - before.get(thread, 0.0) for thread, value in after.items())
            samples.append(100 * used / (time.monotonic() - wall))
        rss = sum(rss_mb(child) for child in process_tree(pid))
        return tuple(samples), rss
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


@contextlib.contextmanager
def _layout_with(name: str, **top: object) -> Iterator[Path]:
    """A shipped layout with some top-level keys changed, in a temporary file."""
    import yaml

    document = {**idle.shipped_layout(name), **top}
    with tempfile.TemporaryDirectory(prefix="deck-bench-") as folder:
        path = Path(folder) / f"{name}.yaml"
        path.write_text(yaml.safe_dump(document))
        yield path


def _idle(
    name: str, argv: list[str], window: idle.Window, ready: str, env: Mapping[str, str] | None = None
) -> Figure:
    if shutil.which("tmux") is None:
        return Figure.missing(name, "tmux is not installed", "%")
    if shutil.which(argv[0]) is None and not Path(argv[0]).exists():
        return Figure.missing(name, f"{argv[0]} is not installed (apt-get install -y {argv[0]})", "%")
    try:
        cpu, rss = watch_in_tmux(
            argv, seconds=window.seconds, slices=window.slices, settle=window.settle, ready=ready, env=env
        )
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        return Figure.missing(name, str(exc), "%")
    return Figure(name, "%", cpu, note=f"RSS {rss:.0f} MB")


def filter_keys(rows: int, runs: int) -> Figure:
    """Typing a filter word into a `rows`-row process table, a key at a time, then deleting it.

    Each key is the deck's whole frame: the filter and the composed screen. A fresh snapshot
    arrives before each word, so the first key of a word searches rows nobody searched yet.
    """
    from _data import process_rows
    from _deck_plugin import as_process_info
    from side_deck import bench_deck

    from deck import Result

    snapshot = as_process_info(process_rows(rows))
    times: list[float] = []
    with bench_deck(0) as harness:
        harness.first_results()
        panel = harness.deck.panels("bench.processes")[0]
        size = harness.size
        for word in (FILTER_WORDS * runs)[: max(runs, 2)]:
            panel.update(Result("bench.processes", snapshot, fetched_at=time.time()))
            harness.shell.render(size, focus=True)
            typed = [word[:n] for n in range(1, len(word) + 1)]
            for text in [*typed, *reversed(typed[:-1]), ""]:
                started = time.perf_counter()
                panel.apply_filter(text)
                harness.shell.render(size, focus=True)
                times.append((time.perf_counter() - started) * 1000)
    return Figure(f"{rows:,}-row table: filter, per keystroke", "ms", tuple(times))


# ---- the table ----------------------------------------------------------------------------------


def _ratio(mine: Figure, theirs: Figure) -> float | None:
    if not (mine.measured and theirs.measured) or not mine.median or not theirs.median:
        return None
    return mine.median / theirs.median


def _within(figure: Figure, limit: float) -> tuple[bool | None, float | None]:
    if not figure.measured:
        return None, None
    return figure.median <= limit, figure.median / limit


def _warm_up() -> None:
    """Run each program once untimed, so that the timed runs find its bytecode cached."""
    for layout in ("system", "mesh-demo"):
        argv = [PYTHON, "-m", "deck", "--layout", layout, "--snapshot", "--wait", "0"]
        subprocess.run(argv, capture_output=True, env=ENV)


#: The floor of any Python dashboard doing the system layout's work (bench/side_urwid_top.py).
BARE_URWID = "bare urwid + psutil top, 160x45 tmux pane (floor)"


def _idle_figures(window: idle.Window) -> list[Figure]:
    """htop, the bare urwid floor, the system layout (clock with and without seconds) and
    mesh-demo, each in a pane."""
    deck = [PYTHON, "-m", "deck"]
    figures = [_idle("htop -d 20, 160x45 tmux pane", ["htop", "-d", idle.HTOP_DELAY], window, "Load average")]
    bare = [PYTHON, str(HERE / "side_urwid_top.py")]
    figures.append(_idle(BARE_URWID, bare, window, "processes"))
    argv = [*deck, "--layout", "system"]
    figures.append(_idle("idle CPU, system layout, 160x45 tmux pane", argv, window, "Uptime"))
    with _layout_with("system", clock="minutes") as minutes:
        argv = [*deck, "--layout", str(minutes)]
        figures.append(_idle("idle CPU, system layout, clock: minutes", argv, window, "Uptime"))
    with idle.adapted_layout("mesh-demo", "mesh", {"nodes": 9}) as mesh:
        figures.append(
            _idle("idle CPU, mesh-demo (9 nodes)", [*deck, "--layout", str(mesh)], window, "healthy")
        )
    return figures


def falcon_idle(window: idle.Window, nodes: int) -> Figure:
    """The falcon layout watching a simulated run of `nodes` nodes on a private Ray cluster."""
    name = f"idle CPU, falcon ({nodes:,} nodes)"
    if not idle.RAY.exists():
        return Figure.missing(name, f"{idle.RAY} not found: install the falcon extra", "%")
    folder = Path(tempfile.mkdtemp(prefix="rayb", dir="/tmp"))  # short: Ray's socket paths
    try:
        with (
            idle.ray_cluster(folder) as (address, env),
            idle.falcon_sim(nodes, address, env, folder) as namespace,
            idle.adapted_layout("falcon", "falcon", {"address": address, "namespace": namespace}) as layout,
        ):
            token = {key: env[key] for key in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN")}
            return _idle(name, [PYTHON, "-m", "deck", "--layout", str(layout)], window, "node-00", token)
    except RuntimeError as exc:  # the cluster or the simulation did not start
        return Figure.missing(name, str(exc), "%")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def lightning_figures(window: idle.Window, rollouts: int) -> tuple[Figure, Figure]:
    """On a real LightningStore: the slowest key with the whole list on the client at the
    paging threshold (and, forced, at twice it), and the layout's CPU at `rollouts` rollouts."""
    import bench_lightning  # imports the plugin: only here, where its row is measured

    from deck.plugins.lightning_rollouts.source_loading import CLIENT_SIDE_LIMIT

    name = f"idle CPU, lightning ({rollouts:,} rollouts, refresh {idle.LIGHTNING_REFRESH} s)"
    threshold = f"lightning client-side paging threshold: slowest key at {CLIENT_SIDE_LIMIT:,} rollouts"
    agl = bench_lightning.default_agl()
    if not agl.is_file():
        reason = f"{agl} not found: run .ci/agl-venv.sh (or set DECK_AGL)"
        return Figure.missing(threshold, reason, "ms"), Figure.missing(name, reason, "%")
    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet):
        process, url = bench_lightning.start_store(agl)
    try:
        with contextlib.redirect_stdout(quiet):
            bench_lightning.load(url, CLIENT_SIDE_LIMIT, batch=5_000, started=0.6, finished=0.02)
            at_limit = bench_lightning.bench_deck(url, CLIENT_SIDE_LIMIT, "at the threshold")
            doubled = 2 * CLIENT_SIDE_LIMIT
            bench_lightning.load(url, doubled, batch=5_000, started=0.6, finished=0.02)
            forced = bench_lightning.bench_deck(url, doubled, "twice the threshold, on the client")
            bench_lightning.load(url, max(rollouts, doubled), batch=5_000, started=0.6, finished=0.02)
        note = (
            f"first render {at_limit['first render']:.2f} s; at {doubled:,} forced onto the client: "
            f"keys {forced['worst key'] * 1000:.0f} ms, first render {forced['first render']:.2f} s"
        )
        keys = Figure(threshold, "ms", (at_limit["worst key"] * 1000,), note=note)
        config = {"url": url, "auto_refresh": idle.LIGHTNING_REFRESH}
        with idle.adapted_layout("lightning", "lightning", config) as layout:
            argv = [PYTHON, "-m", "deck", "--layout", str(layout)]
            cpu = _idle(name, argv, window, f"{max(rollouts, doubled):,} rollouts")
    finally:
        process.terminate()
        process.wait(timeout=30)
    return keys, cpu


def measure_all(quick: bool, textual: Path | None, textual_missing: str) -> list[Budget]:
    """Every row of issue 18's table, measured now."""
    _warm_up()
    runs = 3 if quick else 7
    window = idle.Window(6, 3, 2) if quick else idle.Window(20, 5, 5)
    deck = [PYTHON, "-m", "deck"]
    bare = _wall("python -c pass (floor)", [PYTHON, "-c", "pass"], runs)
    urwid = _wall("python -c 'import urwid' (floor)", [PYTHON, "-c", "import urwid"], runs)
    size = ["--size", f"{PANE[0]}x{PANE[1]}"]
    shell = _first_output(
        "deck --layout system --snapshot --wait 0: the shell",
        [*deck, "--layout", "system", "--snapshot", "--wait", "0", *size],
        runs,
    )
    frame = _first_output(
        "deck --layout system --snapshot: first frame with data",
        [*deck, "--layout", "system", "--snapshot", *size],
        runs,
    )
    textual_name = "Textual app, 300-row table: first frame"
    if textual is None:
        theirs = Figure.missing(textual_name, textual_missing, "ms")
    else:
        argv = [str(textual), str(HERE / "side_textual.py"), "first-frame", "--rows", "300"]
        theirs = _first_output(textual_name, argv, runs)
    core = _wall("python -c 'import deck' (core only)", [PYTHON, "-c", "import deck"], runs)
    app = _wall(
        "import deck's app (what the first frame needs)",
        [PYTHON, "-c", "import deck._app, deck._headless"],
        runs,
    )
    version = _wall("deck --version", [*deck, "--version"], runs)
    helps = _wall("deck --help", [*deck, "--help"], runs)
    htop, bare_urwid, system, system_minutes, mesh = _idle_figures(window)
    plugins = [
        falcon_idle(window, 200 if quick else FALCON_NODES),
        *lightning_figures(window, LIGHTNING_ROLLOUTS),
    ]
    keys = filter_keys(10_000 if quick else 100_000, 1 if quick else 5)
    idles = (htop, bare_urwid, system, system_minutes, mesh)
    return _rows(bare, urwid, frame, shell, theirs, core, app, version, helps, idles, plugins, keys)


def _rows(
    bare: Figure,
    urwid: Figure,
    frame: Figure,
    shell: Figure,
    theirs: Figure,
    core: Figure,
    app: Figure,
    version: Figure,
    helps: Figure,
    idles: tuple[Figure, Figure, Figure, Figure, Figure],
    plugins: Sequence[Figure],
    keys: Figure,
) -> list[Budget]:
    """The table's rows: each figure against its budget and its alternative."""
    falcon, threshold, lightning = plugins

    def versus_textual(figure: Figure) -> tuple[str, bool | None]:
        ratio = _ratio(theirs, figure)
        if ratio is None:
            return "", None
        text = f"{ratio:.1f}x faster than Textual"
        if figure.cpu and theirs.cpu:
            text += f" (by CPU time {statistics.median(theirs.cpu) / statistics.median(figure.cpu):.1f}x)"
        return text, ratio >= 2

    rows: list[Budget] = [
        Budget(bare.name, bare, "-", None, None),
        Budget(urwid.name, urwid, "-", None, None),
    ]
    for figure, today in ((frame, "402 ms; 1.6x Textual"), (shell, "")):
        text, fast = versus_textual(figure)
        met, used = _within(figure, 300)
        within = None if met is None else met and fast is not False
        rows.append(
            Budget(figure.name, figure, "<= 300 ms and >= 2x faster than Textual", within, used, text, today)
        )
    rows.append(Budget(theirs.name, theirs, "-", None, None))
    for figure, limit, today in (
        (core, 150, "371 ms"),
        (app, 150, ""),
        (version, 60, "181 ms"),
        (helps, 60, ""),
    ):
        met, used = _within(figure, limit + bare.median if bare.measured else limit)
        floor = (
            f"{figure.median - bare.median:.0f} ms over python" if figure.measured and bare.measured else ""
        )
        rows.append(Budget(figure.name, figure, f"<= {limit} ms over python", met, used, floor, today))
    rows += _idle_rows(idles, lightning, falcon)
    met, used = _within(threshold, 50)
    rows.append(
        Budget(
            threshold.name,
            threshold,
            "keys <= 50 ms",
            met,
            used,
            threshold.note,
            "5,000 rollouts; 70 ms/key at 10k",
        )
    )
    if keys.measured:
        median, worst = keys.median, max(keys.values)
        within = median <= 50 and worst <= 100
        used = max(median / 50, worst / 100)
        note = f"max {worst:.0f} ms; {len(keys.values)} keys"
    else:
        within, used, note = None, None, ""
    rows.append(
        Budget(
            keys.name, keys, "<= 50 ms median, <= 100 ms max", within, used, note, "53 ms median, 248 ms max"
        )
    )
    return rows


def _versus_htop(figure: Figure, htop: Figure) -> tuple[str, bool | None, float | None]:
    """The ratio to htop as text, whether it is within 2x, and the share of that budget used."""
    if not (figure.measured and htop.measured):
        return "", None, None
    floor = max(htop.median, 0.2)  # the floor: 2x of almost nothing is noise
    ratio = _ratio(figure, htop)
    text = f"{ratio:.1f}x htop" if ratio is not None else "htop measured 0%"
    return text, figure.median <= 2 * floor, figure.median / (2 * floor)


def _idle_rows(
    idles: tuple[Figure, Figure, Figure, Figure, Figure], lightning: Figure, falcon: Figure
) -> list[Budget]:
    """The idle CPU rows: the system layout against htop and the bare urwid floor, the plugins'."""
    htop, bare_urwid, system, system_minutes, mesh = idles
    rows = []
    for figure, today in ((system, "0.85%, 6.2x htop"), (system_minutes, "")):
        text, met, used = _versus_htop(figure, htop)
        bare_ratio = _ratio(figure, bare_urwid)
        if bare_ratio is not None:
            text += f"; {bare_ratio:.1f}x bare urwid"
        rows.append(Budget(figure.name, figure, "<= 2x htop (floor 0.2%)", met, used, text, today))
    rows.append(Budget(htop.name, htop, "-", None, None))
    rows.append(Budget(bare_urwid.name, bare_urwid, "-", None, None, _versus_htop(bare_urwid, htop)[0]))
    met, used = _within(mesh, 1.0)
    rows.append(Budget(mesh.name, mesh, "<= 1%", met, used, _versus_htop(mesh, htop)[0], "1.68%"))
    for figure, limit, today in ((lightning, 0.5, "1.09%"), (falcon, 3.0, "5.7%")):
        met, used = _within(figure, limit)
        versus = _versus_htop(figure, htop)[0]
        rows.append(Budget(figure.name, figure, f"<= {limit:g}%", met, used, versus, today))
    return rows


_HEAD = [
    "figure",
    "measured (median, range)",
    "CPU (median)",
    "budget",
    "verdict",
    "vs the alternative",
    "before (issue 18)",
]


def print_table(rows: Sequence[Budget], load: str) -> None:
    """The table on stdout, with the load average it was measured under."""
    widths = [max(len(_HEAD[i]), *(len(row.cells()[i]) for row in rows)) for i in range(len(_HEAD))]
    widths = [min(width, 60) for width in widths]
    print(f"\n== issue 18 budgets   [load {load}]")
    for cells in [_HEAD, *(row.cells() for row in rows)]:
        print("  ".join(cell[:60].ljust(width) for cell, width in zip(cells, widths)).rstrip())


def markdown(rows: Sequence[Budget], meta: str) -> str:
    """The same table for docs/bench.md."""
    lines = [
        "# Benchmarks: issue 18's budgets",
        "",
        "Written by `make bench` (`bench/budgets.py`); `make bench-quick` prints a shorter run"
        " and leaves this file alone."
        " Each figure is measured beside its alternative in the same run; on a busy machine the"
        " ratios, not the milliseconds, are the figure.",
        "",
        meta,
        "",
        "| " + " | ".join(_HEAD) + " |",
        "| " + " | ".join("---" for _ in _HEAD) + " |",
    ]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row.cells()) + " |" for row in rows]
    lines += [
        "",
        "Share of each budget used (left of the line: within it):",
        "",
        "![budgets](bench-budgets.svg)",
        "",
    ]
    return "\n".join(lines)


def svg_chart(rows: Sequence[Budget]) -> str:
    """A bar per budgeted row: the share of its budget the figure uses, the budget a line at 1."""
    charted = [row for row in rows if row.used is not None]
    label, bar, scale = 330, 300, 2.0  # the bar axis runs from 0 to twice the budget
    height = 24 * len(charted) + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label + bar + 90}" height="{height}"'
        ' font-family="monospace" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    for index, row in enumerate(charted):
        assert row.used is not None
        y = 20 + 24 * index
        width = min(row.used, scale) / scale * bar
        colour = "#2e7d32" if row.within else "#c62828"
        parts += [
            f'<text x="{label - 6}" y="{y + 13}" text-anchor="end">{_escape(row.name[:48])}</text>',
            f'<rect x="{label}" y="{y}" width="{width:.1f}" height="16" fill="{colour}"/>',
            f'<text x="{label + width + 4:.1f}" y="{y + 13}">{row.used:.2f}</text>',
        ]
    middle = label + bar / scale
    parts += [
        f'<line x1="{middle}" y1="10" x2="{middle}" y2="{height - 14}"'
        ' stroke="black" stroke-dasharray="4 3"/>',
        f'<text x="{middle}" y="{height - 2}" text-anchor="middle">budget</text>',
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def log(text: str) -> None:
    """Progress, on stderr."""
    print(text, file=sys.stderr, flush=True)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in load_average())


def write_docs(rows: Sequence[Budget], load: str, kind: str, folder: Path = ROOT / "docs") -> None:
    """docs/bench.md and its chart, docs/bench-budgets.svg."""
    python = sys.version.split()[0]
    started = time.strftime("%Y-%m-%d %H:%M")
    meta = f"{started}, {kind}, {os.cpu_count()} cores, Python {python}, load average (1, 5, 15 min) {load}."
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench.md").write_text(markdown(rows, meta))
    (folder / "bench-budgets.svg").write_text(svg_chart(rows))
    log(f"wrote {folder / 'bench.md'} and {folder / 'bench-budgets.svg'}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, shorter windows, 10k rows")
    parser.add_argument("--no-textual", action="store_true", help="skip the Textual side")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs", help="where bench.md and the chart go")
    args = parser.parse_args(argv)
    textual, missing = (None, "--no-textual") if args.no_textual else textual_python()
    before = _load()
    rows = measure_all(args.quick, textual, missing)
    load = f"{before} -> {_load()}"
    print_table(rows, load)
    if not args.quick:  # docs/bench.md holds full runs only
        write_docs(rows, load, "full run", args.docs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
