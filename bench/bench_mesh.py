"""mesh-demo cost at default rates: the simulation alone, then the whole deck running the demo.

Prints `name value` lines. Budget: under 3 % of one core and under 120 MB RSS.

- simulation: ten simulated minutes in 250 ms steps, a snapshot per step; CPU seconds per
  simulated second (x100 = % of one core when the deck runs the demo in real time).
- deck_headless: the mesh-demo layout in this process for ~20 s of wall time, drawn whenever
  the deck asks for a redraw (as a terminal would), showing each of the ten screens in turn;
  CPU is process time over wall time. The mesh is first run ten simulated minutes ahead, so
  every ring (logs, nRPC calls) is full, as after ten minutes of use.
- deck_terminal: the real `deck --layout mesh-demo` in a pseudo-terminal for ~20 s, measured
  from outside (its CPU times and RSS); skipped with --no-terminal.

Usage: python bench/bench_mesh.py [--seconds 20] [--no-terminal]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import psutil

from deck.plugins.mesh_demo import Mesh

SIMULATED_SECONDS = 600.0
STEP = 0.25
START = 1_700_000_000.0
SIZE = (120, 40)
SCREEN_KEYS = "1234567890"


def bench_simulation() -> None:
    mesh = Mesh(seed=1, start=START)
    steps = round(SIMULATED_SECONDS / STEP)
    events = 0
    began = time.process_time()
    for i in range(1, steps + 1):
        events += mesh.advance_to(START + i * STEP)
        mesh.snapshot()
    cpu = time.process_time() - began
    per_second = cpu / SIMULATED_SECONDS
    rss_mb = psutil.Process().memory_info().rss / 2**20
    print(f"simulated_seconds {SIMULATED_SECONDS:.0f}")
    print(f"steps {steps}")
    print(f"events {events}")
    print(f"cpu_seconds {cpu:.3f}")
    print(f"cpu_seconds_per_simulated_second {per_second:.5f}")
    print(f"percent_of_one_core {per_second * 100:.3f}")
    print(f"rss_mb {rss_mb:.1f}")


def bench_deck_headless(seconds: float) -> None:
    """The deck in this process, redrawn on request like a terminal, every screen in turn."""
    from deck.plugins.mesh_demo.plugin import MeshPlugin
    from deck.testing import open_deck

    harness = open_deck("mesh-demo", size=SIZE)
    draws = 0

    def redraw() -> None:
        nonlocal draws
        canvas = harness.shell.render(SIZE, focus=True)
        list(canvas.content())  # what a terminal draw walks through before writing
        draws += 1

    harness.deck.on_redraw = redraw
    try:
        harness.first_results()
        plugin: MeshPlugin = harness.deck.parts.host.plugins["mesh"].obj
        assert plugin.session is not None
        plugin.session.clock.skip(SIMULATED_SECONDS)
        harness.deck.scheduler.refresh()
        harness.run(2.0)
        for key in SCREEN_KEYS:  # every panel catches up once before the measurement
            harness.press(key)
            harness.run(0.2)
        full = len(plugin.session.snapshot().nrpc), len(plugin.session.snapshot().logs)
        per_screen = seconds / len(SCREEN_KEYS)
        wall0, cpu0 = time.monotonic(), time.process_time()
        shares = []
        for key in SCREEN_KEYS:
            harness.press(key)
            wall, cpu = time.monotonic(), time.process_time()
            harness.run(per_screen)
            share = (time.process_time() - cpu) / (time.monotonic() - wall)
            shares.append((harness.deck.screen.spec.name, share))
        wall = time.monotonic() - wall0
        cpu = time.process_time() - cpu0
    finally:
        harness.stop()
    rss_mb = psutil.Process().memory_info().rss / 2**20
    print(f"deck_headless_rings_nrpc_logs {full[0]} {full[1]}")
    print(f"deck_headless_wall_seconds {wall:.1f}")
    print(f"deck_headless_draws {draws}")
    print(f"deck_headless_percent_of_one_core {100 * cpu / wall:.2f}")
    for name, share in shares:
        print(f"deck_headless_percent_{name.lower().replace('.', '_')} {100 * share:.2f}")
    print(f"deck_headless_rss_mb {rss_mb:.1f}")


def bench_deck_terminal(seconds: float) -> None:
    """The real deck in a pseudo-terminal, measured from outside."""
    deck = Path(sys.executable).with_name("deck")
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    process = subprocess.Popen(
        [str(deck), "--layout", "mesh-demo"],
        stdin=secondary,
        stdout=secondary,
        stderr=subprocess.DEVNULL,
        env=env,
        close_fds=True,
    )
    os.close(secondary)
    written = 0

    def drain() -> None:
        nonlocal written
        while True:
            try:
                data = os.read(primary, 65536)
            except OSError:
                return
            if not data:
                return
            written += len(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        watched = psutil.Process(process.pid)
        time.sleep(3.0)  # start-up is not the steady state
        before, wall0 = watched.cpu_times(), time.monotonic()
        per_screen = seconds / len(SCREEN_KEYS)
        for key in SCREEN_KEYS:
            os.write(primary, key.encode())
            time.sleep(per_screen)
        after, wall = watched.cpu_times(), time.monotonic() - wall0
        rss_mb = watched.memory_info().rss / 2**20
        os.write(primary, b"q")
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(primary)
    cpu = (after.user + after.system) - (before.user + before.system)
    print(f"deck_terminal_wall_seconds {wall:.1f}")
    print(f"deck_terminal_bytes_written {written}")
    print(f"deck_terminal_percent_of_one_core {100 * cpu / wall:.2f}")
    print(f"deck_terminal_rss_mb {rss_mb:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="wall time of each deck run")
    parser.add_argument("--no-terminal", action="store_true", help="skip the run in a pseudo-terminal")
    args = parser.parse_args()
    bench_simulation()
    bench_deck_headless(args.seconds)
    if not args.no_terminal:
        bench_deck_terminal(args.seconds)


if __name__ == "__main__":
    main()
