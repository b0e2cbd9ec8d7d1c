"""`r`: refresh the focused panel's sources and say how it went, failures included."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deck._context import ActionContext
    from deck._deck import Deck

__all__ = ["refresh_focused", "report_refresh"]


def refresh_focused(ctx: ActionContext) -> None:
    """Refresh the sources of the focused panel (every source when it has none).

    The status line says "refreshing" until the fetches end, then how they went: never a
    success mark before the data has actually arrived.
    """
    deck: Deck = ctx._deck
    frame = deck.focused
    names = list(frame.results) if frame is not None and frame.results else []
    names = names or [s for s in (getattr(ctx.panel, "sources", ()) or ()) if s in deck.scheduler]
    names = names or deck.scheduler.names()
    if not names:
        deck.notify("nothing to refresh: this layout has no sources", "info")
        return
    deck.notify(f"refreshing {', '.join(names)}…", "info")
    deck.spawn(report_refresh(deck, names), "refresh")


async def report_refresh(deck: Deck, names: Sequence[str]) -> None:
    """Wait for each source's next fetch, then put the outcome on the status line."""
    results = await asyncio.gather(*(deck.scheduler.refreshed(name) for name in names))
    failed = [r for r in results if r.error]
    if failed:
        deck.notify("refresh failed: " + "; ".join(f"{r.source}: {r.error}" for r in failed), "error")
    else:
        deck.notify(f"refreshed {', '.join(names)}", "ok")
