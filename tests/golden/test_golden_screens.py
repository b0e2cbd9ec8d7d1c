"""Golden screens: built-in layouts drawn on fixed data, compared with the text committed beside.

A review then shows what a change did to the screen. After an intended change, `make golden`
writes the new screens (DECK_GOLDEN=update); commit them with the change.

The data is fixed: the deck's clock is a `Clock` that moves only when told, in UTC, and the
mesh-demo simulation is seeded. The one random thing drawn, the operator's fresh signing key,
is masked.
"""

from __future__ import annotations

import difflib
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

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


def test_every_golden_screen_is_still_made() -> None:
    made = {f"mesh-demo-{screen}-{c}x{r}.txt" for screen in MESH_SCREENS.values() for c, r in SIZES}
    assert {path.name for path in SCREENS.glob("*.txt")} == made
