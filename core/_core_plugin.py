"""The deck's own actions and panels, contributed through the same hooks as any plugin."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import urwid

from deck._actions import GLOBAL, Action
from deck._hookspecs import hookimpl
from deck._overlays import Dialog, PaletteEntry
from deck._panels import Panel, PanelContext, PanelType
from deck._shell import key_label
from deck._sources import SourceStats
from deck.widgets import Column, Table

if TYPE_CHECKING:
    from deck._context import ActionContext
    from deck._deck import Deck

__all__ = ["CorePlugin"]

#: How long `r` waits for the fetch it asked for before saying it is still running.
_REFRESH_WAIT = 15.0


def _deck(ctx: ActionContext) -> Deck:
    return ctx._deck


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _state(state: str) -> Any:
    role = "good" if state == "ok" else "warn" if state in ("fetching", "waiting") else "bad"
    return [(role, state)]


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
            self.table.update(self.ctx.deck._deck.scheduler.stats())
            await asyncio.sleep(1)

    @property
    def subtitle(self) -> str:
        return self.table.summary


class _SourcesDialog(Dialog):
    def keypress(self, size: tuple[int, int], key: str) -> str | None:
        if key in ("q", "esc", "f2"):
            self.close(None)
            return None
        return self.body.keypress(size, key)


class _FilterDialog(Dialog):
    """A one-line filter at the bottom that narrows the focused panel as you type."""

    def __init__(self, panel: Panel, border: str) -> None:
        self.panel = panel
        self.previous = panel.filter_text
        self.edit = urwid.Edit(("key", "/"), self.previous)
        urwid.connect_signal(self.edit, "postchange", lambda *_: panel.apply_filter(self.edit.edit_text))
        super().__init__(
            panel.filter_prompt,
            urwid.AttrMap(self.edit, "input"),
            border=border,
            width=200,
            height=3,
        )
        self.align = ("left", "bottom")

    def keypress(self, size: tuple[int, int], key: str) -> str | None:
        if key == "enter":
            self.close(self.edit.edit_text)
            return None
        if key == "esc":
            self.panel.apply_filter(self.previous)
            self.close(None)
            return None
        return self.edit.keypress((size[0] - 2,), key)


def _entries(deck: Deck, actions: Sequence[Action], *, run: bool = True) -> list[PaletteEntry]:
    entries = []
    for action in actions:
        keys = deck.keymap.keys_for(action.id)
        enabled = deck.actions.enabled(action)
        label = action.title if enabled else f"{action.title} (disabled: read-only)"
        scopes = action.scopes
        scope = scopes[0] if len(scopes) == 1 else scopes[0].split(".")[0] + " panels"
        entries.append(
            PaletteEntry(
                label=label,
                key=", ".join(key_label(k) for k in keys),
                kind=scope,
                run=lambda a=action: deck.actions.run(a, deck.focused),
                enabled=enabled,
            )
        )
    return entries


def _visible_actions(deck: Deck, *, everything: bool) -> list[Action]:
    scopes = [GLOBAL]
    frame = deck.focused
    if frame is not None:
        scopes.insert(0, frame.type_name)
    if everything:
        for screen in deck.screens:
            scopes += [f.type_name for f in screen.frames if f.type_name not in scopes]
        scopes += [s for a in deck.keymap.actions.values() for s in a.scopes if s not in scopes]
    unique = {a.id: a for scope in scopes for a in deck.keymap.in_scope(scope)}
    return list(unique.values())


async def _help(ctx: ActionContext) -> None:
    deck = _deck(ctx)
    entries = _entries(deck, _visible_actions(deck, everything=True))
    entries += [
        PaletteEntry(f"Show screen {s.spec.name}", s.spec.key, "screen", run=lambda i=i: deck.show_screen(i))
        for i, s in enumerate(deck.screens)
    ]
    entries += [
        PaletteEntry(label, keys, "table", run=lambda: None)
        for label, keys in (
            ("Move the cursor", "↑↓ j k"),
            ("Page up / down", "PgUp PgDn"),
            ("First / last row", "g G Home End"),
            ("Sort by previous / next column", "< >"),
            ("Invert the sort", "I"),
            ("Expand / collapse a row", "Enter → ←"),
        )
    ]
    chosen = await deck.overlays.picker("Help: every action (Enter runs it)", entries, with_input=False)
    if chosen is not None:
        chosen.run()


async def _palette(ctx: ActionContext) -> None:
    deck = _deck(ctx)
    entries = [e for e in _entries(deck, _visible_actions(deck, everything=False)) if e.enabled]
    entries = [e for e in entries if e.label not in ("Command palette",)]
    entries += [
        PaletteEntry(f"Screen: {s.spec.name}", s.spec.key, "screen", run=lambda i=i: deck.show_screen(i))
        for i, s in enumerate(deck.screens)
    ]
    chosen = await deck.overlays.picker("Command palette", entries)
    if chosen is not None:
        chosen.run()


async def _filter(ctx: ActionContext) -> None:
    deck = _deck(ctx)
    panel = ctx.panel
    if panel is None or not panel.filterable:
        deck.notify("this panel has nothing to filter", "warn")
        return
    text = await deck.overlays.open(_FilterDialog(panel, deck.theme.border))
    if text:
        deck.notify(f"filter: {text}  (/ then Esc clears)", "info")


async def _sources(ctx: ActionContext) -> None:
    deck = _deck(ctx)
    table = stats_table()
    table.update(deck.scheduler.stats())
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
        table.update(deck.scheduler.stats())
        deck.request_redraw()


def _refresh(ctx: ActionContext) -> None:
    """Fetch the focused panel's sources now; say so, then say how it went (a failure in red)."""
    deck = _deck(ctx)
    frame = deck.focused
    names = list(frame.results) if frame is not None and frame.results else []
    names = names or [s for s in (getattr(ctx.panel, "sources", ()) or ())]
    if not names:
        deck.scheduler.refresh()
        ctx.notify("refreshing every source", "info")
        return
    ctx.notify(f"refreshing {', '.join(names)}…", "info")
    deck.spawn(_report_refresh(ctx, names), "refresh")


async def _report_refresh(ctx: ActionContext, names: list[str]) -> None:
    """Wait for the fetches `r` asked for; a failure is an error, never a success."""
    done = await _deck(ctx).scheduler.refreshed(names, _REFRESH_WAIT)
    failed = [r for r in done if r.error]
    if failed:
        others = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        ctx.notify(f"refresh failed: {failed[0].source}: {failed[0].error}{others}", "error")
    elif len(done) < len(names):
        ctx.notify(f"still refreshing after {_REFRESH_WAIT:g} s: {', '.join(names)}", "warn")
    else:
        ctx.notify(f"refreshed {', '.join(names)}", "ok")


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
            Action("deck.help", "Help", _help, keys=("?",)),
            Action("deck.palette", "Command palette", _palette, keys=(":",)),
            Action("deck.filter", "Filter", _filter, keys=("/",)),
            Action("deck.next_panel", "Next panel", lambda ctx: _deck(ctx).move_focus(1), keys=("tab",)),
            Action(
                "deck.prev_panel",
                "Previous panel",
                lambda ctx: _deck(ctx).move_focus(-1),
                keys=("shift tab",),
            ),
            Action("deck.next_screen", "Next screen", _screen_step(1), keys=("]",)),
            Action("deck.prev_screen", "Previous screen", _screen_step(-1), keys=("[",)),
            Action("deck.refresh", "Refresh this panel", _refresh, keys=("r",)),
            Action("deck.refresh_all", "Refresh everything", _refresh_all, keys=("ctrl r",)),
            Action("deck.sources", "Sources and their cost", _sources, keys=("f2",)),
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
        ]

    @hookimpl
    def deck_commands(self) -> list[Any]:
        """`deck new-plugin NAME`: start a plugin package."""
        from deck._scaffold import new_plugin_command

        return [new_plugin_command()]
