"""Ready-made panels over the widget kit: a plugin usually subclasses one of these."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, Generic, TypeVar, cast

from deck._panels import Panel, PanelContext
from deck._sources import Result
from deck.widgets import Column, JsonView, LogLine, LogView, Table

__all__ = ["JsonPanel", "LogPanel", "TablePanel"]

Row = TypeVar("Row")


class TablePanel(Panel, Generic[Row]):
    """A sortable, filterable table fed by one source.

    Set `columns` and `sources`, and override `rows` to pick the rows out of a snapshot.
    The selected row is the panel's `selection`, so actions act on it. A panel whose table
    is a `Table` subclass passes it as `table` (then `columns` and the options are unused).
    """

    columns: Sequence[Column[Row]] = ()

    def __init__(
        self,
        ctx: PanelContext,
        *,
        row_id: Callable[[Row], Hashable] = id,
        children: Callable[[Row], Any] | None = None,
        expandable: Callable[[Row], bool] | None = None,
        empty: str = "no rows",
        table: Table[Row] | None = None,
    ) -> None:
        super().__init__(ctx)
        self.table: Table[Row] = (
            table
            if table is not None
            else Table(self.columns, row_id, children=children, expandable=expandable, empty=empty)
        )
        self.widget = self.table

    def rows(self, value: Any) -> Sequence[Row]:
        """The rows in a snapshot (default: the snapshot is the rows)."""
        return cast("Sequence[Row]", value)

    def update(self, result: Result[Any]) -> None:
        self.table.update(self.rows(result.value))

    @property
    def selection(self) -> Row | None:
        return self.table.selected

    @property
    def filterable(self) -> bool:
        return True

    def apply_filter(self, text: str) -> None:
        self.table.filter = text

    @property
    def filter_text(self) -> str:
        return self.table.filter

    @property
    def subtitle(self) -> str:
        """Shown in the border: rows shown of total, and the filter."""
        return self.table.summary


class LogPanel(Panel):
    """A log view fed by one source; override `lines` to turn a snapshot into log lines.

    With `append = True` each snapshot holds only new lines (declare the source with
    `Source(..., append=True)` so that none is lost); otherwise it is the whole tail.
    """

    append = False

    def __init__(self, ctx: PanelContext, *, maxlen: int = 5000, show_source: bool = False) -> None:
        super().__init__(ctx)
        self.log = LogView(maxlen, show_source=show_source)
        self.widget = self.log
        self._last: Any = None

    def lines(self, value: Any) -> Iterable[LogLine]:
        """The log lines in a snapshot (default: the snapshot is the lines)."""
        return cast("Iterable[LogLine]", value)

    def update(self, result: Result[Any]) -> None:
        if self.append:
            if result.error is None:  # a failed fetch re-delivers the lines already shown
                self.log.extend(self.lines(result.value))
        elif result.value is not self._last:
            self._last = result.value
            self.log.replace(self.lines(result.value))

    @property
    def filterable(self) -> bool:
        return True

    def apply_filter(self, text: str) -> None:
        self.log.filter = text
        self.log.search = text

    @property
    def filter_text(self) -> str:
        return self.log.filter

    def hints(self) -> Sequence[tuple[str, str]]:
        return (("End", "follow"),)

    @property
    def subtitle(self) -> str:
        state = "paused" if self.log.paused else "following" if self.log.follow else "scrolled"
        return f"{len(self.log)} lines · {self.log.level}+ · {state}"


class JsonPanel(Panel):
    """Any snapshot (or the part `value` picks) as foldable, coloured JSON."""

    def __init__(self, ctx: PanelContext, *, fold_depth: int | None = None) -> None:
        super().__init__(ctx)
        self.view = JsonView(None, fold_depth=fold_depth)
        self.view.show_cursor = True
        self.view.open_value = ctx.deck.show_text
        self.widget = self.view

    def value(self, snapshot: Any) -> Any:
        """The part of the snapshot to show (default: all of it)."""
        return snapshot

    def update(self, result: Result[Any]) -> None:
        self.view.value = self.value(result.value)
