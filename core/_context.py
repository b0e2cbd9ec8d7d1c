"""The handle plugins hold on the running deck: notify, refresh, ask, show, run in a thread."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from deck._contain import contained
from deck._errors import ActionError
from deck._sources import Result

if TYPE_CHECKING:
    from deck._actions import Action
    from deck._deck import Deck
    from deck._panels import Panel
    from deck.widgets import LogLine

__all__ = ["ActionContext", "Context", "Level"]

T = TypeVar("T")
Level = Literal["info", "ok", "warn", "error"]


class Context:
    """One plugin's view of the running deck; safe to keep for the deck's lifetime.

    Every method may be called from worker threads too (a plain deck_startup runs in one):
    what touches the screen is handed to the event loop.
    """

    def __init__(self, deck: Deck, plugin: str, config: Mapping[str, Any]) -> None:
        self._deck = deck
        self.plugin = plugin
        self.config = config
        self.log = logging.getLogger(f"deck.plugin.{plugin}")

    @property
    def layout_path(self) -> Path:
        """The layout file the deck was opened with (relative paths in config may start here)."""
        return Path(self._deck.layout.document.file)

    @property
    def read_only(self) -> bool:
        """True when the deck runs with --read-only (mutating actions are disabled)."""
        return self._deck.read_only

    def require_writable(self, what: str) -> None:
        """Raise ActionError under --read-only; call it before any write (a file, a backend) of `what`."""
        if self._deck.read_only:
            raise ActionError(f"read-only: {what} is not written (the deck runs with --read-only)")

    def use_theme(self, name: str) -> None:
        """Switch the whole deck to another theme now (raises ThemeError if there is none)."""
        self._deck.on_loop(self._deck.use_theme, name)

    def notify(self, message: str, level: Level = "info") -> None:
        """Show a timestamped message in the status line (and log it)."""
        self._deck.notify(message, level)

    def redraw(self) -> None:
        """Draw the screen soon: for panels whose cells change with time (ages, running durations)."""
        self._deck.request_redraw()

    def refresh(self, source: str | None = None) -> None:
        """Fetch a source now; with no name, every source of this plugin (safe from threads)."""
        if self._deck.call_soon(self.refresh, source):
            return
        names = [source] if source else self._deck.scheduler.names(self.plugin)
        for name in names:
            self._deck.scheduler.refresh(name)

    def retarget(self, source: str, **changes: Any) -> None:
        """Fetch a source again with some of its declared parameters changed (safe from threads).

        Raises ValueError for a parameter the source does not declare (from the loop thread).
        """
        if self._deck.call_soon(functools.partial(self.retarget, source, **changes)):
            return
        self._deck.scheduler.retarget(source, changes)

    def params(self, source: str) -> Mapping[str, Any]:
        """The parameters a source is fetched with now."""
        return self._deck.scheduler.params(source)

    def result(self, source: str) -> Result[Any]:
        """The latest result of any source."""
        return self._deck.scheduler.result(source)

    async def confirm(
        self,
        message: str,
        *,
        title: str = "Confirm",
        destructive: bool = False,
        ok: str = "OK",
        cancel: str = "Cancel",
    ) -> bool:
        """Ask a yes/no question in a dialog (red when destructive); True means go ahead."""
        return await self._deck.overlays.confirm(
            title, message, destructive=destructive, ok=ok, cancel=cancel
        )

    @property
    def theme_name(self) -> str:
        """The name of the theme on show (as its file says, e.g. "Neon Syndicate")."""
        return self._deck.theme.name

    @overload
    async def choose(self, title: str, options: Sequence[tuple[str, T]]) -> T | None: ...

    @overload
    async def choose(self, title: str, options: Sequence[T]) -> T | None: ...

    async def choose(self, title: str, options: Sequence[Any]) -> Any:
        """Let the operator pick one option; each is a value or a (label, value) pair.

        Returns the chosen value (typed as the options' values), or None when cancelled.
        """
        return await self._deck.overlays.choose(title, options)

    async def prompt(
        self,
        title: str,
        *,
        default: str = "",
        validate: Callable[[str], str | None] | None = None,
    ) -> str | None:
        """Ask for a line of text; `validate` returns an error message or None."""
        return await self._deck.overlays.prompt(title, default=default, validate=validate)

    def show_json(self, title: str, value: Any) -> None:
        """Open a foldable JSON viewer over the screen."""
        self._deck.on_loop(self._deck.overlays.json, title, value)

    def show_text(self, title: str, text: str) -> None:
        """Open a scrollable text viewer over the screen."""
        self._deck.on_loop(self._deck.overlays.text, title, text)

    def show_log(self, title: str) -> Callable[[Sequence[LogLine]], None]:
        """Open a log viewer over the screen and return a function that appends lines to it.

        Call the function on the event loop (an action streaming a command's output does);
        lines written after the operator closed the viewer are dropped.
        """
        return self._deck.on_loop(self._deck.overlays.log, title)

    async def run_blocking(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking code in this plugin's worker threads (its own bounded share) and await it."""
        loop = asyncio.get_running_loop()
        work = functools.partial(contained, function, *args, **kwargs)
        return await loop.run_in_executor(self._deck.pools(self.plugin), work)

    def spawn(self, coroutine: Coroutine[Any, Any, Any], name: str = "") -> asyncio.Task[Any] | None:
        """Run a background task for the deck's lifetime; its failure is logged, not fatal.

        Called before the deck has started (from a panel's `__init__`), the task starts with it.
        """
        return self._deck.spawn(coroutine, name or self.plugin)

    def show_screen(self, name: str) -> bool:
        """Switch to a screen by name; False if the layout has none by that name."""
        return self._deck.on_loop(self._deck.show_screen, name)

    def panels(self, type_name: str | None = None) -> list[Panel]:
        """The live panels of this plugin (or of one type), on every screen."""
        return self._deck.on_loop(self._deck.panels, type_name, None if type_name else self.plugin)

    def focus_panel(self, panel: Panel) -> bool:
        """Show the screen holding `panel` and give it the focus."""
        return self._deck.on_loop(self._deck.focus_panel, panel)


class ActionContext(Context):
    """The context an action handler gets: the plugin's context plus what was selected."""

    def __init__(self, base: Context, action: Action, panel: Panel | None) -> None:
        super().__init__(base._deck, base.plugin, base.config)
        self.action = action
        self.panel = panel
        # Taken once: a refresh while a dialog is open must not change what is acted on.
        self.selection: Any = panel.selection if panel is not None else None
