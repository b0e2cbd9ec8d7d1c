"""What every lightning action shares: panel type names, and client calls made readable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from deck import ActionContext, ActionError
from deck.plugins.lightning_rollouts.client_errors import LightningError, NotFoundError
from deck.plugins.lightning_rollouts.panels import SettingsPanel

__all__ = [
    "GATEWAY_PANEL",
    "RESOURCES_PANEL",
    "ROLLOUTS_PANEL",
    "RUNNERS_PANEL",
    "SETTINGS_PANEL",
    "SPANS_PANEL",
    "TRACE_PANELS",
    "WATERFALL_PANEL",
    "Handler",
    "blocking",
    "failure",
    "redraw_settings",
]

ROLLOUTS_PANEL = "lightning.rollouts"
SPANS_PANEL = "lightning.spans"
WATERFALL_PANEL = "lightning.waterfall"
RUNNERS_PANEL = "lightning.runners"
RESOURCES_PANEL = "lightning.resources"
SETTINGS_PANEL = "lightning.settings"
GATEWAY_PANEL = "lightning.gateway"
TRACE_PANELS = (SPANS_PANEL, WATERFALL_PANEL)

T = TypeVar("T")

Handler = Callable[[ActionContext], Any]


def failure(exc: LightningError) -> ActionError:
    """A client error as the operator reads it in the status line."""
    return ActionError(exc.message)


async def blocking(
    ctx: ActionContext, function: Callable[..., T], *args: Any, missing: str | None = None
) -> T:
    """Run a client call in a worker thread; a failure becomes an operator-readable error
    (`missing` is the message for an id the store does not know)."""
    try:
        return await ctx.run_blocking(function, *args)
    except NotFoundError:
        if missing is None:
            raise
        raise ActionError(missing) from None
    except LightningError as exc:
        raise failure(exc) from None


def redraw_settings(ctx: ActionContext) -> None:
    """Show the settings as they now are."""
    for panel in ctx.panels(SETTINGS_PANEL):
        if isinstance(panel, SettingsPanel):
            panel.redraw()
