"""Help (`?`): every key by scope, scrolling; the palette (`:`): every action, screen and panel."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from deck._actions import GLOBAL, Action
from deck._grammar import moved_keys
from deck._overlays import Dialog, PaletteEntry
from deck._recorder import REPLAY_SCOPE
from deck._shell import key_label
from deck.widgets import Column, Table
from deck.widgets._render import text_width

if TYPE_CHECKING:
    from deck._context import ActionContext
    from deck._deck import Deck
    from deck._frame import PanelFrame

__all__ = ["HelpDialog", "help_rows", "palette_entries", "show_help", "show_palette"]

HELP_TITLE = "Help: every action by scope · ↑↓ PgUp PgDn scroll · Esc closes"

#: Keys every kit table and log understands, whatever the plugin.
WIDGET_KEYS = (
    ("↑ ↓ j k", "Move the cursor"),
    ("PgUp PgDn", "Page up / down"),
    ("Home End g G", "First / last row"),
    ("Enter", "Open the selected row or line whole (or expand it)"),
    ("s < >", "Sort by the next / previous column"),
    ("I", "Invert the sort"),
    ("→ ← + -", "Expand / collapse a row"),
    ("→ ←", "Scroll long values sideways (logs; tables without expanding rows)"),
    ("Esc", "Clear the panel's filter"),
)


@dataclass(frozen=True)
class HelpRow:
    """One line of help: a section heading, or a key with what it does."""

    key: str
    label: str
    run: Callable[[], Any] | None = None
    heading: bool = False
    enabled: bool = True


def _keys(deck: Deck, action: Action) -> str:
    return " ".join(key_label(k) for k in deck.keymap.keys_for(action.id)) or "(no key)"


def _frames(deck: Deck) -> Iterator[tuple[int, PanelFrame]]:
    for index, screen in enumerate(deck.screens):
        for frame in screen.frames:
            yield index, frame


def _jump(deck: Deck, action: Action, frame: PanelFrame | None) -> Callable[[], Any]:
    """Focus the panel an action needs (switching screens), then run it."""

    def run() -> Any:
        if frame is not None and frame is not deck.focused and frame.panel is not None:
            deck.focus_panel(frame.panel)
        return deck.actions.run(action, frame if frame is not None else deck.focused)

    return run


def _show_frame(deck: Deck, frame: PanelFrame, screen: int) -> None:
    if frame.panel is None or not deck.focus_panel(frame.panel):
        deck.show_screen(screen)


def _first_frame(deck: Deck, scope: str) -> tuple[int, PanelFrame] | None:
    focused = deck.focused
    if focused is not None and focused.type_name == scope:
        return deck.screen_index, focused
    return next(((i, f) for i, f in _frames(deck) if f.type_name == scope and f.panel), None)


def help_rows(deck: Deck) -> list[HelpRow]:
    """Every key of this deck, grouped by scope: this panel, global, other panels, screens, widgets."""
    rows: list[HelpRow] = []
    focused = deck.focused
    moved = moved_keys(deck.keymap)

    def section(title: str, actions: list[Action], frame: PanelFrame | None) -> None:
        if not actions:
            return
        rows.append(HelpRow("", title, heading=True))
        for action in actions:
            label = action.title
            if action.id in moved:
                label += f" (moved from {key_label(moved[action.id][0])})"
            if not deck.actions.enabled(action):
                label += " (disabled: rewound)" if deck.recorder.rewound else " (disabled: read-only)"
            rows.append(
                HelpRow(
                    _keys(deck, action),
                    label,
                    _jump(deck, action, frame),
                    enabled=deck.actions.enabled(action),
                )
            )

    if focused is not None:
        section(f"This panel: {focused.title}", deck.keymap.in_scope(focused.type_name), focused)
    section("Everywhere", deck.keymap.in_scope(GLOBAL), None)
    section("While rewound (REPLAY)", deck.keymap.in_scope(REPLAY_SCOPE), None)
    seen = {GLOBAL, focused.type_name if focused is not None else ""}
    for index, frame in _frames(deck):
        if frame.type_name in seen:
            continue
        seen.add(frame.type_name)
        where = f"On {frame.title} (screen {deck.screens[index].spec.name})"
        section(where, deck.keymap.in_scope(frame.type_name), frame)
    rows.append(HelpRow("", "Screens", heading=True))
    rows += [
        HelpRow(s.spec.key, s.spec.name, partial(deck.show_screen, i)) for i, s in enumerate(deck.screens)
    ]
    rows.append(HelpRow("", "In every table and log", heading=True))
    rows += [HelpRow(key, label) for key, label in WIDGET_KEYS]
    return rows


def _render_label(row: HelpRow) -> Any:
    if row.heading:
        return [("title", row.label)]
    return row.label if row.enabled else [("muted", row.label)]


class HelpDialog(Dialog):
    """The keys by scope in a scrolling table; Enter runs the selected action."""

    def __init__(self, rows: list[HelpRow], border: str) -> None:
        key_width = min(16, max((text_width(r.key) for r in rows), default=4))
        label_width = max((text_width(r.label) for r in rows), default=20)
        self.table: Table[HelpRow] = Table(
            [
                Column("Key", lambda r: r.key, width=key_width, render=lambda v: [("key", v)]),
                Column("", lambda r: r, render=_render_label),
            ],
            row_id=id,  # the same key and title may appear under several panels
            header=False,
        )
        self.table.update(rows)
        width = max(text_width(HELP_TITLE) + 4, key_width + label_width + 4)
        super().__init__(HELP_TITLE, self.table, border=border, width=width, height=len(rows) + 2)

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget
        if key in ("esc", "q", "?"):
            self.close(None)
        elif key == "enter":
            row = self.table.selected
            if row is not None and row.run is not None:
                self.close(row)
        else:
            self.table.keypress((size[0] - 2, size[1] - 2), key)
        return None


async def show_help(ctx: ActionContext) -> None:
    """`?`: the keys by scope; Enter runs the chosen one."""
    deck: Deck = ctx._deck
    chosen = await deck.overlays.open(HelpDialog(help_rows(deck), deck.theme.border))
    if chosen is not None and chosen.run is not None:
        chosen.run()


def palette_entries(deck: Deck) -> list[PaletteEntry]:
    """Every enabled action of every reachable scope, every screen and every panel."""
    entries: list[PaletteEntry] = []
    for action in deck.keymap.actions.values():
        if action.id == "deck.palette" or not deck.actions.enabled(action):
            continue
        keys = ", ".join(key_label(k) for k in deck.keymap.keys_for(action.id))
        for scope in action.scopes:
            if scope == GLOBAL:
                entries.append(PaletteEntry(action.title, keys, "everywhere", _jump(deck, action, None)))
                continue
            found = _first_frame(deck, scope)
            if found is None:
                continue  # no panel of this type on the layout: nowhere to run it
            index, frame = found
            name = deck.screens[index].spec.name
            where = name if frame.title == name else f"{frame.title} · {name}"
            entries.append(PaletteEntry(action.title, keys, where, _jump(deck, action, frame)))
    for index, screen in enumerate(deck.screens):
        entries.append(
            PaletteEntry(
                f"Screen: {screen.spec.name}", screen.spec.key, "screen", partial(deck.show_screen, index)
            )
        )
    for index, frame in _frames(deck):
        entries.append(
            PaletteEntry(
                f"Panel: {frame.title}",
                "",
                deck.screens[index].spec.name,
                partial(_show_frame, deck, frame, index),
            )
        )
    return entries


async def show_palette(ctx: ActionContext) -> None:
    """`:`: search every action, screen and panel; Enter goes there."""
    deck: Deck = ctx._deck
    chosen = await deck.overlays.picker(
        "Command palette · type to search · Enter goes there", palette_entries(deck)
    )
    if chosen is not None:
        chosen.run()
