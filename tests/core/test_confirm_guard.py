"""A confirmation is never answered by keys typed before it was drawn or in the 250 ms after."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deck.testing import Harness, open_deck

LAYOUTS = Path(__file__).resolve().parent / "layouts"


@pytest.fixture
def flaky() -> Iterator[Harness]:
    harness = open_deck(LAYOUTS / "flaky.yaml")
    harness.wait_for("count")
    yield harness
    harness.stop()


def test_keys_typed_with_the_action_never_answer_its_confirmation(flaky: Harness) -> None:
    flaky.press("w", "y", "enter", "Y")
    assert "Really write?" in flaky.text()
    assert flaky.deck.overlays.top is not None and "wrote it" not in flaky.deck.status.text
    flaky.press("y")
    assert flaky.deck.status.text == "wrote it"


def test_keys_within_250_ms_of_the_dialog_appearing_are_ignored(flaky: Harness) -> None:
    flaky.press("w")
    assert "Really write?" in flaky.text()  # drawn now
    flaky.press("y", pause=0.1)
    flaky.press("enter", pause=0.1)
    assert flaky.deck.overlays.top is not None, "answered 0.1 s and 0.2 s after it appeared"
    flaky.press("y", pause=0.06)  # 0.26 s after it appeared
    assert flaky.deck.overlays.top is None and flaky.deck.status.text == "wrote it"


def test_escape_always_cancels_even_at_once(flaky: Harness) -> None:
    flaky.press("w", "esc")
    assert flaky.deck.overlays.top is None
    assert "cancelled" in flaky.deck.status.text


def test_a_destructive_confirmation_starts_on_cancel(flaky: Harness) -> None:
    flaky.press("D")
    screen = flaky.text()
    assert "Really destroy?" in screen and flaky.deck.overlays.top.danger  # type: ignore[union-attr]
    flaky.press("enter")
    assert flaky.deck.overlays.top is None
    assert "cancelled" in flaky.deck.status.text and "destroyed" not in flaky.deck.status.text
    flaky.press("D")
    flaky.press("left")
    flaky.press("enter")
    assert flaky.deck.status.text == "destroyed it"


def _screen(session: str) -> str:
    done = subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True)
    return done.stdout


def _wait_screen(session: str, text: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    screen = _screen(session)
    while text not in screen and time.monotonic() < deadline:
        time.sleep(0.1)
        screen = _screen(session)
    assert text in screen, screen
    return screen


@pytest.mark.skipif(sys.platform == "win32", reason="tmux")
def test_typing_ahead_in_a_real_terminal_never_confirms(tmp_path: Path) -> None:
    if subprocess.run(["which", "tmux"], capture_output=True).returncode != 0:
        pytest.skip("tmux is not installed")
    session = f"deck-guard-{os.getpid()}"
    command = f"{sys.executable} -m deck --layout {LAYOUTS / 'flaky.yaml'} --log {tmp_path / 'deck.log'}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command], check=True)
    try:
        _wait_screen(session, "count")
        # One write to the terminal: the action's key and the answer arrive together.
        subprocess.run(["tmux", "send-keys", "-t", session, "-l", "wy"], check=True)
        _wait_screen(session, "Really write?")
        time.sleep(0.5)  # more than the guard: anything typed ahead would have landed by now
        assert "Really write?" in _screen(session) and "wrote it" not in _screen(session)
        subprocess.run(["tmux", "send-keys", "-t", session, "y"], check=True)
        _wait_screen(session, "wrote it")
        log = (tmp_path / "deck.log").read_text()
        assert "ignored the key 'y' typed before it could be read" in log
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
