"""Running a deck in a real terminal, restoring it on every way out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any, Literal

import urwid

from deck._colors import ColorDepth
from deck._deck import Deck
from deck._quit import QuitWatchdog
from deck._shell import Shell
from deck._theme import Theme

__all__ = ["run_terminal"]

log = logging.getLogger(__name__)

_COLORS: dict[str, Literal[1, 16, 256, 16777216]] = {"truecolor": 16777216, "256": 256, "16": 16, "mono": 1}


async def _main(deck: Deck, depth: ColorDepth, watchdog: QuitWatchdog) -> None:
    screen = urwid.display.raw.Screen()
    screen.set_terminal_properties(colors=_COLORS[depth])
    screen.register_palette(deck.theme.palette(depth))
    loop = asyncio.get_running_loop()
    main_loop = urwid.MainLoop(
        Shell(deck),
        screen=screen,
        event_loop=urwid.AsyncioEventLoop(loop=loop),
        handle_mouse=True,
    )
    deck.on_redraw = main_loop.draw_screen

    def repaint(theme: Theme) -> None:
        screen.register_palette(theme.palette(depth))
        screen.clear()

    deck.on_theme = repaint

    def clipboard(escape: str) -> None:
        screen.write(escape)
        screen.flush()

    deck.on_clipboard = clipboard
    deck.on_bell = lambda: clipboard("\a")

    def on_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if isinstance(context.get("exception"), urwid.InputClosedError):
            deck.quit()  # the terminal went away (ssh dropped, tmux killed): just leave
            return
        loop.default_exception_handler(context)

    loop.set_exception_handler(on_error)
    deck.bind(loop)
    assert deck.closed is not None
    deck.closed.add_done_callback(lambda _: watchdog.arm())
    try:
        with main_loop.start():
            # The shell is up while plugins start (at most STARTUP_TIMEOUT): `q` works from the start.
            starting = loop.create_task(deck.start(), name="deck start")
            main_loop.draw_screen()
            await deck.closed
            starting.cancel()
    finally:
        deck.on_redraw = None
        deck.on_theme = None
        deck.on_clipboard = None
        deck.on_bell = None
        await deck.stop()


def run_terminal(deck: Deck, depth: ColorDepth) -> int:
    """Run until the operator quits and return the exit status (128 + signal after a signal).

    The screen is restored before any exception escapes.

    SIGTERM and SIGHUP quit like `q`; from any of them the process ends within QUIT_BUDGET,
    whatever plugin code is doing (a watchdog restores the terminal and exits if it must).
    """
    watchdog = QuitWatchdog()

    def on_signal(signum: int, frame: object) -> None:
        # A plain handler, not loop.add_signal_handler: it runs even while plugin code blocks the loop.
        watchdog.arm(128 + signum)
        if deck.loop is not None and not deck.loop.is_closed():
            with contextlib.suppress(RuntimeError):
                deck.loop.call_soon_threadsafe(deck.quit)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        asyncio.run(_main(deck, depth, watchdog))
    except urwid.InputClosedError:
        log.info("the terminal went away; exiting")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return watchdog.status
