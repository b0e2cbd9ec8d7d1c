"""The last resort of quitting: if the deck has not exited QUIT_BUDGET after it was asked to, end it."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import termios
import threading
import time
from typing import Any

from deck._contain import holding
from deck._lifecycle import QUIT_BUDGET

__all__ = ["QuitWatchdog"]

log = logging.getLogger(__name__)

# Leave the alternate screen, show the cursor, reset colours, stop mouse reports.
_RESET = "\x1b[0m\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?25h\x1b[?1049l"


class QuitWatchdog:
    """Armed when quitting starts; fires 3/4 of QUIT_BUDGET later: restores the terminal and exits.

    (The last quarter is left for a busy machine to schedule the exit.)

    It stays armed through the interpreter's own exit, which waits for non-daemon threads.
    """

    def __init__(self, budget: float = QUIT_BUDGET * 0.75) -> None:
        self._budget = budget
        self._deadline: float | None = None
        self.status = 0
        self._tty: list[Any] | None = None
        with contextlib.suppress(OSError, termios.error, ValueError):
            self._tty = termios.tcgetattr(sys.stdin.fileno())
        # Started now and woken through a pipe: arming happens in signal handlers, where starting a
        # thread (or taking any lock) could deadlock with the code the signal interrupted.
        self._wake_read, self._wake_write = os.pipe()
        threading.Thread(target=self._watch, name="deck-quit-watchdog", daemon=True).start()

    def arm(self, status: int = 0) -> None:
        """Start counting (once); the process exits with `status` if it is still running at the end."""
        if self._deadline is None:
            self.status = status
            self._deadline = time.monotonic() + self._budget
            os.write(self._wake_write, b"!")

    def _watch(self) -> None:
        os.read(self._wake_read, 1)  # asleep, costing nothing, until armed
        if self._deadline is not None:
            time.sleep(max(0.0, self._deadline - time.monotonic()))
        self._fire()

    def _fire(self) -> None:
        held = holding()
        culprit = f"; {held[0]} has held the event loop for {held[1]:.1f} s" if held else ""
        log.error(
            "the deck did not exit within %.2f s of being asked to%s; ending it now", self._budget, culprit
        )
        with contextlib.suppress(OSError, ValueError):
            os.write(sys.stdout.fileno(), _RESET.encode())  # not sys.stdout: its lock may be held
        if self._tty is not None:
            with contextlib.suppress(OSError, termios.error, ValueError):
                termios.tcsetattr(sys.stdin.fileno(), termios.TCSANOW, self._tty)
        os._exit(self.status)
