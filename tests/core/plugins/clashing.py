"""A test plugin whose "remove" takes the grammar's refresh key, as dynamo-ctl's design does."""

from __future__ import annotations

from typing import Any

from deck import Action, ActionContext, Panel, PanelContext, PanelType, hookimpl
from deck.widgets import Column, Table


class ListPanel(Panel):
    """Three rows in a kit table, one of them too long for any column."""

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx)
        self.table: Table[dict[str, Any]] = Table(
            [Column("Name", lambda r: r["name"], width=10), Column("Note", lambda r: r["note"])],
            row_id=lambda r: r["name"],
        )
        self.table.update(
            [
                {"name": "alpha", "note": "short"},
                {"name": "beta", "note": "a long note " * 20 + "THE END"},
                {"name": "gamma", "note": "short"},
            ]
        )
        self.widget = self.table

    @property
    def selection(self) -> Any:
        return self.table.selected


def remove(ctx: ActionContext) -> str:
    return f"removed {ctx.selection['name']}"


class ClashingPlugin:
    """One panel and one action bound to `r`."""

    @hookimpl
    def deck_panels(self) -> list[PanelType]:
        return [PanelType("clashing.list", ListPanel, title="List")]

    @hookimpl
    def deck_actions(self) -> list[Action]:
        return [Action("clashing.remove", "Remove", remove, keys=("r",), scope="clashing.list")]


plugin = ClashingPlugin
