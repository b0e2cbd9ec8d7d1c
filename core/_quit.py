"""The last resort of quitting: if the deck has not exited QUIT_BUDGET after it was asked to, end it."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import termios
import threading

from deck._lifecycle import QUIT_BUDGET

__all__ = ["QuitWatchdog"]

log = logging.getLogger(__name__)

# Leave the alternate screen, show the cursor, reset colours, stop mouse reports.
_RESET = "\x1b[0m\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?25h\x1b[?1049l"


class QuitWatchdog:
    """Armed when quitting starts; fires once QUIT_BUDGET has passed: restores the terminal and exits.

    It stays armed through the interpreter's own exit, which waits for non-daemon threads.
    """

    def __init__(self, budget: float = QUIT_BUDGET) -> None:
        self._budget = budget
        self._timer: threading.Timer | None = None
        self._status = 0
        self._tty: list[object] | None = None
        with contextlib.suppress(OSError, termios.error, ValueError):
            self._tty = termios.tcgetattr(sys.stdin.fileno())

    def arm(self, status: int = 0) -> None:
        """Start counting (once); the process exits with `status` if it is still running at the end."""
        if self._timer is not None:
            return
        self._status = status
        self._timer = threading.Timer(self._budget, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        log.error("the deck did not exit within %.1f s of being asked to; ending it now", self._budget)
        with contextlib.suppress(OSError, ValueError):
            os.write(sys.stdout.fileno(), _RESET.encode())  # not sys.stdout: its lock may be held
        if self._tty is not None:
            with contextlib.suppress(OSError, termios.error, ValueError):
                termios.tcsetattr(sys.stdin.fileno(), termios.TCSANOW, self._tty)
        os._exit(self._status)
