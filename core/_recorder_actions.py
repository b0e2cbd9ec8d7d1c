"""The flight recorder's keys: pause and scrub through the recorded past, then back to live."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from deck._actions import Action
from deck._recorder import REPLAY_SCOPE, Recorder

if TYPE_CHECKING:
    from deck._context import ActionContext

__all__ = ["recorder_actions"]


def _on(use: Callable[[Recorder], object]) -> Callable[[ActionContext], None]:
    def handler(ctx: ActionContext) -> None:
        use(ctx._deck.recorder)

    return handler


def _toggle(recorder: Recorder) -> None:
    if recorder.rewound and not recorder.replaying:
        recorder.live()
    else:
        recorder.pause()


def recorder_actions() -> list[Action]:
    """z pauses (freezes), { } move a minute; while rewound [ ] step and Esc goes back to live."""
    return [
        Action("deck.rec_pause", "Pause live view (rewind) / back to live", _on(_toggle), keys=("z",)),
        Action("deck.rec_minute_back", "Rewind a minute", _on(lambda r: r.shift(-60)), keys=("{",)),
        Action(
            "deck.rec_minute_on", "Forward a minute (past now: live)", _on(lambda r: r.shift(60)), keys=("}",)
        ),
        Action(
            "deck.rec_step_back",
            "Step back",
            _on(lambda r: r.step(-1)),
            keys=("[",),
            scope=REPLAY_SCOPE,
        ),
        Action(
            "deck.rec_step_on",
            "Step on",
            _on(lambda r: r.step(1)),
            keys=("]",),
            scope=REPLAY_SCOPE,
        ),
        Action(
            "deck.rec_live",
            "Live",
            _on(lambda r: r.live()),
            keys=("esc",),
            scope=REPLAY_SCOPE,
        ),
    ]
