"""A test plugin whose "remove" takes the grammar's refresh key, as dynamo-ctl's design does.

Its source fails while `failing` is set, so tests can watch a panel go stale and recover.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deck import (
    Action,
    ActionContext,
    LogPanel,
    Option,
    Panel,
    PanelContext,
    PanelType,
    Result,
    Source,
    TablePanel,
    hookimpl,
)
from deck.widgets import Column, KeyValue, LogLine

LONG_NOTE = "a long note " * 20 + "THE END"
ROWS = [
    {"name": "alpha", "note": "short"},
    {"name": "beta", "note": LONG_NOTE},
    {"name": "gamma", "note": "short"},
]


class ListPanel(TablePanel[dict[str, Any]]):
    """The rows in a kit table, one note too long for any column."""

    sources = ("clashing.rows",)
    columns = (Column("Name", lambda r: r["name"], width=10), Column("Note", lambda r: r["note"]))

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx, row_id=lambda r: r["name"])


class NotesPanel(LogPanel):
    """The notes as log lines."""

    sources = ("clashing.rows",)

    def lines(self, value: Any) -> list[LogLine]:
        return [LogLine(f"{row['name']}: {row['note']}", time=0.0) for row in value]


class CountPanel(Panel):
    """How many rows there are; nothing here can be filtered."""

    sources = ("clashing.rows",)

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx)
        self.view = KeyValue()
        self.widget = self.view

    def update(self, result: Result[Any]) -> None:
        self.view.pairs = [("rows", str(len(result.value)))]


def remove(ctx: ActionContext) -> str:
    return f"removed {ctx.selection['name']}"


class ClashingPlugin:
    """Three panels over one source, and one action bound to `r`."""

    def __init__(self) -> None:
        self.failing = False

    @hookimpl
    def deck_options(self) -> Mapping[str, Option]:
        return {"interval": Option(float, 60.0)}

    @hookimpl
    def deck_sources(self, config: Mapping[str, Any]) -> list[Source[Any]]:
        def fetch() -> list[dict[str, str]]:
            if self.failing:
                raise ConnectionError("the backend is offline")
            return ROWS

        return [Source("clashing.rows", fetch, interval=config["interval"])]

    @hookimpl
    def deck_panels(self) -> list[PanelType]:
        return [
            PanelType("clashing.list", ListPanel, title="List"),
            PanelType("clashing.notes", NotesPanel, title="Notes"),
            PanelType("clashing.count", CountPanel, title="Count"),
        ]

    @hookimpl
    def deck_actions(self) -> list[Action]:
        return [Action("clashing.remove", "Remove", remove, keys=("r",), scope="clashing.list")]


plugin = ClashingPlugin
