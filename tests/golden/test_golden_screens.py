"""Golden screens: built-in layouts drawn on fixed data, compared with the text committed beside.

A review then shows what a change did to the screen. After an intended change, `make golden`
writes the new screens (DECK_GOLDEN=update); commit them with the change.

The data is fixed: the deck's clock is a `Clock` that moves only when told, in UTC, and the
mesh-demo simulation is seeded. The one random thing drawn, the operator's fresh signing key,
is masked. The system layout shows the recorded 16-core H200 host (tests/fixtures/gpu and
tests/fixtures/system) through the system plugin's seams, the same on every machine.
"""

from __future__ import annotations

import asyncio
import difflib
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from system_seams import LOADED, ManyCores, RecordedHost, RecordedNvml

from deck.plugins.system import client
from deck.testing import Clock, Harness, open_deck

SCREENS = Path(__file__).resolve().parent / "screens"
UPDATE = os.environ.get("DECK_GOLDEN") == "update"
#: 2026-01-01 00:00:00 UTC: when every golden deck starts.
START = 1_767_225_600.0
#: The clock moves on in these steps after the first results, so the mesh has a history to show
#: (the simulation counts a longer pause between two snapshots as a suspended laptop's).
STEPS = (5.0,) * 12
SIZES = [(120, 40), (80, 24)]
#: mesh-demo screens by key: the map, the fleet, a log and the blob flow.
MESH_SCREENS = {"1": "net-map", "2": "nodes", "3": "daemons", "6": "logs", "7": "blobs"}
#: The operator key's fingerprint (whole, or cut short by a narrow panel), as x's of its width.
#: Samples enough to fill the widest sparkline (30 cells), so the host's steady load draws the
#: same however many samples a slow machine adds on the sources' own intervals.
SYSTEM_STEPS = 32
#: Per-core load (percent) of the 16-core host while the recorded matrix multiply runs on core 0.
CORE_LOADS = (100.0, 3.0, 1.0, 0.0, 5.0, 0.0, 2.0, 0.0, 12.0, 0.0, 0.0, 1.0, 0.0, 0.0, 4.0, 0.0)
FINGERPRINT = re.compile(r"(?<=key )[0-9a-f]{1,8}(?=…|\b)")


@pytest.fixture
def fixed_world(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """UTC, a fixed operator name, and a clock that stands still until told."""
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("LOGNAME", "operator")
    time.tzset()
    yield Clock(START)
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def recorded_host(fixed_world: Clock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Clock:
    """The recorded 16-core H200 host in place of this machine, for decks built in this test."""
    host = RecordedHost(tmp_path / "proc", START)
    # The kernel's process table is read from client._PROC: there, the recorded host's.
    monkeypatch.setattr(client, "_PROC", str(host.root))
    for name in ("Process", "virtual_memory", "swap_memory", "boot_time"):
        monkeypatch.setattr(psutil, name, getattr(host, name))
    monkeypatch.setattr(psutil, "cpu_times", ManyCores(CORE_LOADS))
    monkeypatch.setattr(os, "getloadavg", host.getloadavg)
    monkeypatch.setitem(sys.modules, "pynvml", RecordedNvml(LOADED))
    return fixed_world


def _settled(harness: Harness, clock: Clock) -> None:
    """Move the clock on step by step, each time fetching everything, and let the panels draw it."""
    harness.first_results(10.0)
    scheduler = harness.deck.scheduler
    for step in STEPS:
        clock.advance(step)
        scheduler.refresh()
        harness.wait_until(
            lambda: all(scheduler.result(name).fetched_at == clock.time for name in scheduler.names()),
            what=f"every source fetched at {clock.time}",
        )
    harness.run(0.2)


def _sampled(harness: Harness, clock: Clock, steps: int) -> None:
    """Move the clock on `steps` times, each time waiting for a fetch of every source (a sample
    equal to the last one keeps its result, so the time fetched does not tell)."""
    harness.first_results(10.0)
    scheduler = harness.deck.scheduler

    async def fetch_all() -> None:
        await asyncio.gather(*map(scheduler.refreshed, scheduler.names()))

    for _ in range(steps):
        clock.advance(STEPS[0])
        harness.loop.run_until_complete(fetch_all())
    harness.run(0.2)


def _masked(screen: str) -> str:
    return FINGERPRINT.sub(lambda match: "x" * len(match.group()), screen) + "\n"


def _compare(name: str, screen: str) -> str | None:
    """None when `screen` is the golden one (or was just written); else a diff to show."""
    path = SCREENS / f"{name}.txt"
    if UPDATE:
        path.write_text(screen, encoding="utf-8")
        return None
    if not path.exists():
        return f"{path.name} is missing: run `make golden` and commit it"
    golden = path.read_text(encoding="utf-8")
    if golden == screen:
        return None
    diff = difflib.unified_diff(
        golden.splitlines(), screen.splitlines(), f"golden/{path.name}", "now", lineterm=""
    )
    return "\n".join(diff)


@pytest.mark.parametrize(("cols", "rows"), SIZES, ids=[f"{c}x{r}" for c, r in SIZES])
def test_the_mesh_demo_screens_match_the_golden_ones(fixed_world: Clock, cols: int, rows: int) -> None:
    harness = open_deck("mesh-demo", size=(cols, rows), clock=fixed_world)
    try:
        _settled(harness, fixed_world)
        problems = []
        for key, screen_name in MESH_SCREENS.items():
            harness.press(key)
            harness.run(0.2)
            problem = _compare(f"mesh-demo-{screen_name}-{cols}x{rows}", _masked(harness.text()))
            if problem:
                problems.append(problem)
    finally:
        harness.stop()
    assert not problems, (
        "the screen changed; if that is intended, run `make golden` and commit tests/golden/screens:\n"
        + "\n\n".join(problems)
    )


@pytest.mark.parametrize(("cols", "rows"), SIZES, ids=[f"{c}x{r}" for c, r in SIZES])
def test_the_system_screen_matches_the_golden_one(recorded_host: Clock, cols: int, rows: int) -> None:
    harness = open_deck("system", size=(cols, rows), clock=recorded_host)
    try:
        _sampled(harness, recorded_host, SYSTEM_STEPS)
        problem = _compare(f"system-{cols}x{rows}", harness.text() + "\n")
    finally:
        harness.stop()
    assert not problem, (
        "the screen changed; if that is intended, run `make golden` and commit tests/golden/screens:\n"
        + problem
    )


def test_every_golden_screen_is_still_made() -> None:
    made = {f"mesh-demo-{screen}-{c}x{r}.txt" for screen in MESH_SCREENS.values() for c, r in SIZES}
    made |= {f"system-{c}x{r}.txt" for c, r in SIZES}
    assert {path.name for path in SCREENS.glob("*.txt")} == made
