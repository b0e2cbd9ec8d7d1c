"""Driving a deck without a terminal: snapshots, and the harness behind deck.testing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from deck._clock import use_clock
from deck._deck import Deck
from deck._shell import Shell

__all__ = ["Harness"]

#: Seconds between two `press` calls on the harness clock: an operator reading, then typing.
KEY_PAUSE = 0.3


class Harness:
    """Runs a deck on a private event loop; every call advances the loop a little.

    The deck reads the harness's own clock (`now`), which moves by `run`'s seconds and by each
    `press` call's pause, so timing rules such as a confirmation's guard are tested exactly.
    """

    def __init__(self, deck: Deck, size: tuple[int, int] = (120, 40)) -> None:
        self.deck = deck
        self.now = 0.0
        deck.clock = lambda: self.now
        self.size = size
        self.shell = Shell(deck)
        self.loop = asyncio.new_event_loop()
        self._started = False

    def start(self) -> Harness:
        """Run startup hooks and start the sources."""
        self.loop.run_until_complete(self.deck.start())
        self._started = True
        return self

    def stop(self) -> None:
        """Stop the deck and close the loop; the deck's clock is the wall clock again."""
        if self._started:
            self.loop.run_until_complete(self.deck.stop())
            self._started = False
        self.loop.close()
        use_clock(None)

    def __enter__(self) -> Harness:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def run(self, seconds: float = 0.0) -> None:
        """Let the deck run for `seconds` (0: just process what is ready)."""
        self.now += seconds
        self.loop.run_until_complete(asyncio.sleep(seconds))
        for _ in range(3):
            self.loop.run_until_complete(asyncio.sleep(0))

    def first_results(self, timeout: float = 10.0) -> bool:
        """Wait until every source has answered once (or failed); False on timeout."""
        done = self.loop.run_until_complete(self.deck.scheduler.first_results(timeout))
        self.run()
        return done

    def press(self, *keys: str, pause: float = KEY_PAUSE) -> Harness:
        """Press keys in order (urwid names: "j", "enter", "ctrl n", "shift tab").

        As in a terminal, the screen is drawn first and the operator types `pause` seconds later;
        the keys of one call are one burst, typed faster than the screen is redrawn.
        """
        self.text()
        self.now += pause
        for key in keys:
            self.loop.run_until_complete(self._press(key))
            self.run(0.01)
        return self

    async def _press(self, key: str) -> None:
        # Keys are handled on the loop, as in a terminal, so actions can start tasks.
        self.shell.keypress(self.size, key)

    def type(self, text: str) -> Harness:
        """Type text one character at a time."""
        return self.press(*text)

    def resize(self, cols: int, rows: int) -> Harness:
        """Change the terminal size."""
        self.size = (cols, rows)
        return self

    def text(self) -> str:
        """The whole screen as text, one line per row, trailing spaces removed.

        It is drawn on the deck's loop, as a terminal draws it, so what drawing triggers (a panel
        retargeting its source as its selection settles) happens as it would there.
        """

        async def draw() -> list[bytes]:
            return self.shell.render(self.size, focus=True).text

        return "\n".join(line.decode("utf-8").rstrip() for line in self.loop.run_until_complete(draw()))

    def wait_until(
        self, condition: Callable[[], object], timeout: float = 10.0, step: float = 0.05, *, what: str = ""
    ) -> bool:
        """Run the deck until `condition()` holds and return True.

        If `timeout` passes first, raise AssertionError with `what` was awaited and the screen.
        """
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() >= deadline:
                awaited = what or "the condition"
                raise AssertionError(
                    f"{awaited} did not happen within {timeout} s; the screen was:\n{self.text()}"
                )
            self.run(step)
        return True

    def wait_for(self, text: str, timeout: float = 10.0) -> str:
        """Run until `text` is on screen and return the screen; AssertionError if it never is."""
        self.wait_until(lambda: text in self.text(), timeout, what=f"{text!r} on screen")
        return self.text()
