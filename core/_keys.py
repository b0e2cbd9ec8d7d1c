"""Key dispatch: a key goes to the open dialog, the focused panel's action, the panel, a global action
or a screen, in that order; keys typed right after an action wait for its dialog."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from deck._actions import GLOBAL
from deck._recorder import REPLAY_SCOPE

if TYPE_CHECKING:
    from deck._deck import Deck

__all__ = ["KEY_HOLD", "KeyRouter"]

KEY_HOLD = 0.3


class KeyRouter:
    """Routes the deck's keys; owns the keys held back while an action opens its dialog."""

    def __init__(self, deck: Deck) -> None:
        self._deck = deck
        self._holding: asyncio.Task[Any] | None = None
        self._held: list[tuple[tuple[int, int], str]] = []

    def handle(self, size: tuple[int, int], key: str) -> bool:
        """Route a key: dialog, panel action, panel widget, global action, screen key."""
        deck = self._deck
        if self._holding is not None:
            self._held.append((size, key))
            return True
        dialog = deck.overlays.top
        if dialog is not None:
            dialog.keypress(size, key)
            deck.request_redraw()
            return True
        frame = deck.focused
        replay = deck.keymap.lookup(REPLAY_SCOPE, key) if deck.recorder.rewound else None
        if replay is not None:
            deck.actions.run(replay, frame)
            return True
        if frame is not None:
            action = deck.keymap.lookup(frame.type_name, key)
            if action is not None:
                deck.actions.run(action, frame)
                return True
            if frame.keypress(frame.body_size, key) is None:
                deck.request_redraw()
                return True
        action = deck.keymap.lookup(GLOBAL, key)
        if action is not None:
            deck.actions.run(action, frame)
            return True
        for index, screen in enumerate(deck.screens):
            if screen.spec.key == key:
                deck.show_screen(index)
                return True
        return False

    def hold(self, task: asyncio.Task[Any] | None) -> asyncio.Task[Any] | None:
        """Keys typed right after an action wait until its dialog opens (or it ends, or 0.3 s pass).

        Without this, "/abc" typed in one burst would reach the panel before the filter opens.
        """
        loop = self._deck.loop
        if task is None or loop is None:
            return task
        self._holding = task
        task.add_done_callback(lambda _: self.release(task))
        loop.call_later(KEY_HOLD, self.release, task)
        return task

    def release(self, task: asyncio.Task[Any] | None = None) -> None:
        """Deliver the keys held for an action, in order (called when its dialog opens)."""
        if self._holding is None or (task is not None and task is not self._holding):
            return
        self._holding = None
        held, self._held = self._held, []
        for index, (size, key) in enumerate(held):
            self.handle(size, key)
            if self._holding is not None:  # a held key started another action: keep the rest
                self._held[:0] = held[index + 1 :]
                return
