"""In a real terminal: `q`, SIGTERM and SIGHUP end a deck whose plugin hangs, and the terminal is restored."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from deck._lifecycle import QUIT_BUDGET

HERE = Path(__file__).resolve().parent
HOSTILE = HERE / "plugins" / "hostile.py"
FLAKY = HERE / "plugins" / "flaky.py"

pytestmark = pytest.mark.skipif(
    sys.platform == "win32" or subprocess.run(["which", "tmux"], capture_output=True).returncode != 0,
    reason="needs tmux",
)

LAYOUT = """\
title: HUNG
plugins:
  hostile:
    from: {hostile}
    hung_sources: 6
    startup: hang
    shutdown: hang
  flaky:
    from: {flaky}
screens:
  - name: Main
    columns:
      - panel: hostile.state
      - panel: flaky.counter
"""


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True).stdout


def wait(condition: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return False


def ended(pid: int) -> bool:
    """The process has exited (gone, or a zombie its shell has yet to reap)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith(("Z", "X"))
    except (FileNotFoundError, IndexError):
        return True


@pytest.mark.parametrize("how", ["q", "SIGTERM", "SIGHUP"])
def test_a_hung_plugin_never_keeps_the_deck_from_quitting(tmp_path: Path, how: str) -> None:
    layout = tmp_path / "hung.yaml"
    layout.write_text(LAYOUT.format(hostile=HOSTILE, flaky=FLAKY))
    pid_file, status_file = tmp_path / "pid", tmp_path / "status"
    launcher = (
        "import os, sys; open(sys.argv[1], 'w').write(str(os.getpid())); "
        "os.execv(sys.executable, [sys.executable, '-m', 'deck', *sys.argv[2:]])"
    )
    command = (
        f'{sys.executable} -c "{launcher}" {pid_file} --layout {layout} --log {tmp_path / "deck.log"}; '
        # Written whole, then renamed: the file never exists empty.
        f"echo $? > {status_file}.part; mv {status_file}.part {status_file}; sleep 30"
    )
    session = f"safety-quit-{os.getpid()}-{how}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command], check=True)
    try:
        # The startup hook never returns, yet the shell is up and the other plugin's panel counts.
        assert wait(lambda: "count" in tmux("capture-pane", "-p", "-t", session)), tmux(
            "capture-pane", "-p", "-t", session
        )
        assert tmux("display", "-p", "-t", session, "#{alternate_on}").strip() == "1"
        pid = int(pid_file.read_text())
        asked = time.monotonic()
        if how == "q":
            subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        else:
            os.kill(pid, getattr(signal, how))
        assert wait(lambda: ended(pid)), "the deck never exited"
        took = time.monotonic() - asked
        assert wait(status_file.exists)
        status = int(status_file.read_text())
        assert status == (0 if how == "q" else 128 + getattr(signal, how)), status
        # Restored: off the alternate screen, cursor visible.
        assert tmux("display", "-p", "-t", session, "#{alternate_on}").strip() == "0"
        assert tmux("display", "-p", "-t", session, "#{cursor_flag}").strip() == "1"
        print(f"{how}: exited {took * 1000:.0f} ms after being asked")
        # A busy machine may add scheduling delay, never the plugin's hang (which has no end).
        assert took < QUIT_BUDGET * 5
    finally:
        tmux("kill-session", "-t", session)


def test_sigterm_ends_a_deck_whose_loop_a_plugin_holds_and_the_log_names_it(tmp_path: Path) -> None:
    layout = tmp_path / "stuck.yaml"
    layout.write_text(
        f"title: STUCK\nplugins:\n  hostile:\n    from: {HOSTILE}\n    stall: 600\n"
        "screens:\n  - name: Main\n    panel: hostile.state\n"
    )
    log = tmp_path / "deck.log"
    session = f"safety-stuck-{os.getpid()}"
    command = f"{sys.executable} -m deck --layout {layout} --log {log}; sleep 30"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command], check=True)
    try:
        # The async fetch holds the loop for ten minutes: keys are never read, the screen never drawn.
        assert wait(lambda: log.exists() and "holding the loop" in log.read_text())
        pid = _deck_pid(session)
        time.sleep(0.5)  # well into the stall
        asked = time.monotonic()
        os.kill(pid, signal.SIGTERM)
        assert wait(lambda: ended(pid)), f"the deck never exited; its log:\n{log.read_text()}"
        print(f"SIGTERM with the loop held: exited {(time.monotonic() - asked) * 1000:.0f} ms after")
        assert tmux("display", "-p", "-t", session, "#{alternate_on}").strip() == "0"
        assert "source hostile.stall has held the event loop for" in log.read_text()
    finally:
        tmux("kill-session", "-t", session)


def _deck_pid(session: str) -> int:
    """The pid of the deck running in the session's shell (0 until it runs)."""
    shell = tmux("display", "-p", "-t", session, "#{pane_pid}").strip()
    if not shell:
        return 0
    children = Path(f"/proc/{shell}/task/{shell}/children")
    found = children.read_text().split() if children.exists() else []
    return int(found[0]) if found else 0
