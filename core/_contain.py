"""Containing plugin code: its SystemExit and KeyboardInterrupt, its errors, and its stalls of the loop."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, Final, TypeVar

__all__ = ["FAULTS", "STALL_THRESHOLD", "PluginExit", "Stall", "contained", "holding", "timed"]

log = logging.getLogger(__name__)

T = TypeVar("T")

#: A coroutine step longer than this froze the screen for everyone: it is logged and shown.
STALL_THRESHOLD: Final = 0.1


class PluginExit(Exception):
    """Plugin code raised SystemExit or KeyboardInterrupt; it is contained like any other error."""


#: What plugin code may raise that the deck catches where it calls plugin code.
FAULTS: Final = (Exception, SystemExit, KeyboardInterrupt)


def contained(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call plugin code; its SystemExit or KeyboardInterrupt becomes a PluginExit, never an exit."""
    try:
        return function(*args, **kwargs)
    except (SystemExit, KeyboardInterrupt) as exc:
        raise PluginExit(f"{type(exc).__name__}({exc}) raised by plugin code") from exc


@dataclass(frozen=True)
class Stall:
    """One time a coroutine held the loop too long: who, for how long, and when."""

    name: str
    seconds: float
    at: float


# The plugin coroutine step running on the loop now, and since when (read by the quit watchdog,
# which names it when the loop never comes back). Only the loop thread writes it.
_running: tuple[str, float] | None = None


def holding() -> tuple[str, float] | None:
    """(name, seconds) of the plugin coroutine step holding the event loop now, if any."""
    running = _running
    return None if running is None else (running[0], time.perf_counter() - running[1])


class _Timed:
    """Drives a coroutine step by step, timing each step it holds the loop for."""

    def __init__(self, awaitable: Awaitable[T], name: str, on_stall: Callable[[Stall], None]) -> None:
        self._inner = awaitable.__await__()
        self._name = name
        self._on_stall = on_stall

    def __await__(self) -> Generator[Any, Any, Any]:
        global _running
        inner = self._inner
        sent: Any = None
        thrown: BaseException | None = None
        while True:
            started = time.perf_counter()
            outer, _running = _running, (self._name, started)
            try:
                yielded = inner.send(sent) if thrown is None else inner.throw(thrown)
            except StopIteration as stop:
                self._check(started, outer)
                return stop.value
            except (SystemExit, KeyboardInterrupt) as exc:
                self._check(started, outer)
                raise PluginExit(f"{type(exc).__name__}({exc}) raised by plugin code") from exc
            except BaseException:
                self._check(started, outer)
                raise
            self._check(started, outer)
            try:
                sent, thrown = (yield yielded), None
            except BaseException as exc:  # cancellation and the like go on into the coroutine
                sent, thrown = None, exc

    def _check(self, started: float, outer: tuple[str, float] | None) -> None:
        global _running
        _running = outer  # a timed step inside another timed one hands the loop back to it
        held = time.perf_counter() - started
        if held > STALL_THRESHOLD:
            log.warning(
                "%s blocked the event loop for %.0f ms (it must await, not block)", self._name, held * 1000
            )
            self._on_stall(Stall(self._name, held, time.time()))


async def timed(awaitable: Awaitable[T], name: str, on_stall: Callable[[Stall], None]) -> T:
    """Await plugin code, reporting each step over STALL_THRESHOLD and containing its exits."""
    result: T = await _Timed(awaitable, name, on_stall)
    return result
