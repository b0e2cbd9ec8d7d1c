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
        f"echo $? > {status_file}; sleep 30"
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
