"""`/` and Esc on panels: one rule for filters, and a clear answer where there is nothing to filter.

Esc in the filter input cancels the edit (the filter goes back to what it was); Esc on a panel
with a filter clears it. `/` on a panel that cannot filter opens a box that says so and takes
the keys typed after it, so they never run commands on the panels behind it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import urwid

from deck._overlays import Dialog
from deck._panels import Panel

if TYPE_CHECKING:
    from deck._context import ActionContext
    from deck._deck import Deck

__all__ = ["FILTER_RULE", "FilterDialog", "NoFilterDialog", "clear_filter", "open_filter"]

#: The rule, as the filter input's title says it.
FILTER_RULE = "Enter keeps · Esc cancels the edit; on the panel, Esc clears"


class FilterDialog(Dialog):
    """A one-line filter at the bottom that narrows the focused panel as you type."""

    def __init__(self, panel: Panel, border: str) -> None:
        self.panel = panel
        self.previous = panel.filter_text
        self.edit = urwid.Edit(("key", "/"), self.previous)
        urwid.connect_signal(self.edit, "postchange", lambda *_: panel.apply_filter(self.edit.edit_text))
        super().__init__(
            f"{panel.filter_prompt} · {FILTER_RULE}",
            urwid.AttrMap(self.edit, "input"),
            border=border,
            width=200,
            height=3,
        )
        self.align = ("left", "bottom")

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget
        if key == "enter":
            self.close(self.edit.edit_text)
        elif key == "esc":
            self.panel.apply_filter(self.previous)
            self.close(None)
        else:
            self.edit.keypress((size[0] - 2,), key)
        return None


class NoFilterDialog(Dialog):
    """Says the focused panel cannot be filtered, and swallows what is typed until closed."""

    def __init__(self, title: str, border: str) -> None:
        text = urwid.Text(("muted", "typing here does nothing · Esc or Enter closes"))
        super().__init__(f"{title} cannot be filtered", text, border=border, width=200, height=3)
        self.align = ("left", "bottom")

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget
        if key in ("esc", "enter", "/"):
            self.close(None)
        return None


async def open_filter(ctx: ActionContext) -> None:
    """`/`: filter the focused panel, or say that it cannot be filtered."""
    deck: Deck = ctx._deck
    panel, frame = ctx.panel, deck.focused
    if panel is None or not panel.filterable:
        title = frame.title if frame is not None else "this screen"
        await deck.overlays.open(NoFilterDialog(title, deck.theme.border))
        return
    dialog = FilterDialog(panel, deck.theme.border)
    text = await deck.overlays.open(dialog)
    if text:
        deck.notify(f"filter /{text} on {frame.title if frame else 'this panel'} (Esc clears it)", "info")
    elif text == "" and dialog.previous:
        deck.notify(f"filter /{dialog.previous} cleared", "info")


def clear_filter(ctx: ActionContext) -> str | None:
    """Esc on a panel: clear its filter, if it has one."""
    panel = ctx.panel
    if panel is None or not panel.filterable or not panel.filter_text:
        return None
    text = panel.filter_text
    panel.apply_filter("")
    return f"filter /{text} cleared"
