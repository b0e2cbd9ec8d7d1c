"""The running deck: panels on screens, sources feeding them, keys running actions."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from deck._actions import StatusSegment
from deck._assemble import CORE_PLUGIN, Assembly
from deck._clock import now
from deck._contain import Stall, timed
from deck._context import Context, Level
from deck._dispatch import ActionRunner
from deck._frame import PanelFrame
from deck._keys import KeyRouter
from deck._lifecycle import QUIT_BUDGET, SHUTDOWN_TIMEOUT, STARTUP_TIMEOUT, run_hooks
from deck._notify import LogLimiter, StatusFeed
from deck._overlays import Overlays
from deck._panels import Panel
from deck._pools import PLUGIN_WORKERS, Pools
from deck._recorder_config import make_recorder
from deck._scheduler import Scheduler
from deck._screens import Screen, ScreenBuilder
from deck._sources import Result, SourceStats
from deck._theme import Theme, find_theme, load_theme
from deck.widgets import icons

__all__ = ["Deck", "Screen", "Status"]

log = logging.getLogger(__name__)

T = TypeVar("T")

REDRAW_INTERVAL = 0.05


@dataclass(frozen=True)
class Status:
    """The status line's message."""

    text: str
    level: Level
    at: float = field(default_factory=now)


def _on(loop: asyncio.AbstractEventLoop) -> bool:
    """True when called on `loop`'s own thread, while it runs."""
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


class Deck:
    """Owns the scheduler, the panels and the keymap; the shell widget only draws it."""

    def __init__(
        self, parts: Assembly, *, read_only: bool = False, workers: int = PLUGIN_WORKERS, ascii: bool = False
    ) -> None:
        self.parts = parts
        self.layout = parts.layout
        self.theme = parts.theme
        self.keymap = parts.keymap
        self.read_only = read_only
        self.ascii = ascii  # the terminal shows ASCII only: the shell translates every glyph
        #: The clock dialogs and rate limits read (the test harness steps its own).
        self.clock: Callable[[], float] = time.monotonic
        #: Worker threads, a bounded share per plugin (`workers` each); never waited for on exit.
        self.pools = Pools(workers)
        self.executor = self.pools(CORE_PLUGIN)
        self.scheduler = Scheduler(self._on_result, self.pools)
        #: The longest each action or task held the event loop in one step, by name (the cost view).
        self.stalls: dict[str, float] = {}
        self.overlays = Overlays(self)
        self.keys = KeyRouter(self)
        self.actions = ActionRunner(self)
        self.contexts: dict[str, Context] = {
            name: Context(self, name, parts.configs.get(name, {})) for name in parts.host.plugins
        }
        self.segments: list[tuple[str, StatusSegment]] = parts.segments
        self.status = Status("ready", "info")
        self._feed = StatusFeed(self._set_status)
        self._log_limit = LogLimiter()
        self.screen_index = 0
        self.closed: asyncio.Future[None] | None = None
        self.on_redraw: Callable[[], None] | None = None
        self.on_theme: Callable[[Theme], None] | None = None
        self.on_clipboard: Callable[[str], None] | None = None  # writes an escape to the terminal
        self.on_bell: Callable[[], None] | None = None  # rings the terminal's bell
        self.loop: asyncio.AbstractEventLoop | None = None
        self._redraw_pending: asyncio.TimerHandle | None = None
        #: True while the only change waiting to be drawn is the header clock's.
        self.clock_only = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._waiting: list[tuple[Coroutine[Any, Any, Any], str]] = []
        self._subscribers: dict[str, list[PanelFrame]] = {}
        for owner, source in parts.sources:
            self.scheduler.add(source, owner)
        self.recorder = make_recorder(self)
        self.screens = ScreenBuilder(self, self._subscribers).screens()
        for screen in self.screens:
            if screen.frames:
                screen.frames[screen.focus].focused = True

    # ---- lifecycle -------------------------------------------------------------------------------

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the loop the deck will run on (before `start`, so `closed` can be awaited)."""
        if self.loop is not loop:
            self.loop = loop
            self.closed = loop.create_future()

    async def start(self) -> None:
        """Run the plugins' startup hooks (at most STARTUP_TIMEOUT), then start every source."""
        self.bind(asyncio.get_running_loop())
        # glyphs are process-wide: one running deck owns them
        icons.ascii = self.theme.ascii_icons or self.ascii
        if self.recorder.replaying:  # fed from a file: no plugin starts, no source fetches
            self.recorder.start_replay()
        else:
            problems = await run_hooks(self, "deck_startup", STARTUP_TIMEOUT, self.stalled)
            for name, problem in problems.items():
                self._plugin_failed(name, problem)
            self.scheduler.start()
        self.spawn(self._tick(), "clock")
        for coroutine, name in self._waiting:
            self.spawn(coroutine, name)
        self._waiting.clear()

    def discard(self) -> None:
        """Give up a deck that will not start: close the tasks its panels left waiting for it."""
        for coroutine, _ in self._waiting:
            coroutine.close()
        self._waiting.clear()

    async def stop(self) -> None:
        """Stop sources and tasks, run shutdown hooks; never raises, and takes under QUIT_BUDGET."""
        self.discard()
        self.overlays.close_all()
        await self.scheduler.stop(timeout=QUIT_BUDGET / 10)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=QUIT_BUDGET / 10)
        await run_hooks(self, "deck_shutdown", SHUTDOWN_TIMEOUT, self.stalled)
        self.recorder.close()
        self.pools.shutdown()
        icons.ascii = False

    def quit(self) -> None:
        """Ask the runner to exit."""
        if self.closed is not None and not self.closed.done():
            self.closed.set_result(None)

    def spawn(self, coroutine: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any] | None:
        """Run a background task whose failure is logged and shown, never fatal.

        Before the deck starts (a panel being built), the task waits and starts with the deck.
        """
        loop = self.loop
        if loop is not None and not _on(loop):
            loop.call_soon_threadsafe(self.spawn, coroutine, name)  # from a worker thread
            return None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._waiting.append((coroutine, name))
            return None
        task = loop.create_task(timed(coroutine, name, self.stalled), name=name)
        self._tasks.add(task)

        def done(finished: asyncio.Task[Any]) -> None:
            self._tasks.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                exc = finished.exception()
                log.error("task %s failed", name, exc_info=exc)
                self.notify(f"{name}: {type(exc).__name__}: {exc}", "error")

        task.add_done_callback(done)
        return task

    def stalled(self, stall: Stall) -> None:
        """Record that `stall.name` held the loop too long (logged already; shown in the cost view)."""
        self.stalls[stall.name] = max(self.stalls.get(stall.name, 0.0), stall.seconds)

    def costs(self) -> list[SourceStats]:
        """The self-cost view's rows: every source, then each action or task that stalled the loop."""
        rows = self.scheduler.stats()
        for name, seconds in self.stalls.items():
            rows.append(
                SourceStats(
                    name=name,
                    state="stalled the loop",
                    runs=0,
                    failures=0,
                    last_ms=None,
                    mean_ms=None,
                    max_ms=None,
                    interval=None,
                    next_in=None,
                    last_error="blocking code in async def: move it to a thread",
                    stall_ms=seconds * 1000,
                )
            )
        return rows

    def on_loop(self, function: Callable[..., T], *args: Any) -> T:
        """Call `function` on the loop's thread and return its result (from worker threads too)."""
        loop = self.loop
        if loop is None or not loop.is_running() or _on(loop):
            return function(*args)
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                done.set_result(function(*args))
            except BaseException as exc:
                done.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return done.result(timeout=STARTUP_TIMEOUT)

    async def _tick(self) -> None:
        # The clock in the header (and a stale panel's age) is the only thing that changes on
        # its own: wake when its text changes, each second or, without seconds, each minute.
        while True:
            step = 60.0 if self.layout.clock == "minutes" and not self._ages_shown() else 1.0
            await asyncio.sleep(step - time.time() % step)
            self._request_clock_redraw()

    def _ages_shown(self) -> bool:
        """Whether a panel on screen shows the age of stale data, which changes every second."""
        return any(frame.stale for frame in self.screen.frames)

    def _request_clock_redraw(self) -> None:
        """Draw the header alone, unless something else is waiting to be drawn too."""
        if self.on_redraw is not None and self._redraw_pending is None and not self._ages_shown():
            self.clock_only = True
        self._schedule_redraw()

    def _plugin_failed(self, name: str, problem: str) -> None:
        """Mark a plugin failed and show why in its panels (the problem is logged already)."""
        self.parts.problems[name] = problem
        for screen in self.screens:
            for frame in screen.frames:
                owner = self.parts.panel_types.get(frame.type_name, ("",))[0]
                if owner == name:
                    frame.error = f"plugin {name!r} {problem}"
                    frame.panel = None

    # ---- data ------------------------------------------------------------------------------------

    def _on_result(self, result: Result[Any]) -> None:
        if not self.recorder.tap(result):  # rewound, the recorder holds live results back
            self.deliver(result)

    def deliver(self, result: Result[Any]) -> None:
        """Hand a result to the panels that show its source."""
        # Panels on hidden screens get only the latest result, when they are next shown:
        # a ten-screen layout then costs about what its visible screen costs. Each result of an
        # append source holds new data, so those reach every panel at once.
        visible = self.screen.frames
        everywhere = self.scheduler.appends(result.source)
        for frame in self._subscribers.get(result.source, ()):
            if everywhere or frame in visible:
                frame.deliver(result)
            else:
                frame.pending[result.source] = result
        if self.focused is not None and self.focused.hidden:
            self.move_focus(1)  # the focused panel just gave its row away
        self.request_redraw()

    def _catch_up(self, frames: list[PanelFrame]) -> None:
        for frame in frames:
            while frame.pending:
                frame.deliver(frame.pending.pop(next(iter(frame.pending))))

    def request_redraw(self) -> None:
        """Draw soon; many requests within one frame interval become one draw."""
        self.clock_only = False
        self._schedule_redraw()

    def _schedule_redraw(self) -> None:
        if self.on_redraw is None or self._redraw_pending is not None:
            return
        self._redraw_pending = asyncio.get_running_loop().call_later(REDRAW_INTERVAL, self._redraw)

    def _redraw(self) -> None:
        self._redraw_pending = None
        try:
            if self.on_redraw is not None:
                self.on_redraw()
        finally:
            self.clock_only = False

    def use_theme(self, name_or_path: str) -> Theme:
        """Switch themes while running (a built-in, a plugin's, or a file); ThemeError if unknown."""
        theme = load_theme(find_theme(name_or_path, self.parts.themes))
        self.theme = theme
        icons.ascii = theme.ascii_icons or self.ascii
        for screen in self.screens:
            for frame in screen.frames:
                frame.border = theme.border
        if self.on_theme is not None:
            self.on_theme(theme)
        self.request_redraw()
        return theme

    def call_soon(self, function: Callable[..., Any], *args: Any) -> bool:
        """From a worker thread, run `function` on the loop instead; True when it was handed over."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return False
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            return False
        loop.call_soon_threadsafe(function, *args)
        return True

    def notify(self, message: str, level: Level = "info") -> None:
        """Set the status line; from worker threads, a flood is coalesced to the latest message."""
        loop = self.loop
        if loop is not None and not loop.is_closed() and not _on(loop):
            self._feed.post(loop, message, level)
            return
        self._set_status(message, level)

    def _set_status(self, message: str, level: Level, skipped: int = 0) -> None:
        if self._log_limit.allow(log):
            logger = log.error if level == "error" else log.warning if level == "warn" else log.info
            logger("status: %s", message)
        text = f"{message} (+{skipped} earlier messages)" if skipped else message
        self.status = Status(text, level)
        self.request_redraw()

    # ---- screens and focus ----------------------------------------------------------------------

    @property
    def screen(self) -> Screen:
        """The screen on show."""
        return self.screens[self.screen_index]

    @property
    def focused(self) -> PanelFrame | None:
        """The frame with the keyboard focus on the current screen."""
        frames = self.screen.frames
        return frames[self.screen.focus] if frames else None

    def show_screen(self, name_or_index: str | int) -> bool:
        """Switch screens by name or index."""
        for index, screen in enumerate(self.screens):
            if index == name_or_index or screen.spec.name == name_or_index:
                self._show(index)
                return True
        return False

    def _show(self, index: int) -> None:
        self.screen_index = index
        self._catch_up(self.screens[index].frames)
        self.request_redraw()

    def move_focus(self, step: int) -> None:
        """Give the focus to the next (or previous) panel on this screen."""
        screen = self.screen
        count = len(screen.frames)
        shown = [
            frame
            for offset in range(1, count + 1)
            if not (frame := screen.frames[(screen.focus + offset * step) % count]).hidden
        ]
        if shown:
            self.focus_frame(shown[0])

    def focus_frame(self, frame: PanelFrame) -> None:
        """Focus `frame` (clicked, or moved to) and show its screen."""
        for index, screen in enumerate(self.screens):
            if frame in screen.frames:
                for other in screen.frames:
                    other.focused = other is frame
                screen.focus = screen.frames.index(frame)
                self._show(index)

    def panels(self, type_name: str | None = None, plugin: str | None = None) -> list[Panel]:
        """Live panels, by type or by owning plugin."""
        found = []
        for screen in self.screens:
            for frame in screen.frames:
                if frame.panel is None:
                    continue
                owner = self.parts.panel_types.get(frame.type_name, ("",))[0]
                if (type_name is None or frame.type_name == type_name) and (
                    plugin is None or owner == plugin
                ):
                    self._catch_up([frame])  # an action acting on it must see current data
                    if frame.panel is not None:
                        found.append(frame.panel)
        return found

    def focus_panel(self, panel: Panel) -> bool:
        """Show and focus the frame holding `panel`."""
        for screen in self.screens:
            for frame in screen.frames:
                if frame.panel is panel:
                    self.focus_frame(frame)
                    return True
        return False
