"""The Rollouts screen: the design's table, paged, sorted and filtered over the whole list.

Sorting, filtering, searching and paging all go through a RolloutQuery: on the client when
the whole list is loaded (each key is a lookup in the RolloutIndex), else as a server page.
The table's own sort keys (< > I, a click on a heading) are routed into the query too, so
they order every rollout, never only the rows on show.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from deck import Panel, PanelContext, Result
from deck.plugins.lightning_rollouts.model_query import RolloutPage, RolloutQuery
from deck.plugins.lightning_rollouts.panels_columns import AdaptiveTable, redraw_every_second, retitled
from deck.plugins.lightning_rollouts.panels_rollout_rows import (
    RANKED,
    SORT_COLUMNS,
    RolloutRow,
    default_descending,
    describe_filters,
    plain_title,
)
from deck.plugins.lightning_rollouts.panels_v1 import HistoryView
from deck.plugins.lightning_rollouts.source import (
    ROLLOUTS,
    HistorySnapshot,
    LightningConnection,
    RolloutsSnapshot,
)
from deck.plugins.lightning_rollouts.source_loading import SERVER_SORT_FIELDS, server_query
from deck.widgets import Column

__all__ = ["RolloutTable", "RolloutsPanel"]


class RolloutTable(AdaptiveTable[RolloutRow]):
    """The rollout table; its `I` key and heading clicks ask for a new query instead of
    sorting the rows on show (`<` and `>` page: the plugin's actions take them first)."""

    def __init__(self, on_sort: Callable[[str | None, bool | None], None], **options: Any) -> None:
        super().__init__(RANKED, lambda row: row.key, **options)
        self.on_sort = on_sort
        self.sorted: tuple[str, bool] | None = None

    def decorate(self, column: Column[Any]) -> Column[Any]:
        if self.sorted is None or SORT_COLUMNS.get(column.title) != self.sorted[0]:
            return column
        arrow, title, room = "▼" if self.sorted[1] else "▲", column.title, column.width
        if room is None or len(title) + 2 <= room:
            return retitled(column, f"{title} {arrow}")
        return retitled(column, title[: room - 1] + arrow)  # a narrow column keeps its arrow

    def mark_sort(self, sort: str, descending: bool) -> None:
        """Show the query's sort in the headings."""
        if self.sorted != (sort, descending):
            self.sorted = (sort, descending)
            self.refit()

    def sort_by(self, column: int | str | None, descending: bool = False) -> None:
        """Ask for the whole list sorted by a column (a heading click lands here)."""
        if column is None:
            self.on_sort(None, None)
            return
        title = self.columns[column].title if isinstance(column, int) else column
        self.on_sort(plain_title(title), None)

    def keypress(self, size: tuple[int, int], key: str) -> str | None:  # type: ignore[override]  # a box widget
        if key == "I":
            self.on_sort(None, True)
            return None
        return super().keypress(size, key)


class RolloutsPanel(Panel):
    """Every rollout, newest first, a page at a time; retried rollouts open into attempts."""

    sources = (ROLLOUTS,)

    def __init__(self, ctx: PanelContext, connection: LightningConnection) -> None:
        super().__init__(ctx)
        self.connection = connection
        self.table = RolloutTable(
            self._sort_asked,
            children=self._attempt_rows,
            expandable=lambda row: row.expandable,
            empty="no rollouts",
        )
        self.widget = self.table
        self.snapshot: RolloutsSnapshot | None = None
        self.page: RolloutPage | None = None
        self.loading = False
        self.stale = False
        self.frozen_at: float | None = None
        self._ignored: tuple[str, ...] = ()
        ctx.deck.spawn(redraw_every_second(self.table, ctx.deck), "lightning rollouts clock")
        # A 1.x server's rollouts come from the deck's history and have a table of their own.
        self.history = HistoryView()
        #: What the operator asked to see (the source is retargeted when the server must page).
        self.query: RolloutQuery = ctx.deck.params(ROLLOUTS)["query"]
        self.backend = "0.3.0"
        ctx.deck.spawn(redraw_every_second(self.history.table, ctx.deck), "lightning history clock")

    # ---- data --------------------------------------------------------------------------------

    def update(self, result: Result[RolloutsSnapshot | HistorySnapshot]) -> None:
        snapshot = result.value
        self.stale = result.stale
        self.frozen_at = result.fetched_at if result.stale else None
        if isinstance(snapshot, HistorySnapshot):
            if snapshot.url == self.connection.url:
                self.backend, self.widget = "1.x", self.history.table
                self.history.show(snapshot.summary, self.frozen_at)
            return
        if snapshot is None:
            return
        self.backend, self.widget = "0.3.0", self.table
        if snapshot.url != self.connection.url:  # from the backend used before a URL change
            self.snapshot, self.page = None, None
            self.table.empty = f"waiting for {self.connection.url}…"
            self.table.update(())
            return
        if snapshot.view.index is None and snapshot.query != self.query and result.error is None:
            self.loading = True  # the list is now server paged: fetch the view asked for here
            self.ctx.deck.retarget(ROLLOUTS, query=self.query)
        fresh = snapshot is not self.snapshot
        self.snapshot = snapshot
        self._show()
        if fresh:
            self.table.reload_children()

    def set_query(self, query: RolloutQuery) -> None:
        """Show another page, order or filter: at once from the whole list, else by
        retargeting the source (a page it fetched ahead comes back at once)."""
        self.query = query
        if self.snapshot is not None and self.snapshot.view.index is not None:
            self._show()
            return
        self.loading = True
        self.table.mark_sort(query.sort, query.descending)  # shown at once, the rows follow
        self.ctx.deck.retarget(ROLLOUTS, query=query)

    def _show(self) -> None:
        snapshot = self.snapshot
        assert snapshot is not None
        query = self.query
        view = snapshot.view
        if view.index is not None:
            page = view.index.query(query)
            ignored: tuple[str, ...] = ()
            current = True
        else:
            page, ignored = view.page, view.ignored
            current = snapshot.query == query
        if current:
            self.loading = False
            if page.page != query.page:  # past the last page: the last page
                self.query = dataclasses.replace(query, page=page.page)
        self.page = page
        self.table.empty = "no rollouts match" if page.matching < page.total else "no rollouts yet"
        self.table.update([RolloutRow(r, r.attempt, frozen_at=self.frozen_at) for r in page.rows])
        self.table.mark_sort(query.sort, query.descending)
        if ignored != self._ignored:
            self._ignored = ignored
            if ignored:
                self.ctx.deck.notify(f"{self.refusal('apply')}: {', '.join(ignored)}", "warn")

    def _attempt_rows(self, row: RolloutRow) -> Any:
        async def load() -> list[RolloutRow]:
            attempts = await self.ctx.deck.run_blocking(self.connection.attempts, row.rollout.rollout_id)
            frozen = self.frozen_at
            return [RolloutRow(row.rollout, attempt, nested=True, frozen_at=frozen) for attempt in attempts]

        return load()

    # ---- keys ---------------------------------------------------------------------------------

    def sort_columns(self) -> dict[str, str]:
        """Heading -> sort key of the columns that can order every rollout now."""
        if not self.server_paged:
            return SORT_COLUMNS
        return {title: key for title, key in SORT_COLUMNS.items() if key in SERVER_SORT_FIELDS}

    def _sort_asked(self, title: str | None, descending: bool | None) -> None:
        """From the table: (None, True) inverts, (None, None) resets, (title, None) is a heading
        click (again on the sorted column inverts)."""
        query = self.query
        if title is None:
            if descending:
                self.sort(query.sort, not query.descending)
            else:
                self.sort("start", True)
        elif title in SORT_COLUMNS:
            sort = SORT_COLUMNS[title]
            self.sort(sort, not query.descending if sort == query.sort else None)

    @property
    def server_paged(self) -> bool:
        """True when the list is too long to hold here and each view is a server page."""
        return self.snapshot is not None and self.snapshot.view.server_paged

    def refusal(self, what: str) -> str:
        """Why `what` (a sort or filter the server cannot do) is not offered right now."""
        limit = self.connection.config.client_side_limit
        return f"over {limit:,} rollouts the server pages the list and cannot {what}"

    def sort(self, sort: str, descending: bool | None = None) -> None:
        """Order every rollout by a RolloutQuery column (None: its natural direction); a column
        the server cannot sort by is refused while it pages, never claimed."""
        if self.server_paged and sort not in SERVER_SORT_FIELDS:
            self.ctx.deck.notify(self.refusal(f"sort by {sort}"), "warn")
            return
        if descending is None:
            descending = default_descending(sort)
        self.set_query(dataclasses.replace(self.query, sort=sort, descending=descending, page=0))

    def move_page(self, step: int) -> bool:
        """Go `step` pages on; False when there is no such page."""
        page = self.page
        target = self.query.page + step
        if page is None or not 0 <= target < page.page_count:
            return False
        self.set_query(dataclasses.replace(self.query, page=target))
        return True

    # ---- panel API ----------------------------------------------------------------------------

    @property
    def selection(self) -> Any:
        if self.backend == "1.x":
            return self.history.table.selected
        return self.table.selected

    @property
    def filterable(self) -> bool:
        return True

    def apply_filter(self, text: str) -> None:
        """`/` searches rollout ids over the whole list (1.x: any column of the history)."""
        if self.backend == "1.x":
            self.history.table.filter = text
            return
        search = text.strip()
        if search != self.query.search:
            self.set_query(dataclasses.replace(self.query, search=search, page=0))

    @property
    def filter_text(self) -> str:
        return self.history.table.filter if self.backend == "1.x" else self.query.search

    @property
    def subtitle(self) -> str:
        if self.backend == "1.x":
            return self.history.subtitle
        page = self.page
        if page is None:
            return "loading…" if self.loading else ""
        of = f" of {page.total:,}" if page.matching != page.total else ""
        short = f"page {page.page + 1}/{page.page_count} · {page.matching:,}{of} rollouts"
        if self.stale:  # the border needs the room to say so
            return short
        parts = [f"page {page.page + 1}/{page.page_count}", f"{page.page_size} per page"]
        if page.matching == page.total:
            parts.append(f"{page.total:,} rollouts")
        else:
            parts.append(f"{page.matching:,} of {page.total:,} rollouts")
        applied, ignored = server_query(self.query) if self.server_paged else (self.query, ())
        parts += describe_filters(applied)
        if self.server_paged:
            parts.append("server paged")
        if ignored:  # asked for while the list was short: say it is not applied
            parts.append(f"not applied: {', '.join(ignored)}")
        if self.loading:
            parts.append("loading…")
        text = " · ".join(parts)
        room = (self.table.width or 200) - len(self.title) - 10
        if len(text) <= room:
            return text
        # A narrow border drops the whole subtitle rather than cut it: say less instead.
        return " · ".join([short, *(["loading…"] if self.loading else [])])

    def hints(self) -> Sequence[tuple[str, str] | str]:
        if self.backend == "1.x":
            return (("Enter", "events"), ("F", "follow"))
        return (("→", "attempts"),)
