"""Status messages from worker threads coalesced and rate-limited, so a flood cannot starve the loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from deck._context import Level

__all__ = ["LogLimiter", "StatusFeed"]

#: The shortest time between two status changes posted from threads.
MIN_GAP: Final = 0.1
#: Status lines written to the log per second before the rest are only counted.
LOG_BUDGET: Final = 20


class StatusFeed:
    """Keeps only the latest message posted from threads; hands it to the loop at most every MIN_GAP.

    However fast threads post, the loop holds at most one pending callback for them.
    """

    def __init__(
        self, apply: Callable[[str, Level, int], None], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._apply = apply
        self._clock = clock
        self._lock = threading.Lock()
        self._latest: tuple[str, Level] | None = None
        self._skipped = 0
        self._scheduled = False
        self._last = float("-inf")

    def post(self, loop: asyncio.AbstractEventLoop, message: str, level: Level) -> None:
        """From any thread: make `message` the next status; wake the loop unless already woken."""
        with self._lock:
            if self._latest is not None:
                self._skipped += 1
            self._latest = (message, level)
            if self._scheduled:
                return
            self._scheduled = True
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody will read it
            loop.call_soon_threadsafe(self._drain, loop)

    def _drain(self, loop: asyncio.AbstractEventLoop) -> None:
        wait = self._last + MIN_GAP - self._clock()
        if wait > 0:
            loop.call_later(min(wait, MIN_GAP), self._drain, loop)
            return
        with self._lock:
            latest, skipped = self._latest, self._skipped
            self._latest, self._skipped, self._scheduled = None, 0, False
        if latest is not None:
            self._last = self._clock()
            self._apply(latest[0], latest[1], skipped)


class LogLimiter:
    """Lets LOG_BUDGET lines a second through and counts the rest, reporting them once."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._window = float("-inf")
        self._used = 0
        self._dropped = 0

    def allow(self, logger: logging.Logger) -> bool:
        """True when one more line may be logged now."""
        now = self._clock()
        if now - self._window >= 1.0:
            if self._dropped:
                logger.warning(
                    "%d status messages were not logged (more than %d a second)", self._dropped, LOG_BUDGET
                )
            self._window, self._used, self._dropped = now, 0, 0
        if self._used < LOG_BUDGET:
            self._used += 1
            return True
        self._dropped += 1
        return False
