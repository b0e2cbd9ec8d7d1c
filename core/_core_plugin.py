"""The deck's own actions and panels, contributed through the same hooks as any plugin."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from deck._actions import Action
from deck._alerts_panel import alerts_actions, alerts_panel_type
from deck._detail import open_detail
from deck._filtering import clear_filter, open_filter
from deck._help import show_help, show_palette
from deck._hookspecs import hookimpl
from deck._overlays import Dialog
from deck._panels import Panel, PanelContext, PanelType
from deck._recorder_actions import recorder_actions
from deck._refreshing import refresh_focused
from deck._sources import SourceStats
from deck.widgets import Column, Table

if TYPE_CHECKING:
    from deck._context import ActionContext
    from deck._deck import Deck

__all__ = ["CorePlugin"]

#: How long `r` waits for the fetch it asked for before saying it is still running.


def _deck(ctx: ActionContext) -> Deck:
    return ctx._deck


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _state(state: str) -> Any:
    role = "good" if state == "ok" else "warn" if state in ("fetching", "waiting") else "bad"
    return [(role, state)]


def _stall(value: float | None) -> Any:
    # The longest time this source's async code held the loop (everyone's screen froze).
    return "—" if value is None else [("bad", f"{value:.0f}")]


def _every(interval: float | None) -> str:
    return "once" if interval is None else f"{interval:g}s"


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}s"


def stats_table() -> Table[SourceStats]:
    """A table of what every source costs: the self-cost view."""
    return Table(
        [
            Column("Source", lambda s: s.name, weight=3, min_width=16),
            Column("State", lambda s: s.state, width=20, render=_state),
            Column("Stall ms", lambda s: s.stall_ms, width=9, align="right", render=_stall),
            Column("Runs", lambda s: s.runs, width=6, align="right"),
            Column("Fails", lambda s: s.failures, width=6, align="right"),
            Column("Last ms", lambda s: s.last_ms, width=8, align="right", render=_ms),
            Column("Mean ms", lambda s: s.mean_ms, width=8, align="right", render=_ms),
            Column("Max ms", lambda s: s.max_ms, width=8, align="right", render=_ms),
            Column("Every", lambda s: s.interval, width=6, align="right", render=_every),
            Column("Next", lambda s: s.next_in, width=6, align="right", render=_seconds),
            Column("Last error", lambda s: s.last_error, weight=2),
        ],
        row_id=lambda s: s.name,
        empty="this layout has no sources",
    )


class SourcesPanel(Panel):
    """The self-cost view as a panel, refreshed once a second."""

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx)
        self.table = stats_table()
        self.widget = self.table
        ctx.deck.spawn(self._refresh(), "sources view")

    async def _refresh(self) -> None:
        while True:
            self.table.update(self.ctx.deck._deck.costs())
            await asyncio.sleep(1)

    @property
    def subtitle(self) -> str:
        return self.table.summary


class _SourcesDialog(Dialog):
    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget
        if key in ("q", "esc", "f2"):
            self.close(None)
            return None
        return self.body.keypress(size, key)


async def _sources(ctx: ActionContext) -> None:
    deck = _deck(ctx)
    table = stats_table()
    table.update(deck.costs())
    dialog = _SourcesDialog(
        "Sources: what each one costs (f2/Esc closes)",
        table,
        border=deck.theme.border,
        width=160,
        height=min(30, len(table) + 3),
    )
    closed = deck.overlays.open(dialog)
    while not closed.done():
        await asyncio.wait([closed], timeout=1)
        table.update(deck.costs())
        deck.request_redraw()


def _refresh_all(ctx: ActionContext) -> str:
    _deck(ctx).scheduler.refresh()
    return "refreshing every source"


def _screen_step(step: int) -> Any:
    def handler(ctx: ActionContext) -> None:
        deck = _deck(ctx)
        deck.show_screen((deck.screen_index + step) % len(deck.screens))

    return handler


class CorePlugin:
    """Quit, help, palette, filter, focus, refresh, and the self-cost view."""

    @hookimpl
    def deck_actions(self) -> list[Action]:
        return [
            Action("deck.quit", "Quit", lambda ctx: _deck(ctx).quit(), keys=("q",)),
            Action("deck.help", "Help", show_help, keys=("?",)),
            Action("deck.palette", "Command palette", show_palette, keys=(":",)),
            Action("deck.filter", "Filter", open_filter, keys=("/",)),
            Action("deck.back", "Clear the filter", clear_filter, keys=("esc",)),
            Action("deck.detail", "Open the selected row whole", open_detail, keys=("enter",)),
            Action("deck.next_panel", "Next panel", lambda ctx: _deck(ctx).move_focus(1), keys=("tab",)),
            Action(
                "deck.prev_panel",
                "Previous panel",
                lambda ctx: _deck(ctx).move_focus(-1),
                keys=("shift tab",),
            ),
            Action("deck.next_screen", "Next screen", _screen_step(1), keys=("]",)),
            Action("deck.prev_screen", "Previous screen", _screen_step(-1), keys=("[",)),
            Action("deck.refresh", "Refresh this panel", refresh_focused, keys=("r",)),
            Action("deck.refresh_all", "Refresh everything", _refresh_all, keys=("ctrl r",)),
            Action("deck.sources", "Sources and their cost", _sources, keys=("f2",)),
            *recorder_actions(),
            *alerts_actions(),
        ]

    @hookimpl
    def deck_panels(self) -> list[PanelType]:
        return [
            PanelType(
                "deck.sources",
                SourcesPanel,
                description="every source's state and cost",
                title="Sources",
            ),
            alerts_panel_type(),
        ]

    @hookimpl
    def deck_commands(self) -> list[Any]:
        """`deck new-plugin NAME`: start a plugin package."""
        from deck._scaffold import new_plugin_command

        return [new_plugin_command()]
