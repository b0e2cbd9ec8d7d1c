"""A virtualised table: cost per frame depends on the visible rows, never on the row count."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, NamedTuple, TypeVar, Union, cast

import urwid

from deck._contain import FAULTS
from deck.widgets._cells import icons
from deck.widgets._render import (
    Align,
    Cell,
    Line,
    Segment,
    as_segments,
    canvas,
    drop_cells,
    encode_line,
    fit,
    recolor,
)

__all__ = ["Column", "Renderer", "Table"]

log = logging.getLogger(__name__)

Row = TypeVar("Row")

#: Turns a column's raw value into a cell; one with a second required parameter also gets the width.
Renderer = Union[Callable[[Any], Cell], Callable[[Any, int], Cell]]  # noqa: UP007 (a runtime alias)


@dataclass(frozen=True)
class Column(Generic[Row]):
    """One table column.

    Args:
        title: the heading; also the name used in `/col:text` filters.
        value: the row's raw value for this column (sorting, filtering, default text).
        render: turns the raw value into a cell (text or role segments); default `str`. A
            renderer with a second required parameter also gets the column's width.
        width: a fixed width in cells; otherwise the column shares what is left by `weight`.
        sort_key: what to sort by, if not the raw value.
        priority: 0 keeps the column at every width; a table too narrow for all its columns
            (fixed widths and minimums) leaves out the highest priority first, so a narrow
            terminal shows fewer columns rather than every column cut short.
        live: the cell changes with time, not only with the row (an age, a running duration):
            `Table.refresh_live` draws these cells again and nothing else.
    """

    title: str
    value: Callable[[Row], Any]
    render: Renderer | None = None
    width: int | None = None
    weight: float = 1.0
    min_width: int = 4
    align: Align = "left"
    sortable: bool = True
    sort_key: Callable[[Any], Any] | None = None
    priority: int = 0
    live: bool = False
    _draw: Callable[[Any, int], Cell] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_draw", _with_width(self.render))

    def cell(self, row: Row, width: int = 0) -> Cell:
        """The rendered cell of `row`; renderers taking a second argument get the column width."""
        return self._draw(self.value(row), width)


def _plain(value: Any, width: int) -> Cell:
    """The default cell: the value as text, a dash for None."""
    return [("muted", "—")] if value is None else str(value)


def _with_width(render: Renderer | None) -> Callable[[Any, int], Cell]:
    """Every renderer as one taking (value, width): those that ask for the width get it."""
    if render is None:
        return _plain
    if _takes_width(render):
        return cast("Callable[[Any, int], Cell]", render)
    by_value = cast("Callable[[Any], Cell]", render)
    return lambda value, width: by_value(value)


def _takes_width(render: Callable[..., Cell]) -> bool:
    try:
        parameters = inspect.signature(render).parameters.values()
    except (TypeError, ValueError):
        return False
    # Only a required second parameter asks for the width: `relative_time(value, now=None)` does not.
    required = [
        p
        for p in parameters
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    return len(required) >= 2


#: How many (filter, sort) views a table keeps between updates: backspacing through a typed
#: word finds each earlier view ready.
_VIEWS_KEPT = 32


class _Drawn(NamedTuple):
    """A row as last drawn: the line, and each column's fitted cell (empty where left out)."""

    row: Any
    line: Line
    cells: tuple[list[Segment], ...]


class _Term(NamedTuple):
    """One word of a filter: a needle, in one column or any, that must (or must not) appear."""

    negate: bool
    column: int | None
    needle: str


def _implies(new: _Term, old: _Term) -> bool:
    """Whether every row `new` keeps, `old` keeps too."""
    if new.negate != old.negate or new.column != old.column:
        return False
    return new.needle in old.needle if new.negate else old.needle in new.needle


def _as_text(values: list[Any]) -> list[str]:
    """A column's values as text to search, None as nothing; at C speed when they are all one type."""
    kinds = set(map(type, values))
    if kinds == {str}:
        return values
    if type(None) not in kinds:
        return list(map(str, values))
    return [v if type(v) is str else "" if v is None else str(v) for v in values]


def _narrows(new: tuple[_Term, ...], old: tuple[_Term, ...]) -> bool:
    """Whether the new filter keeps only rows the old one kept (typing on, say)."""
    return all(any(_implies(term, before) for term in new) for before in old)


class Table(urwid.Widget, Generic[Row]):
    """Rows with a cursor, sorting, filtering and expandable children, drawn lazily.

    Args:
        columns: the columns, left to right.
        row_id: a stable identity for a row, so the selection survives refreshes.
        children: loads a row's child rows (a list, or an awaitable of one) when expanded.
        expandable: which rows can expand (default: all, when `children` is given).
        on_select: called with the row under the cursor whenever it changes.
        empty: the text shown when there are no rows.
    """

    _selectable = True
    _sizing = frozenset([urwid.BOX])

    def __init__(
        self,
        columns: Sequence[Column[Row]],
        row_id: Callable[[Row], Hashable] = id,
        *,
        children: Callable[[Row], Sequence[Row] | Any] | None = None,
        expandable: Callable[[Row], bool] | None = None,
        on_select: Callable[[Row | None], None] | None = None,
        empty: str = "no rows",
        header: bool = True,
    ) -> None:
        super().__init__()
        self.columns = list(columns)
        self.row_id = row_id
        self.children_loader = children
        self.expandable = expandable or (lambda row: children is not None)
        self.on_select = on_select
        self.empty = empty
        self.header = header
        self._rows: list[Row] = []
        self._view: list[int] = []
        self._flat: list[int | tuple[int, Row]] = []
        self._id_list: list[Hashable] | None = None
        self._cursor = 0
        self._top = 0
        self._selected_id: Hashable | None = None
        self._sort: tuple[int, bool] | None = None
        self._filter = ""
        self._value_cache: dict[int, list[Any]] = {}
        self._text_list: list[str] | None = None
        #: The rows shown for each (filter, sort) met since the last update, oldest first.
        self._views: dict[tuple[tuple[_Term, ...], tuple[int, bool] | None], list[int]] = {}
        self._expanded: set[Hashable] = set()
        self._children: dict[Hashable, list[Row]] = {}
        self._loading: set[Hashable] = set()
        self._pending: set[asyncio.Future[None]] = set()
        self._line_cache: dict[tuple[Hashable, int], _Drawn] = {}
        self._widths: tuple[int, ...] = ()
        self._width = -1
        self._height = 0
        self.focused = True
        self.shift = 0  # cells scrolled off to the left in the columns without a fixed width

    # ---- data -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._flat)

    @property
    def total(self) -> int:
        """How many top-level rows there are before filtering."""
        return len(self._rows)

    @property
    def all_rows(self) -> list[Row]:
        """The top-level rows as given (unsorted, unfiltered)."""
        return self._rows

    def update(self, rows: Sequence[Row]) -> None:
        """Replace the rows, keeping sort, filter, expansion and the selected row."""
        self._rows = list(rows)
        self._value_cache.clear()
        self._text_list = None
        self._views.clear()
        self._id_list = None
        known = set(self._ids()) if self._expanded or self._children else set()
        self._expanded &= known
        self._children = {k: v for k, v in self._children.items() if k in known}
        self._rebuild()

    @property
    def selected(self) -> Row | None:
        """The row under the cursor."""
        if not self._flat:
            return None
        row = self._entry(self._cursor)[0]
        return None if isinstance(row, _Placeholder) else row

    @property
    def selected_depth(self) -> int:
        """0 for a top-level row, 1 for a child row."""
        return self._entry(self._cursor)[1] if self._flat else 0

    @property
    def cursor(self) -> int:
        """The cursor's position among the visible rows."""
        return self._cursor

    @cursor.setter
    def cursor(self, position: int) -> None:
        self._move_to(position)

    def select(self, row_id: Hashable) -> bool:
        """Put the cursor on the row with this id; False if it is not shown."""
        index = self._position(row_id)
        if index is None:
            return False
        self._move_to(index)
        return True

    @property
    def visible_rows(self) -> list[Row]:
        """Every row currently shown, in display order (children included)."""
        rows = (self._entry(i)[0] for i in range(len(self._flat)))
        return [row for row in rows if not isinstance(row, _Placeholder)]

    # ---- sort and filter ----------------------------------------------------------------------

    @property
    def sort(self) -> tuple[str, bool] | None:
        """(column title, descending) of the current sort, or None for the given order."""
        if self._sort is None:
            return None
        return self.columns[self._sort[0]].title, self._sort[1]

    def sort_by(self, column: int | str | None, descending: bool = False) -> None:
        """Sort by a column (index or title); None restores the given order."""
        if column is None:
            self._sort = None
        else:
            index = column if isinstance(column, int) else self._column_index(column)
            self._sort = (index, descending)
        self._rebuild()

    def _column_index(self, title: str) -> int:
        for index, column in enumerate(self.columns):
            if column.title.lower() == title.lower():
                return index
        raise KeyError(f"no column {title!r}")

    @property
    def filter(self) -> str:
        """The filter text: words must all appear; "col:text" matches one column; "!" negates."""
        return self._filter

    @filter.setter
    def filter(self, text: str) -> None:
        self._filter = text.strip()
        self._rebuild()

    @property
    def summary(self) -> str:
        """A short "shown of total" line with the active sort and filter."""
        parts = [
            f"{len(self._view):,}"
            if len(self._view) == len(self._rows)
            else f"{len(self._view):,}/{len(self._rows):,}"
        ]
        if self._filter:
            parts.append(f"/{self._filter}")
        return " ".join(parts)

    def _values(self, index: int) -> list[Any]:
        """Raw values of one column for every row, computed once per update."""
        values = self._value_cache.get(index)
        if values is None:
            get = self.columns[index].value
            values = self._value_cache[index] = list(map(get, self._rows))
        return values

    def _texts(self) -> list[str]:
        """Lower-cased searchable text of every row, computed once per update."""
        if self._text_list is None:
            columns = [
                _as_text(self._values(index)) for index in range(len(self.columns)) if self._searchable(index)
            ]
            self._text_list = list(map(str.lower, map("\t".join, zip(*columns))))
        return self._text_list

    def _searchable(self, index: int) -> bool:
        """Free-text search covers what is shown as written: text, and whole numbers no renderer
        turns into something else (a pid, not a byte count shown as "84.3 MiB").

        The first value there is decides, so a measurement column is never read in full for it.
        """
        column = self.columns[index]
        values = self._value_cache.get(index)
        found = values if values is not None else map(column.value, self._rows)
        sample = next((v for v in found if v is not None), None)
        if isinstance(sample, bool):
            return False
        return isinstance(sample, str) or (isinstance(sample, int) and column.render is None)

    def _terms(self) -> tuple[_Term, ...]:
        """The filter's words: each negated or not, one column's ("col:text") or every column's."""
        titles = {c.title.lower(): i for i, c in enumerate(self.columns)}
        terms = []
        for word in self._filter.lower().split():
            negate = word.startswith("!")
            word = word[1:] if negate else word
            name, sep, needle = word.partition(":")
            if sep and name in titles:
                terms.append(_Term(negate, titles[name], needle))
            else:
                terms.append(_Term(negate, None, word))
        return tuple(terms)

    def _match(self, terms: tuple[_Term, ...], view: Sequence[int]) -> list[int]:
        """The rows of `view` every term keeps, in the order of `view`."""
        for term in terms:
            if term.column is not None:
                texts = list(map(str.lower, _as_text(self._values(term.column))))
            else:
                texts = self._texts()
            needle, negate = term.needle, term.negate
            view = [i for i in view if (needle in texts[i]) != negate]
        return list(view)

    def _sorted(self, view: list[int]) -> list[int]:
        if self._sort is None:
            return view
        index, descending = self._sort
        key = self.columns[index].sort_key
        values = self._values(index)
        if key is not None:
            values = [key(v) for v in values]
        nones: list[int] = []
        if None in values:
            nones = [i for i in view if values[i] is None]
            view = [i for i in view if values[i] is not None]
        try:
            view.sort(key=values.__getitem__, reverse=descending)
        except TypeError:  # mixed types: compare as text
            values = [_text(v).lower() for v in values]
            view.sort(key=values.__getitem__, reverse=descending)
        return view + nones

    def _rebuild(self) -> None:
        """The rows shown: a filter met before on these rows and this sort is not run again, and
        one that narrows an earlier filter (typing on) searches only that filter's sorted rows."""
        terms, order = self._terms(), self._sort
        view = self._views.get((terms, order))
        if view is None:
            narrowed = [v for (t, o), v in self._views.items() if o == order and _narrows(terms, t)]
            if narrowed:
                view = self._match(terms, min(narrowed, key=len))  # already in order
            else:
                view = self._sorted(self._match(terms, range(len(self._rows))))
            if len(self._views) >= _VIEWS_KEPT:
                del self._views[next(iter(self._views))]
            self._views[terms, order] = view
        self._view = view
        self._flatten()

    def _ids(self) -> list[Hashable]:
        """The id of every row, computed once per update."""
        if self._id_list is None:
            row_id = self.row_id
            self._id_list = [row_id(row) for row in self._rows]
        return self._id_list

    def _flatten(self) -> None:
        # Entries are row indices (top level) or (parent index, child row) pairs, so that
        # an unexpanded table needs no per-row work at all.
        if self._expanded:
            ids = self._ids()
            flat: list[int | tuple[int, Row]] = []
            for i in self._view:
                flat.append(i)
                if ids[i] in self._expanded:
                    flat.extend((i, child) for child in self._children.get(ids[i], ()))
            self._flat = flat
        else:
            self._flat = self._view  # type: ignore[assignment]
        self._restore_selection()
        self._invalidate()

    def _entry(self, position: int) -> tuple[Row, int, Hashable]:
        """(row, depth, key) of the row at a display position."""
        item = self._flat[position]
        if isinstance(item, int):
            row = self._rows[item]
            return row, 0, self.row_id(row)
        parent, child = item
        return child, 1, (self.row_id(self._rows[parent]), self._child_id(child))

    def _child_id(self, child: Row) -> Hashable:
        return child if isinstance(child, _Placeholder) else self.row_id(child)

    def _position(self, key: Hashable) -> int | None:
        """The display position of the row with this key, or None."""
        ids = self._ids()
        parent_key, child_key = (
            key if isinstance(key, tuple) and len(key) == 2 and key[0] in self._children else (key, None)
        )
        try:
            position = self._flat.index(ids.index(parent_key))
        except ValueError:
            return None
        if child_key is None:
            return position
        for offset, child in enumerate(self._children.get(parent_key, ()), start=1):
            if self._child_id(child) == child_key:
                return position + offset
        return position

    def _restore_selection(self) -> None:
        if self._selected_id is not None:
            position = self._position(self._selected_id)
            if position is None and isinstance(self._selected_id, tuple) and len(self._selected_id) == 2:
                position = self._position(self._selected_id[0])  # a child gone: its parent, not a stranger
            if position is not None:
                self._cursor = position
        self._cursor = max(0, min(self._cursor, len(self._flat) - 1))
        self._remember()

    def _remember(self) -> None:
        previous = self._selected_id
        self._selected_id = self._entry(self._cursor)[2] if self._flat else None
        if self._selected_id != previous and self.on_select is not None:
            self.on_select(self.selected)

    def refresh_lines(self) -> None:
        """Redraw every row on the next render (after a change the rows do not show, like a mark)."""
        self._line_cache.clear()
        self._invalidate()

    def refresh_live(self) -> bool:
        """Draw the `live` cells of the rows on show again; True when one changed, and only then
        does the table need a redraw (ages and running times change by themselves)."""
        live = [i for i, (c, w) in enumerate(zip(self.columns, self._widths)) if c.live and w]
        if not live:
            return False
        changed = False
        end = min(len(self._flat), self._top + self._body_height(self._height))
        for position in range(self._top, end):
            row, depth, key = self._entry(position)
            if isinstance(row, _Placeholder):
                continue
            drawn = self._line_cache.get((key, depth))
            if drawn is None or drawn.row is not row:
                changed = True  # not drawn since it changed: the next render draws it whole
                continue
            cells = list(drawn.cells)
            for index in live:
                cells[index] = self._cell(row, depth, key, index)
            if cells != list(drawn.cells):
                self._line_cache[(key, depth)] = _Drawn(row, self._joined(cells), tuple(cells))
                changed = True
        if changed:
            self._invalidate()
        return changed

    # ---- expansion ------------------------------------------------------------------------------

    def reload_children(self) -> None:
        """Load the children of every expanded row again (after a refresh of the parents)."""
        by_id = dict(zip(self._ids(), self._rows))
        for key in list(self._expanded):
            if key in by_id and key not in self._loading:
                self._load_children(by_id[key], key)
        self._flatten()

    def toggle(self) -> bool:
        """Expand or collapse the selected row; False if it cannot expand."""
        if not self._flat:
            return False
        row, depth, key = self._entry(self._cursor)
        if depth or self.children_loader is None or not self.expandable(row):
            return False
        if key in self._expanded:
            self._expanded.discard(key)
        else:
            self._expanded.add(key)
            self._load_children(row, key)
        self._line_cache.pop((key, 0), None)  # its ▸/▾ marker changed
        self._flatten()
        return True

    def _load_children(self, row: Row, key: Hashable) -> None:
        assert self.children_loader is not None
        try:
            result = self.children_loader(row)
        except FAULTS as exc:
            log.exception("loading children failed")
            self._children[key] = [_Placeholder(f"error: {type(exc).__name__}: {exc}")]  # type: ignore[list-item]
            return
        if not inspect.isawaitable(result):
            self._children[key] = list(result)
            return
        if not self._children.get(key):  # a reload keeps the rows on show (and the cursor on them)
            self._children[key] = [_Placeholder("loading…")]  # type: ignore[list-item]
        self._loading.add(key)

        async def wait() -> None:
            try:
                self._children[key] = list(await result)
            except FAULTS as exc:
                log.warning("loading children failed: %s", exc)
                self._children[key] = [_Placeholder(f"error: {type(exc).__name__}: {exc}")]  # type: ignore[list-item]
            finally:
                self._loading.discard(key)
                self._pending.discard(asyncio.current_task())
            self._flatten()

        self._pending.add(asyncio.ensure_future(wait()))

    # ---- cursor -------------------------------------------------------------------------------------

    def _move_to(self, position: int) -> None:
        if not self._flat:
            return
        self._cursor = max(0, min(position, len(self._flat) - 1))
        self._remember()
        self._invalidate()

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget
        """Cursor keys, vi keys, paging, `s`/`<`/`>`/`I` sorting, enter/space to expand."""
        page = max(1, self._body_height(size[1]) - 1)
        moves = {"up": -1, "k": -1, "down": 1, "j": 1, "page up": -page, "page down": page}
        if key in moves:
            self._move_to(self._cursor + moves[key])
        elif key in ("home", "g"):
            self._move_to(0)
        elif key in ("end", "G"):
            self._move_to(len(self._flat) - 1)
        elif key in ("right", "left") and self.children_loader is None:
            self._scroll_sideways(size[0] // 2 if key == "right" else -(size[0] // 2))
        elif key in ("enter", "right", "left", "+", "-"):
            return None if self._expand_key(key) else key
        elif key in ("<", ">", "s"):
            self._cycle_sort(-1 if key == "<" else 1)
        elif key == "I":
            if self._sort is not None:
                self.sort_by(self._sort[0], not self._sort[1])
        else:
            return key
        return None

    def _scroll_sideways(self, step: int) -> None:
        """Shift the text of the columns without a fixed width (where long values are cut)."""
        step = max(8, abs(step)) * (1 if step > 0 else -1)
        longest = max((len(t) for t in self._texts()), default=0)
        shift = max(0, min(self.shift + step, longest - abs(step)))
        if shift != self.shift:
            self.shift = shift
            self._line_cache.clear()
            self._invalidate()

    def _expand_key(self, key: str) -> bool:
        if not self._flat or self.children_loader is None:
            return False
        _, depth, row_key = self._entry(self._cursor)
        if depth:
            if key in ("left", "-"):
                parent = row_key[0]  # type: ignore[index]
                self.select(parent)
                return True
            return False
        expanded = row_key in self._expanded
        if (key in ("right", "+") and expanded) or (key in ("left", "-") and not expanded):
            return False
        return self.toggle()

    def _cycle_sort(self, step: int) -> None:
        sortable = [i for i, c in enumerate(self.columns) if c.sortable]
        if not sortable:
            return
        current = self._sort[0] if self._sort else None
        position = sortable.index(current) + step if current in sortable else 0
        column = sortable[position % len(sortable)]
        self.sort_by(column, self._sort[1] if self._sort else False)

    def mouse_event(
        self,
        size: tuple[int, int],  # type: ignore[override]  # a box widget
        event: str,
        button: int,
        col: int,
        row: int,
        focus: bool,
    ) -> bool:
        """Wheel scrolls, a click selects a row, a click on a heading sorts by it."""
        if event != "mouse press":
            return False
        if button in (4, 5):
            self._move_to(self._cursor + (3 if button == 5 else -3))
            return True
        if button != 1:
            return False
        if self.header and row == 0:
            x = 0
            for index, width in enumerate(self._widths):
                if not width:  # left out at this width
                    continue
                if x <= col < x + width + 1:
                    if self.columns[index].sortable:
                        same = self._sort and self._sort[0] == index
                        self.sort_by(index, not self._sort[1] if same else False)  # type: ignore[index]
                    break
                x += width + 1
            return True
        self._move_to(self._top + row - (1 if self.header else 0))
        return True

    # ---- drawing ------------------------------------------------------------------------------------

    def _body_height(self, rows: int) -> int:
        return max(0, rows - (1 if self.header else 0))

    def _layout(self, width: int) -> tuple[int, ...]:
        if width == self._width:
            return self._widths
        shown = self._shown(width)
        gaps = len(shown) - 1
        fixed = sum(self.columns[i].width or 0 for i in shown)
        flexible_at = [i for i in shown if not self.columns[i].width]
        room = max(0, width - gaps - fixed)
        weight = sum(self.columns[i].weight for i in flexible_at) or 1.0
        widths = [0] * len(self.columns)
        left = room
        for index in shown:
            column = self.columns[index]
            if column.width:
                widths[index] = column.width
            else:
                widths[index] = max(column.min_width, int(room * column.weight / weight))
                left -= widths[index]
        if flexible_at and left > 0:
            widths[flexible_at[-1]] += left
        while left < 0:
            # A column raised to its minimum takes the cells from the roomiest other column.
            spare = max(flexible_at, key=lambda i: widths[i] - self.columns[i].min_width, default=None)
            if spare is None or widths[spare] <= self.columns[spare].min_width:
                break
            widths[spare] -= 1
            left += 1
        self._widths, self._width = tuple(widths), width
        self._line_cache.clear()
        return self._widths

    def _shown(self, width: int) -> list[int]:
        """The columns drawn at `width`: those with a priority give way, highest first, until all fit."""
        shown = list(range(len(self.columns)))

        def needed() -> int:
            return sum(self.columns[i].width or self.columns[i].min_width for i in shown) + len(shown) - 1

        while needed() > width:
            droppable = [i for i in shown if self.columns[i].priority > 0]
            if not droppable:
                break
            # The highest priority goes first; of equal ones, the rightmost.
            shown.remove(max(droppable, key=lambda i: (self.columns[i].priority, i)))
        return shown

    def _header_line(self, width: int) -> Line:
        segments: list[Segment] = []
        for index, (column, w) in enumerate(zip(self.columns, self._widths)):
            if not w:  # left out at this width
                continue
            title = column.title
            if self._sort and self._sort[0] == index:
                title += " ▼" if self._sort[1] else " ▲"
            if segments:
                segments.append(("column_head", " "))
            segments += fit([("column_head", title)], w, column.align)
        return encode_line(fit(segments, width), "column_head")

    def _row_line(self, row: Row, depth: int, key: Hashable, width: int) -> Line:
        drawn = self._line_cache.get((key, depth))
        if drawn is not None and drawn.row is row:
            return drawn.line
        if isinstance(row, _Placeholder):
            drawn = _Drawn(row, encode_line(fit([("muted", "    " + row.text)], width)), ())
        else:
            cells = tuple(self._cell(row, depth, key, index) for index in range(len(self.columns)))
            drawn = _Drawn(row, self._joined(cells), cells)
        if len(self._line_cache) > 4096:
            self._line_cache.clear()
        self._line_cache[(key, depth)] = drawn
        return drawn.line

    def _cell(self, row: Row, depth: int, key: Hashable, index: int) -> list[Segment]:
        """One column's cell of a row, fitted to its width; the first column shown carries the
        row's ▸/▾ marker, and a column left out at this width is empty."""
        width = self._widths[index]
        if not width:
            return []
        column = self.columns[index]
        cell = as_segments(column.cell(row, width))
        if self.shift and not column.width:
            cell = drop_cells(cell, self.shift)
        if not any(self._widths[:index]):
            cell = self._marker(row, depth, key) + cell
        return fit(cell, width, column.align)

    def _joined(self, cells: Sequence[list[Segment]]) -> Line:
        """The line of a row from its fitted cells, a space between columns."""
        segments: list[Segment] = []
        for width, cell in zip(self._widths, cells):
            if not width:
                continue
            if segments:
                segments.append((None, " "))
            segments += cell
        return encode_line(fit(segments, self._width), "text")

    def _marker(self, row: Row, depth: int, key: Hashable) -> list[Segment]:
        if self.children_loader is None:
            return []
        if depth:
            return [("muted", "  └ ")]
        if not self.expandable(row):
            return [(None, "  ")]
        closed, opened = icons.expand
        return [("accent", (opened if key in self._expanded else closed) + " ")]

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]  # a box widget
        width, height = size
        self._height = height
        self._layout(width)
        body = self._body_height(height)
        lines: list[Line] = []
        if self.header and height:
            lines.append(self._header_line(width))
        if not self._flat:
            message = self.empty if not self._filter else f"nothing matches /{self._filter}"
            lines.append(encode_line(fit([("muted", message)], width, "center")))
            return canvas(lines, width, height, "text")
        if self._cursor < self._top:
            self._top = self._cursor
        elif self._cursor >= self._top + body:
            self._top = self._cursor - body + 1
        self._top = max(0, min(self._top, max(0, len(self._flat) - body)))
        highlight = "selected" if focus and self.focused else "selected_muted"
        for position in range(self._top, min(len(self._flat), self._top + body)):
            row, depth, key = self._entry(position)
            line = self._row_line(row, depth, key, width)
            lines.append(recolor(line, highlight) if position == self._cursor else line)
        return canvas(lines, width, height, "text")

    def rows_max(self, size: tuple[int] | None = None, focus: bool = False) -> int:
        return len(self._flat) + (1 if self.header else 0)


@dataclass(frozen=True)
class _Placeholder:
    text: str


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)
