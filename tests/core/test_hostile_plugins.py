"""Fault injection: plugins that flood, hang, block the loop, exit or return nonsense never take the deck."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deck._contain import STALL_THRESHOLD
from deck._notify import MIN_GAP
from deck.testing import Harness, open_deck

HERE = Path(__file__).resolve().parent
HOSTILE = HERE / "plugins" / "hostile.py"
FLAKY = HERE / "plugins" / "flaky.py"


def layout(tmp_path: Path, **config: Any) -> Path:
    """A layout with the hostile plugin (configured as given) next to a well-behaved one."""
    settings = ", ".join(f"{key}: {value!r}" for key, value in config.items())
    path = tmp_path / "hostile.yaml"
    path.write_text(
        f"""\
title: HOSTILE
plugins:
  hostile:
    from: {HOSTILE}
    {settings.replace(", ", chr(10) + "    ").replace("'", "")}
  flaky:
    from: {FLAKY}
screens:
  - name: Main
    columns:
      - panel: hostile.state
      - panel: flaky.counter
  - name: Costs
    panel: deck.sources
"""
    )
    return path


def release(harness: Harness) -> None:
    """Let the plugin's hung threads go (the module is loaded afresh for every deck)."""
    plugin = harness.deck.parts.host.plugins["hostile"].obj
    sys.modules[type(plugin).__module__].RELEASE.set()


@pytest.fixture
def opened() -> Iterator[list[Harness]]:
    decks: list[Harness] = []
    yield decks
    for harness in decks:
        release(harness)
        harness.stop()


def start(opened: list[Harness], path: Path) -> Harness:
    harness = open_deck(path)
    opened.append(harness)
    return harness


def test_a_notify_flood_from_a_thread_is_coalesced_and_the_deck_stays_responsive(
    tmp_path: Path, opened: list[Harness]
) -> None:
    harness = start(opened, layout(tmp_path, flood=True))
    plugin = harness.deck.parts.host.plugins["hostile"].obj
    changes: list[str] = []
    coalesced: list[str] = []  # the status lines shown for messages that stood for others
    apply = harness.deck._set_status

    def counted(message: str, level: Any, skipped: int = 0) -> None:
        changes.append(message)
        apply(message, level, skipped)
        if skipped:
            coalesced.append(harness.deck.status.text)

    harness.deck._feed._apply = counted
    import time

    started = time.monotonic()
    assert harness.wait_until(lambda: plugin.flooded > 20_000, timeout=30)
    harness.press("2")  # keys still work under the flood
    assert harness.deck.screen_index == 1
    elapsed = time.monotonic() - started
    # At most one status change per MIN_GAP, however many messages were posted.
    assert len(changes) <= elapsed / MIN_GAP + 2
    assert plugin.flooded > 20 * len(changes)
    # The status drains on the deck's clock, which the key press moved on: the loop applies it soon.
    assert harness.wait_until(lambda: coalesced, timeout=5)
    assert all("earlier messages" in text for text in coalesced)


def test_a_hung_threaded_fetch_takes_only_its_plugins_share_of_threads(
    tmp_path: Path, opened: list[Harness]
) -> None:
    # Ten fetches that never return: more than the old shared pool of eight threads.
    harness = start(opened, layout(tmp_path, hung_sources=10))
    flaky = harness.deck.parts.host.plugins["flaky"].obj
    assert harness.wait_until(lambda: flaky.count >= 3, timeout=10), "the other plugin was starved"
    hung = [s for s in harness.deck.scheduler.stats() if s.name.startswith("hostile.hung")]
    assert hung and all(s.last_error and "no answer" in s.last_error for s in hung if s.runs)


def test_stopping_never_waits_for_a_hung_fetch_or_shutdown_hook(tmp_path: Path) -> None:
    harness = open_deck(layout(tmp_path, hung_sources=3, shutdown="hang"))
    harness.first_results(5)
    import time

    started = time.monotonic()
    harness.stop()
    # The shutdown hooks' deadline is SHUTDOWN_TIMEOUT; the hung fetches are not waited for at all.
    assert time.monotonic() - started < 5
    release(harness)


def test_a_process_with_a_hung_fetch_exits(tmp_path: Path) -> None:
    # The threads of the standard pool are joined when Python exits: this would never end.
    done = subprocess.run(
        [sys.executable, "-m", "deck", "--layout", str(layout(tmp_path, hung_sources=2)),
         "--snapshot", "--wait", "0.5"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "HOSTILE" in done.stdout


def test_an_async_fetch_that_blocks_the_loop_is_named_in_the_log_and_the_cost_view(
    tmp_path: Path, opened: list[Harness], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="deck._contain")
    harness = start(opened, layout(tmp_path, stall=0.3))
    assert harness.wait_until(lambda: harness.deck.scheduler.result("hostile.stall").ok)
    assert "source hostile.stall blocked the event loop for" in caplog.text
    row = next(s for s in harness.deck.costs() if s.name == "hostile.stall")
    assert row.stall_ms is not None and row.stall_ms >= STALL_THRESHOLD * 1000
    others = [s for s in harness.deck.costs() if s.name != "hostile.stall"]
    assert all(s.stall_ms is None for s in others), "only the culprit is blamed"
    harness.press("2")
    assert "Stall ms" in harness.wait_for("hostile.stall")


def test_an_async_action_that_blocks_the_loop_is_named(
    tmp_path: Path, opened: list[Harness], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="deck._contain")
    harness = start(opened, layout(tmp_path))
    harness.wait_for("fine")
    harness.press("B")
    assert harness.wait_until(lambda: harness.deck.status.text == "blocked")
    assert "action hostile.block blocked the event loop" in caplog.text
    assert any(s.name == "action hostile.block" and s.stall_ms for s in harness.deck.costs())


def test_a_startup_hook_that_never_returns_times_out_and_its_panels_say_so(
    tmp_path: Path, opened: list[Harness], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("deck._deck.STARTUP_TIMEOUT", 0.5)
    for mode in ("hang", "hang_async"):
        harness = start(opened, layout(tmp_path, startup=mode))
        frame = harness.deck.screen.frames[0]
        assert frame.error == "plugin 'hostile' deck_startup did not finish within 0.5 s"
        assert "did not finish" in harness.text()
        harness.wait_for("count")  # the other plugin runs


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"startup": "exit"}, "deck_startup raised PluginExit: SystemExit(startup exits)"),
        ({"startup": "wrong"}, "deck_startup returned int; expected None or an awaitable"),
        ({"exit_in": "update"}, "SystemExit: panel update exits"),
        ({"exit_in": "fetch"}, "PluginExit: SystemExit(3)"),
        ({"exit_in": "async_fetch"}, "PluginExit: KeyboardInterrupt()"),
    ],
)
def test_exits_and_wrong_types_from_plugin_code_are_contained(
    tmp_path: Path, opened: list[Harness], config: dict[str, str], expected: str
) -> None:
    harness = start(opened, layout(tmp_path, **config))
    harness.wait_for("count")  # the other plugin runs

    def said() -> str:
        errors = [str(f.error) for f in harness.deck.screen.frames]
        return " ".join(errors + [str(s.last_error) for s in harness.deck.scheduler.stats()])

    assert harness.wait_until(lambda: expected in said()), said()
    harness.press("2")
    assert harness.deck.screen_index == 1  # still running


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("E", "Exit failed: PluginExit: SystemExit(an action tried to end the deck)"),
        ("I", "Interrupt failed: PluginExit: KeyboardInterrupt()"),
        ("T", "Exit in a thread failed: PluginExit: SystemExit(a blocking action tried to end the deck)"),
    ],
)
def test_an_action_raising_systemexit_or_keyboardinterrupt_is_an_error_message(
    tmp_path: Path, opened: list[Harness], key: str, expected: str
) -> None:
    harness = start(opened, layout(tmp_path))
    harness.wait_for("fine")
    harness.press(key)
    assert harness.wait_until(lambda: harness.deck.status.text.startswith(expected)), harness.deck.status
    harness.press("2")
    assert harness.deck.screen_index == 1  # still running


@pytest.mark.parametrize(
    ("wrong", "expected"),
    [
        ("sources", "deck_sources raised PluginError: deck_sources returned int; expected a list"),
        ("panels", "deck_panels raised PluginError: deck_panels returned a list holding str"),
        ("actions", "deck_actions raised PluginError: deck_actions returned dict; expected a list"),
        ("themes", "deck_themes raised PluginError: deck_themes returned list; expected a mapping"),
    ],
)
def test_a_hook_returning_the_wrong_type_is_that_plugins_error(
    tmp_path: Path, wrong: str, expected: str
) -> None:
    from deck._app import check_layout

    parts = check_layout(layout(tmp_path, wrong=wrong))
    assert expected in parts.problems["hostile"]
    done = subprocess.run(
        [sys.executable, "-m", "deck", "--check", str(layout(tmp_path, wrong=wrong))],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert expected in done.stderr
