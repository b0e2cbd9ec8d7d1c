"""What every mesh view shares (the panels_* modules build on it): lazy syncing, narrow-screen columns,
following the newest row, export."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

import urwid

from deck import PanelContext, Result, TablePanel
from deck.widgets import Column

from .client import MeshClient
from .model import MeshSnapshot
from .panels_cells import plain
from .source import SOURCE

__all__ = ["NARROW_BELOW", "TINY_BELOW", "Exportable", "MeshTable", "SyncOnDraw", "Timed"]

Row = TypeVar("Row")
T = TypeVar("T")

#: Tables narrower than these (in cells) switch to their narrow, then their tiny columns.
NARROW_BELOW = 100
TINY_BELOW = 64


class Timed(Generic[T]):
    """A row plus the snapshot's clock, for columns that show ages; rebuilt once a second."""

    __slots__ = ("item", "now")

    def __init__(self, item: T, now: float) -> None:
        self.item = item
        self.now = now


class Exportable:
    """A view that `e` can write to a file: a name for the file, headings and plain-text rows."""

    export_name = "table"

    def export_rows(self) -> tuple[list[str], list[list[str]]]:
        raise NotImplementedError


class SyncOnDraw(urwid.WidgetWrap[Any]):
    """Brings a view up to date only when it is drawn, so panels on hidden screens cost nothing.

    Keys can arrive before the first draw after a screen switch, so they sync the view too.
    """

    no_cache = ("render",)

    def __init__(
        self,
        widget: urwid.Widget,
        sync: Callable[[], None],
        fit: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(widget)
        self._sync = sync
        self._fit = fit

    def _prepare(self, width: int) -> None:
        if self._fit is not None and width > 0:
            self._fit(width)
        self._sync()

    def render(self, size: tuple[int, ...], focus: bool = False) -> urwid.Canvas:
        self._prepare(size[0])
        return super().render(size, focus)

    def keypress(self, size: tuple[int, ...], key: str) -> str | None:
        self._prepare(size[0] if size else 0)
        return super().keypress(size, key)


class MeshTable(TablePanel[Row], Exportable):
    """A table over one section of the mesh snapshot.

    Subclasses give `columns` (and `narrow_columns` / `tiny_columns` for tables narrower than
    NARROW_BELOW / TINY_BELOW cells), `section` (the snapshot tuple the rows come from,
    compared with `is` to skip unchanged snapshots) and `rows`. With `ticking`, the rows are
    rebuilt once a second for ages. With `newest_first`, a cursor on the first row stays on
    the newest row.
    """

    sources = (SOURCE,)
    narrow_columns: Sequence[Column[Any]] | None = None
    tiny_columns: Sequence[Column[Any]] | None = None
    ticking = False
    newest_first = False

    def __init__(
        self,
        ctx: PanelContext,
        client: MeshClient,
        *,
        row_id: Any,
        empty: str = "no rows",
    ) -> None:
        super().__init__(ctx, row_id=row_id, empty=empty)
        self.client = client
        self.snapshot: MeshSnapshot | None = None
        self.frozen = False
        self._key: tuple[Any, ...] | None = None
        self._shown: Sequence[Column[Any]] = self.columns
        self.widget = SyncOnDraw(self.table, self.sync, self.fit_columns)

    # ---- what subclasses provide ------------------------------------------------------------------

    def section(self, snapshot: MeshSnapshot) -> Any:
        """The part of the snapshot the rows come from (an identical object means unchanged)."""
        raise NotImplementedError

    def extra_key(self) -> Hashable:
        """Anything besides the section that changes the rows (e.g. a followed selection)."""
        return None

    # ---- syncing ----------------------------------------------------------------------------------

    def update(self, result: Result[Any]) -> None:
        self.snapshot = result.value

    def sync(self) -> None:
        """Rebuild the rows if the section (or the second, for ages) changed since the last sync."""
        snapshot = self.snapshot
        if snapshot is None or self.frozen:
            return
        section = self.section(snapshot)
        tick = int(snapshot.now) if self.ticking else None
        extra = self.extra_key()
        key = self._key
        if key is not None and key[0] is section and key[1] == tick and key[2] == extra:
            return
        self._key = (section, tick, extra)
        following = self.newest_first and self.table.cursor == 0
        self.table.update(self.rows(snapshot))
        if following and self.table.cursor != 0:
            self.table.cursor = 0
        self.synced(snapshot)

    def synced(self, snapshot: MeshSnapshot) -> None:
        """Called after the rows were rebuilt (for summaries in the subtitle)."""

    @property
    def selection(self) -> Any:
        """The selected row (a table of timed rows gives the item in it)."""
        self.sync()
        return self.table.selected

    def hints(self) -> Sequence[tuple[str, str]]:
        return (("l", "Logs"), ("e", "Export"))

    # ---- narrow screens ---------------------------------------------------------------------------

    def columns_for(self, width: int) -> Sequence[Column[Any]]:
        """The column set that suits a table `width` cells wide."""
        chosen = self.columns
        if width < NARROW_BELOW and self.narrow_columns is not None:
            chosen = self.narrow_columns
        if width < TINY_BELOW and self.tiny_columns is not None:
            chosen = self.tiny_columns
        return chosen

    def fit_columns(self, width: int) -> None:
        """Switch to the columns that suit `width`, keeping sort, filter and selection."""
        chosen = self.columns_for(width)
        if chosen is self._shown:
            return
        self._shown = chosen
        table = self.table
        sort = table.sort
        table.sort_by(None)
        table.columns = list(chosen)
        table.update(table.all_rows)
        if sort is not None and any(c.title == sort[0] for c in table.columns):
            table.sort_by(sort[0], sort[1])

    # ---- export -----------------------------------------------------------------------------------

    def export_rows(self) -> tuple[list[str], list[list[str]]]:
        """The rows on show (filtered and sorted), in the wide columns, as plain text."""
        self.sync()
        columns = list(self.columns)
        return (
            [c.title for c in columns],
            [[plain(c.cell(row)) for c in columns] for row in self.table.visible_rows],
        )
