"""The declared table: any declared source in the kit's table, with declared actions on its rows."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, Final

from deck import PanelContext, Result, TablePanel
from deck.plugins.declare.model import Snapshot, Threshold
from deck.plugins.declare.panels import (
    StatusPile,
    is_number,
    select_rows,
    series_label,
    show,
    status_markup,
    with_role,
)
from deck.plugins.declare.source import source_name
from deck.widgets import Cell, Column

__all__ = ["DeclaredRow", "DeclaredTable"]

#: Text columns whose values are all at most this wide get a fixed width instead of a share.
_SHORT_TEXT: Final = 14


class DeclaredRow:
    """A row as the table holds it: a stable identity and the row's fields (what actions get)."""

    __slots__ = ("fields", "id")

    def __init__(self, id: tuple[str, int], fields: Mapping[str, Any]) -> None:
        self.id = id
        self.fields = fields


def _width(cell: Cell) -> int:
    return len(cell) if isinstance(cell, str) else sum(len(str(segment[-1])) for segment in cell)


class DeclaredTable(TablePanel[DeclaredRow]):
    """Any declared source as the kit's table: sort, filter, Enter for a row's detail, declared actions."""

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx, row_id=lambda row: row.id, empty="no rows")
        self.sources = (source_name(ctx.options["source"]),)
        self._thresholds: Mapping[str, Threshold] = ctx.options.get("thresholds") or {}
        self._shown: tuple[str, ...] = ()
        self._numeric: set[str] = set()
        self._body = StatusPile(self.table)
        self.widget = self._body

    def update(self, result: Result[Snapshot]) -> None:
        snapshot = result.value
        assert snapshot is not None
        rows = self._rows(select_rows(snapshot, self.ctx.options))
        columns = tuple(self.ctx.options.get("columns") or snapshot.columns)
        numeric = self._numeric | {
            name for name in columns if any(is_number(r.fields.get(name)) for r in rows[:50])
        }
        if columns != self._shown or numeric != self._numeric:
            self._numeric = numeric
            self._rebuild(columns, rows)
        self.table.update(rows)
        self._body.say(status_markup(result))

    def _rows(self, rows: list[Mapping[str, Any]]) -> list[DeclaredRow]:
        key = self.ctx.options.get("key")
        seen: dict[Hashable, int] = {}
        result = []
        for fields in rows:
            base = (
                str(fields.get(key))
                if key
                else series_label(fields, None)
                if "metric" in fields
                else str(next(iter(fields.values()), ""))
            )
            seen[base] = seen.get(base, -1) + 1
            result.append(DeclaredRow((base, seen[base]), fields))
        return result

    def _rebuild(self, columns: tuple[str, ...], rows: list[DeclaredRow]) -> None:
        """New columns (the first snapshot, or the source's shape changed): a new table, same view."""
        old = self.table
        self.table = type(old)([self._column(name, rows) for name in columns], old.row_id, empty=old.empty)
        self.table.filter = old.filter
        sort = old.sort
        if sort is not None and sort[0] in columns:
            self.table.sort_by(sort[0], descending=sort[1])
        elif self._shown == () and self.ctx.options.get("sort") in columns:
            name = self.ctx.options["sort"]
            descending = self.ctx.options.get("descending")
            if descending is None:
                descending = any(is_number(r.fields.get(name)) for r in rows[:20])
            self.table.sort_by(name, descending=descending)
        self._shown = columns
        self._body.contents[0] = (self.table, self._body.options())
        self._body.focus_position = 0

    def _column(self, name: str, rows: list[DeclaredRow]) -> Column[DeclaredRow]:
        """Numbers and short text get a column as wide as they are; longer text shares the rest
        by its usual length (a command line gets more than a user name)."""
        render = with_role(self._thresholds.get(name))
        widths = [_width(show(row.fields.get(name))) for row in rows[:50]] or [0]
        if name in self._numeric:
            width = min(16, max(len(name), max(widths), 6) + 2)
            return Column(name, _field_of(name), render=render, width=width, align="right")
        if max(widths) <= _SHORT_TEXT:
            return Column(name, _field_of(name), render=render, width=max(len(name), max(widths)) + 2)
        usual = sum(widths) / len(widths)
        return Column(name, _field_of(name), render=render, weight=min(6.0, max(1.0, usual / 8)))

    @property
    def source(self) -> str:
        """The declared name of the source this table shows."""
        return str(self.ctx.options["source"])


def _field_of(name: str) -> Callable[[DeclaredRow], Any]:
    return lambda row: row.fields.get(name)
