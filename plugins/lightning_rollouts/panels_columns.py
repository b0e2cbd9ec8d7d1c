"""Tables that show the columns that fit, most important first, and the cells they share."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import urwid

from deck import Context, PanelContext, TablePanel
from deck.plugins.lightning_rollouts.model_display import (
    NOT_AVAILABLE,
    format_duration,
    format_local_time,
    format_relative,
    status_role,
)
from deck.widgets import Cell, Column, Table, icons

__all__ = [
    "AdaptivePanel",
    "AdaptiveTable",
    "Ranked",
    "duration_cell",
    "fit_columns",
    "maybe",
    "millis_time",
    "redraw_every_second",
    "relative",
    "retitled",
    "status_badge",
    "when",
]

Row = TypeVar("Row")


@dataclass(frozen=True)
class Ranked:
    """A column and its rank: 1 is shown first, higher ranks only when there is room."""

    column: Column[Any]
    rank: int


def fit_columns(ranked: Sequence[Ranked], width: int) -> list[Column[Any]]:
    """The columns that fit in `width` at their least width, best ranked first, in order."""
    chosen: set[int] = set()
    used = 0
    for index, item in sorted(enumerate(ranked), key=lambda pair: pair[1].rank):
        need = item.column.width or item.column.min_width
        extra = need + (1 if chosen else 0)
        if chosen and used + extra > width:
            continue
        chosen.add(index)
        used += extra
    return [item.column for index, item in enumerate(ranked) if index in chosen]


class AdaptiveTable(Table[Row]):
    """A Table whose columns follow its width: what does not fit is left out, not squeezed.

    A local sort survives a change of columns when its column is still shown.
    """

    def __init__(
        self,
        ranked: Sequence[Ranked],
        row_id: Callable[[Row], Hashable] = id,
        **options: Any,
    ) -> None:
        self.ranked = list(ranked)
        super().__init__([r.column for r in self.ranked], row_id, **options)
        self._fitted_width: int | None = None
        self._shown_titles = [r.column.title for r in self.ranked]

    @property
    def width(self) -> int | None:
        """The width the table was last drawn at (None before it was drawn)."""
        return self._fitted_width

    def decorate(self, column: Column[Any]) -> Column[Any]:
        """The column as drawn (subclasses mark headings); the default draws it as given."""
        return column

    def refit(self) -> None:
        """Choose the columns again at the last drawn width (after a heading changed)."""
        if self._fitted_width is not None:
            self._fit(self._fitted_width)

    def _fit(self, width: int) -> None:
        self._fitted_width = width
        shown = fit_columns(self.ranked, width)
        titles = [c.title for c in shown]
        drawn = [self.decorate(c) for c in shown]
        if [c.title for c in drawn] == [c.title for c in self.columns]:
            return
        same_columns = titles == self._shown_titles
        sort = self.sort
        self.columns = drawn
        self._shown_titles = titles
        if same_columns:  # only a heading changed
            self._invalidate()
            return
        # Cached values are per column position: dropping them is what update() does.
        self.update(self.all_rows)
        if sort is not None:
            title, descending = sort
            self.sort_by(title if title in [c.title for c in drawn] else None, descending)

    def toggle(self) -> bool:
        """Expand or collapse the selected row, redrawing its ▸/▾ marker at once."""
        toggled = super().toggle()
        if toggled:
            self.refresh_lines()  # the kit caches drawn rows without their expanded state
        return toggled

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]  # a box widget
        if size[0] != self._fitted_width:
            self._fit(size[0])
        return super().render(size, focus)


class AdaptivePanel(TablePanel[Row]):
    """A table panel over one AdaptiveTable."""

    table: AdaptiveTable[Row]

    def __init__(
        self,
        ctx: PanelContext,
        ranked: Sequence[Ranked],
        row_id: Callable[[Row], Hashable],
        **options: Any,
    ) -> None:
        super().__init__(ctx, table=AdaptiveTable(ranked, row_id, **options))


async def redraw_every_second(table: Table[Any], ctx: Context) -> None:
    """Ages ("12s ago") and running durations change by themselves: draw their cells again each
    second, on the second as the header clock is, so that one redraw shows both."""
    while True:
        await asyncio.sleep(1.0 - time.time() % 1.0)
        if table.refresh_live():
            ctx.redraw()


# ---- cells --------------------------------------------------------------------------------------


def maybe(render: Callable[[Any], Cell]) -> Callable[[Any], Cell]:
    """A renderer that draws None as a muted N/A and anything else with `render`."""

    def draw(value: Any) -> Cell:
        if value is None:
            return [("muted", NOT_AVAILABLE)]
        return render(value)

    return draw


def _na_muted(text: str) -> Cell:
    return [("muted", text)] if text == NOT_AVAILABLE else text


def when(value: float | None) -> Cell:
    """Unix seconds as local `YYYY-MM-DD HH:mm:ss`."""
    return _na_muted(format_local_time(value))


def relative(value: float | None) -> Cell:
    """Unix seconds as `1h 30m 15s ago`."""
    return _na_muted(format_relative(value))


def duration_cell(value: float | None) -> Cell:
    """Seconds as `1h 30m 15s`."""
    return _na_muted(format_duration(value))


def millis_time(value: float | None) -> Cell:
    """Unix seconds as local `HH:mm:ss.mmm`, for spans that last milliseconds."""
    text = format_local_time(value)
    if text == NOT_AVAILABLE or value is None:
        return [("muted", NOT_AVAILABLE)]
    return f"{text[11:]}.{int(value * 1000) % 1000:03d}"


def status_badge(text: str | None, roles: Callable[[str], str] = status_role) -> Cell:
    """A status with a coloured dot; `rollout - attempt` gets each part in its own colour."""
    if not text:
        return [("muted", NOT_AVAILABLE)]
    parts = text.split(" - ")
    segments: list[tuple[str | None, str]] = [(roles(parts[0]), f"{icons.dot} {parts[0]}")]
    for part in parts[1:]:
        segments += [("muted", " - "), (roles(part), part)]
    return segments


def retitled(column: Column[Any], title: str) -> Column[Any]:
    """The same column under another heading."""
    return dataclasses.replace(column, title=title)
