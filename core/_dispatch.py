"""Action dispatch: confirm, run the handler (now, awaited or in a thread) and say how it went."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from deck._actions import Action
from deck._assemble import CORE_PLUGIN
from deck._contain import contained, timed
from deck._context import ActionContext
from deck._errors import ActionError
from deck._frame import PanelFrame

if TYPE_CHECKING:
    from deck._deck import Deck

__all__ = ["ActionRunner"]

log = logging.getLogger(__name__)


class ActionRunner:
    """Runs actions for the deck and reports their outcome in the status line."""

    def __init__(self, deck: Deck) -> None:
        self._deck = deck

    def enabled(self, action: Action) -> bool:
        """False for mutating or destructive actions in --read-only, and all but navigation rewound."""
        if (action.mutating or action.destructive) and self._deck.read_only:
            return False
        return self._deck.recorder.allows(action)

    def run(self, action: Action, frame: PanelFrame | None = None) -> asyncio.Task[Any] | None:
        """Run an action's handler in the background, with its confirmation first."""
        deck = self._deck
        if not self.enabled(action):
            why = "while rewound (Esc: live)" if deck.recorder.rewound else "in read-only mode"
            deck.notify(f"{action.title}: disabled {why}", "warn")
            return None
        owner = next((o for o, a in deck.parts.actions if a is action), CORE_PLUGIN)
        if owner in deck.parts.problems and owner != CORE_PLUGIN:
            deck.notify(f"{action.title}: plugin {owner!r} is not working", "error")
            return None
        panel = frame.panel if frame is not None else None
        ctx = ActionContext(deck.contexts.get(owner) or deck.contexts[CORE_PLUGIN], action, panel)
        if action.confirm is None and not action.blocking and not inspect.iscoroutinefunction(action.handler):
            # Plain handlers run now, so keys typed in a burst act in the order they were typed.
            try:
                result = contained(action.handler, ctx)
            except Exception as exc:
                self._report(action, error=exc)
                return None
            if inspect.isawaitable(result):
                return deck.keys.hold(
                    deck.spawn(self._execute(action, ctx, started=result), f"action {action.id}")
                )
            self._report(action, result)
            return None
        return deck.keys.hold(deck.spawn(self._execute(action, ctx), f"action {action.id}"))

    async def _execute(
        self, action: Action, ctx: ActionContext, started: Awaitable[Any] | None = None
    ) -> None:
        name = f"action {action.id}"
        try:
            if started is not None:
                result = await timed(started, name, self._deck.stalled)
            else:
                question = contained(action.confirm, ctx) if callable(action.confirm) else action.confirm
                if question and not await ctx.confirm(
                    question, title=action.title, destructive=action.destructive
                ):
                    self._deck.notify(f"{action.title}: cancelled", "info")
                    return
                if action.blocking:
                    result = await ctx.run_blocking(action.handler, ctx)
                else:
                    result = contained(action.handler, ctx)
                    if inspect.isawaitable(result):
                        result = await timed(result, name, self._deck.stalled)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._report(action, error=exc)
        else:
            self._report(action, result)

    def _report(self, action: Action, result: Any = None, *, error: Exception | None = None) -> None:
        """Say how an action went: a returned string is success, an ActionError its message."""
        deck = self._deck
        if isinstance(error, ActionError):
            log.warning("action %s: %s", action.id, error)
            deck.notify(f"{action.title}: {error.message}", "error")
        elif error is not None:
            log.error("action %s failed", action.id, exc_info=error)
            deck.notify(f"{action.title} failed: {type(error).__name__}: {error}", "error")
        elif isinstance(result, str) and result:
            deck.notify(result, "ok")
        deck.request_redraw()
