"""Idle and live cost: CPU% and RSS of each layout in a real pty, and htop's as the reference.

Each program runs in a pseudo-terminal at 120x40 at its own refresh rates. Once its screen
shows its data (and a few seconds more), its CPU use is sampled in equal slices of the window
(five slices of 6 s for the full 30 s), so each figure has a min/median/max. CPU and RSS cover
the program and every process it starts (falcon's Ray driver, for one). Layouts whose plugin
or backend is not installed come back as "not available: <reason>" figures instead.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from _util import Figure, PtyUsage, watch_in_pty

__all__ = ["Window", "deck_layout", "falcon", "htop", "lightning", "mesh", "system"]

PYTHON = sys.executable
RAY = Path(PYTHON).with_name("ray")
#: The lightning layout's fastest auto-refresh (seconds): live, not just idle.
LIGHTNING_REFRESH = 5
#: htop refreshes every 2 s here, as the system layout does (htop's default is 1.5 s).
HTOP_DELAY = "20"


@dataclass(frozen=True)
class Window:
    """How long to watch each program: seconds in all, in how many slices, after how long a
    settle once its data is on screen."""

    seconds: float = 30.0
    slices: int = 5
    settle: float = 5.0


def _figures(name: str, usage: PtyUsage, window: Window, note: str = "") -> list[Figure]:
    notes = [f"{window.slices} slices of {window.seconds / window.slices:g} s"]
    if usage.processes > 1:
        notes.append(f"{usage.processes} processes, {usage.own:.0%} of the CPU in the main one")
    cpu = Figure(f"{name}: CPU", "%", usage.cpu, note="; ".join([*notes, note] if note else notes))
    return [cpu, Figure(f"{name}: RSS", "MB", (usage.rss,))]


def _missing(name: str, reason: str) -> list[Figure]:
    return [Figure.missing(f"{name}: CPU", reason, "%"), Figure.missing(f"{name}: RSS", reason, "MB")]


def check_layout(layout: str | Path, env: Mapping[str, str] | None = None) -> str:
    """ "" when `deck --check` accepts the layout, else the first line of its complaint."""
    done = subprocess.run(
        [PYTHON, "-m", "deck", "--check", str(layout)], capture_output=True, text=True, env=env
    )
    if done.returncode == 0:
        return ""
    lines = (done.stderr or done.stdout).strip().splitlines() or ["deck --check failed"]
    return lines[0].removeprefix("deck: error: ")


def deck_layout(
    name: str,
    layout: str | Path,
    window: Window,
    *,
    ready: str = "",
    env: Mapping[str, str] | None = None,
    note: str = "",
) -> list[Figure]:
    """A deck layout in a pty, timed once it shows `ready` (its data); skipped with the reason
    when the layout does not check out."""
    env = {**os.environ, **(env or {})}
    if reason := check_layout(layout, env):
        return _missing(name, reason)
    argv = [PYTHON, "-m", "deck", "--layout", str(layout)]
    try:
        usage = watch_in_pty(
            argv, seconds=window.seconds, slices=window.slices, settle=window.settle, ready=ready, env=env
        )
    except RuntimeError as exc:
        return _missing(name, str(exc))
    return _figures(name, usage, window, note)


def htop(window: Window) -> list[Figure]:
    """htop at a 2 s refresh: the reference for an idle terminal dashboard."""
    name = f"htop -d {HTOP_DELAY} (reference)"
    path = shutil.which("htop")
    if path is None:
        return _missing(name, "htop is not installed; apt-get install -y htop")
    try:
        usage = watch_in_pty(
            [path, "-d", HTOP_DELAY],
            seconds=window.seconds,
            slices=window.slices,
            settle=window.settle,
            ready="Load average",
        )
    except RuntimeError as exc:
        return _missing(name, str(exc))
    return _figures(name, usage, window)


def shipped_layout(name: str) -> dict[str, Any]:
    """A layout shipped with deck, as a document to adapt."""
    return yaml.safe_load(importlib.resources.files("deck.layouts").joinpath(f"{name}.yaml").read_text())


@contextlib.contextmanager
def adapted_layout(name: str, plugin: str, config: Mapping[str, Any]) -> Iterator[Path]:
    """A shipped layout with `config` merged into one plugin's settings, in a temporary file."""
    document = shipped_layout(name)
    document.setdefault("plugins", {}).setdefault(plugin, {}).update(config)
    with tempfile.TemporaryDirectory(prefix="deck-bench-") as folder:
        path = Path(folder) / f"{name}.yaml"
        path.write_text(yaml.safe_dump(document))
        yield path


def mesh(nodes: int, window: Window) -> list[Figure]:
    """The mesh-demo layout with `nodes` simulated nodes (the sim runs inside the deck)."""
    name = f"mesh-demo, {nodes} nodes"
    if reason := check_layout("mesh-demo"):
        return _missing(name, reason)
    with adapted_layout("mesh-demo", "mesh", {"nodes": nodes}) as layout:
        return deck_layout(name, layout, window, ready="healthy")


def system(window: Window) -> list[Figure]:
    """The system layout: this machine's CPU, memory and processes (the htop corner)."""
    return deck_layout("system layout", "system", window, ready="Uptime")


# ---- falcon: a private Ray cluster and the simulator ----------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(argv: list[str], log: Path, env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    """Start a helper in its own process group, its output going to `log`."""
    with log.open("wb") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def _wait_for(process: subprocess.Popen[bytes], log: Path, marker: str, timeout: float) -> None:
    """Wait until the helper's log holds `marker`; RuntimeError naming what went wrong if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if marker in text:
            return
        if process.poll() is not None:
            raise RuntimeError(
                f"{Path(process.args[0]).name} exited with {process.returncode}: {_tail(text)}"
            )  # type: ignore[index]
        time.sleep(0.2)
    raise RuntimeError(
        f"{Path(process.args[0]).name} not ready after {timeout:g} s: {_tail(log.read_text())}"
    )  # type: ignore[index]


def _tail(text: str) -> str:
    return " / ".join(line.strip() for line in text.strip().splitlines()[-2:])


def _stop(process: subprocess.Popen[Any], sig: int, timeout: float) -> None:
    """Signal a process group we started, then kill the group if it does not end in time."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def ray_cluster(folder: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A private single-node Ray cluster on loopback: (address, env to reach it)."""
    # A token only this cluster's processes know, so no one else's cluster is joined or changed.
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": uuid.uuid4().hex}
    port = _free_port()
    argv = [str(RAY), "start", "--head", "--block", f"--port={port}", "--node-ip-address=127.0.0.1"]
    argv += ["--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={folder}"]
    log = folder / "head.log"
    head = _start(argv, log, env)
    try:
        _wait_for(head, log, "block forever", 120)
        yield f"127.0.0.1:{port}", env
    finally:
        _stop(head, signal.SIGTERM, 30)


@contextlib.contextmanager
def falcon_sim(nodes: int, address: str, env: Mapping[str, str], folder: Path) -> Iterator[str]:
    """`python -m deck.plugins.falcon_nodes.client_sim --nodes N` on the cluster; yields its namespace."""
    namespace = f"falcon-bench-{nodes}"
    argv = [PYTHON, "-m", "deck.plugins.falcon_nodes.client_sim", "--nodes", str(nodes)]
    argv += ["--address", address, "--namespace", namespace]
    log = folder / f"sim-{nodes}.log"
    sim = _start(argv, log, env)
    try:
        _wait_for(sim, log, "Ctrl-C stops", 300)
        yield namespace
    finally:
        _stop(sim, signal.SIGINT, 60)


def falcon(node_counts: tuple[int, ...], window: Window) -> list[Figure]:
    """The falcon layout watching a simulated run of each size, on a private Ray cluster."""
    names = [f"falcon, {n:,} nodes" for n in node_counts]
    if not RAY.exists():
        reason = f"{RAY} not found: install the falcon extra (pip install 'deck-tui[falcon]')"
        return [figure for name in names for figure in _missing(name, reason)]
    if reason := check_layout("falcon"):
        return [figure for name in names for figure in _missing(name, reason)]
    figures: dict[str, list[Figure]] = {}
    folder = Path(tempfile.mkdtemp(prefix="rayb", dir="/tmp"))  # short: Ray's socket paths
    try:
        with ray_cluster(folder) as (address, env):
            for name, nodes in zip(names, node_counts):
                try:
                    with (
                        falcon_sim(nodes, address, env, folder) as namespace,
                        adapted_layout(
                            "falcon", "falcon", {"address": address, "namespace": namespace}
                        ) as layout,
                    ):
                        figures[name] = deck_layout(name, layout, window, ready="node-00", env=env)
                except RuntimeError as exc:
                    figures[name] = _missing(name, str(exc))
    except RuntimeError as exc:  # the cluster did not start
        figures |= {name: _missing(name, str(exc)) for name in names if name not in figures}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return [figure for name in names for figure in figures[name]]


# ---- lightning: a local LightningStore filled with rollouts ---------------------------------------


def lightning(counts: tuple[int, ...], window: Window) -> list[Figure]:
    """The lightning layout on a local store holding each count of rollouts in turn."""
    names = [f"lightning, {n:,} rollouts, refresh {LIGHTNING_REFRESH} s" for n in counts]
    if reason := check_layout("lightning"):
        return [figure for name in names for figure in _missing(name, reason)]
    try:
        import bench_lightning  # the store helpers; imports the plugin, so only once it is there
    except ImportError as exc:
        return [figure for name in names for figure in _missing(name, f"bench_lightning: {exc}")]

    agl = bench_lightning.default_agl()
    if not agl.is_file():
        reason = f"{agl} not found: run .ci/agl-venv.sh (or set DECK_AGL)"
        return [figure for name in names for figure in _missing(name, reason)]
    figures: list[Figure] = []
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            process, url = bench_lightning.start_store(agl)
    except SystemExit as exc:
        return [figure for name in names for figure in _missing(name, f"agl store: {exc}")]
    try:
        for name, count in zip(names, counts):
            progress = io.StringIO()
            with contextlib.redirect_stdout(progress):
                bench_lightning.load(url, count, batch=5_000, started=0.6, finished=0.02)
            loaded = progress.getvalue().strip().splitlines()[-1:] or [""]
            config = {"url": url, "auto_refresh": LIGHTNING_REFRESH}
            with adapted_layout("lightning", "lightning", config) as layout:
                figures += deck_layout(name, layout, window, ready=f"{count:,} rollouts", note=loaded[0])
    finally:
        process.terminate()
        process.wait(timeout=30)
    return figures
