"""Running plugins' startup and shutdown hooks with a deadline, so no plugin can hold the deck."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

from deck._contain import Stall, contained, timed
from deck._hookresults import check_result

if TYPE_CHECKING:
    from deck._deck import Deck

__all__ = ["QUIT_BUDGET", "SHUTDOWN_TIMEOUT", "STARTUP_TIMEOUT", "run_hooks"]

log = logging.getLogger(__name__)

#: Seconds every plugin's deck_startup may take (they run together); the shell is up meanwhile.
STARTUP_TIMEOUT: Final = 5.0
#: Seconds all deck_shutdown hooks together may take, so quitting stays within QUIT_BUDGET.
SHUTDOWN_TIMEOUT: Final = 0.3
#: Seconds from `q`, SIGTERM or SIGHUP to the process ending, whatever plugins do.
QUIT_BUDGET: Final = 1.0


async def _run_one(deck: Deck, name: str, hook: str, on_stall: Callable[[Stall], None]) -> None:
    """One plugin's hook: a coroutine runs on the loop, a plain function in the plugin's worker thread."""
    for function in deck.parts.host.implementations(name, hook, ctx=deck.contexts[name]):
        if inspect.iscoroutinefunction(function):
            await timed(function(), f"{name}.{hook}", on_stall)
            continue
        loop = asyncio.get_running_loop()
        result = check_result(hook, await loop.run_in_executor(deck.pools(name), contained, function))
        if result is not None:
            awaitable: Awaitable[Any] = result
            await timed(awaitable, f"{name}.{hook}", on_stall)


async def run_hooks(
    deck: Deck, hook: str, timeout: float, on_stall: Callable[[Stall], None]
) -> dict[str, str]:
    """Run `hook` of every working plugin at once; return the problem of each that failed or overran."""
    names = [n for n in deck.contexts if n not in deck.parts.problems]
    tasks = {
        name: asyncio.get_running_loop().create_task(
            _run_one(deck, name, hook, on_stall), name=f"{name}.{hook}"
        )
        for name in names
    }
    if not tasks:
        return {}
    _, pending = await asyncio.wait(tasks.values(), timeout=timeout)
    problems: dict[str, str] = {}
    for name, task in tasks.items():
        if task in pending:
            task.cancel()
            problems[name] = f"{hook} did not finish within {timeout:g} s"
            log.error("plugin %s: %s", name, problems[name])
        elif task.cancelled():
            problems[name] = f"{hook} was cancelled"
        elif task.exception() is not None:
            exc = task.exception()
            problems[name] = f"{hook} raised {type(exc).__name__}: {exc}"
            log.error("plugin %s raised in %s", name, hook, exc_info=exc)
    return problems
