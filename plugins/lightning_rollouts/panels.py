"""The Resources, Runners and Settings screens (Rollouts and Traces have their own modules)."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from deck import Panel, PanelContext, Result
from deck.plugins.lightning_rollouts.model import ResourceSnapshot, Worker, mask_secrets
from deck.plugins.lightning_rollouts.model_display import format_duration, input_preview
from deck.plugins.lightning_rollouts.panels_columns import (
    AdaptivePanel,
    Ranked,
    maybe,
    redraw_every_second,
    relative,
    status_badge,
    when,
)
from deck.plugins.lightning_rollouts.panels_rollouts import RolloutsPanel
from deck.plugins.lightning_rollouts.panels_traces import SpansPanel, WaterfallPanel
from deck.plugins.lightning_rollouts.source import (
    HEALTH,
    RESOURCES,
    ROLLOUTS,
    STATISTICS,
    WORKERS,
    LightningConnection,
    ResourcesSnapshot,
    StoreSnapshot,
    Unsupported,
    WorkersSnapshot,
)
from deck.plugins.lightning_rollouts.source_settings import auto_refresh_text
from deck.widgets import Cell, Column, KeyValue

__all__ = [
    "ResourceRow",
    "ResourcesPanel",
    "RolloutsPanel",
    "RunnersPanel",
    "SettingsPanel",
    "SpansPanel",
    "WaterfallPanel",
    "connection_markup",
    "describe_resource",
]

WORKER_ROLES = {"busy": "good", "idle": "info", "unknown": "warn"}
# What tells resources apart, shown before their other fields.
_FIRST_FIELDS = ("model", "engine", "template", "endpoint")


def connection_markup(result: Result[Any], refreshing: bool, now: float | None = None) -> Any:
    """The header's Online / Offline / Refreshing (blinking, as the design asks)."""
    if result.error is not None:
        return [("bad", "● Offline")]
    if refreshing:
        bright = int(time.time() if now is None else now) % 2 == 0
        return [("info" if bright else "muted", "◌ Refreshing")]
    if not result.has_value:
        return [("muted", "○ Connecting")]
    if result.value is not None and not result.value.ok:
        return [("warn", "● Unhealthy")]
    backend = getattr(result.value, "backend", None)
    return [("good", f"● Online {backend}" if backend else "● Online")]


def _show_unsupported(table: Any, snapshot: Unsupported) -> None:
    """Show in one line that the server cannot fill this page (1.x has no resources...)."""
    table.empty = snapshot.message
    table.update(())


# ---- resources ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResourceRow:
    """A resource snapshot, or (with `name`) one named resource inside it."""

    snapshot: ResourceSnapshot
    latest: bool
    name: str | None = None

    @property
    def key(self) -> str:
        return self.name if self.name is not None else self.snapshot.resources_id

    @property
    def entry(self) -> Any:
        """The named resource's definition (for a child row)."""
        return self.snapshot.resources.get(self.name) if self.name is not None else None


def describe_resource(entry: Any) -> str:
    """A resource's fields in a line: `model=… endpoint=…` (its type is shown apart)."""
    if not isinstance(entry, Mapping):
        return input_preview(entry, 200)
    entry = mask_secrets(entry)
    parts = []
    first = [k for k in _FIRST_FIELDS if k in entry]
    for key in [*first, *(k for k in entry if k not in _FIRST_FIELDS)]:
        value = entry[key]
        if key == "resource_type" or value is None:
            continue
        text = value if isinstance(value, str) else input_preview(value, 60)
        parts.append(f"{key}={text}")
    return "  ".join(parts)


def _contents(row: ResourceRow) -> Cell:
    if row.name is None:
        return ", ".join(row.snapshot.resources) or [("muted", "empty")]
    entry = row.entry
    kind = entry.get("resource_type") if isinstance(entry, Mapping) else None
    return [("accent", f"{kind or 'resource'}  "), (None, describe_resource(entry))]


def _top(get: Any) -> Any:
    """A column value only snapshot rows have."""
    return lambda row: get(row.snapshot) if row.name is None else None


class ResourcesPanel(AdaptivePanel[ResourceRow]):
    """Resource snapshots, latest first; each opens into its named resources."""

    sources = (RESOURCES,)

    def __init__(self, ctx: PanelContext, connection: LightningConnection) -> None:
        super().__init__(
            ctx,
            resource_columns(),
            lambda row: row.key,
            children=self._children,
            expandable=lambda row: row.name is None and bool(row.snapshot.resources),
            empty="no resource snapshots yet",
        )
        self.connection = connection
        self.latest_id: str | None = None

    def update(self, result: Result[ResourcesSnapshot | Unsupported]) -> None:
        snapshot = result.value
        if isinstance(snapshot, Unsupported):
            _show_unsupported(self.table, snapshot)
            return
        if snapshot is None or snapshot.url != self.connection.url:
            self.table.update(())
            return
        self.latest_id = snapshot.latest_id
        items = sorted(snapshot.items, key=lambda s: -(s.update_time or s.create_time or 0.0))
        self.table.update([ResourceRow(s, s.resources_id == snapshot.latest_id) for s in items])
        self.table.reload_children()

    @staticmethod
    def _children(row: ResourceRow) -> list[ResourceRow]:
        return [ResourceRow(row.snapshot, row.latest, name) for name in row.snapshot.resources]

    @property
    def subtitle(self) -> str:
        count = self.table.total
        latest = f" · latest {self.latest_id}" if self.latest_id else ""
        return f"{count:,} snapshot{'s' if count != 1 else ''}{latest}"


def _blank_or(render: Any) -> Any:
    def draw(value: Any) -> Cell:
        return "" if value is None else render(value)

    return draw


def resource_columns() -> tuple[Ranked, ...]:
    """The Resources table's columns (child rows leave the snapshot's own columns blank)."""
    return (
        Ranked(Column("Resources ID", lambda r: r.key, width=20), 1),
        Ranked(
            Column(
                "Latest",
                lambda r: "latest" if r.latest and r.name is None else None,
                render=lambda v: [("accent", "★ latest")] if v else "",
                width=8,
            ),
            2,
        ),
        Ranked(
            Column("Version", _top(lambda s: s.version), width=7, align="right", render=_blank_or(str)), 3
        ),
        Ranked(Column("Created", _top(lambda s: s.create_time), render=_blank_or(when), width=19), 6),
        Ranked(Column("Updated", _top(lambda s: s.update_time), render=_blank_or(when), width=19), 4),
        Ranked(
            Column("Count", _top(lambda s: len(s.resources)), width=5, align="right", render=_blank_or(str)),
            5,
        ),
        Ranked(Column("Resources", lambda r: r, render=_contents, weight=1, min_width=40, sortable=False), 3),
    )


# ---- runners ----------------------------------------------------------------------------------------


def _stats(value: Any) -> Cell:
    if not value:
        return [("muted", "—")]
    masked = mask_secrets(value)
    return "  ".join(f"{k}={v if isinstance(v, str) else input_preview(v, 20)}" for k, v in masked.items())


RUNNER_COLUMNS = (
    Ranked(Column("Worker", lambda w: w.worker_id, width=14), 1),
    Ranked(Column("Status", lambda w: w.status, render=lambda v: status_badge(v, _worker_role), width=10), 2),
    Ranked(Column("Rollout", lambda w: w.current_rollout_id, render=maybe(str), width=15), 3),
    Ranked(Column("Attempt", lambda w: w.current_attempt_id, render=maybe(str), width=11), 6),
    Ranked(Column("Heartbeat", lambda w: w.last_heartbeat_time, render=relative, width=14, live=True), 4),
    Ranked(Column("Last busy", lambda w: w.last_busy_time, render=relative, width=14, live=True), 7),
    Ranked(Column("Last idle", lambda w: w.last_idle_time, render=relative, width=14, live=True), 8),
    Ranked(Column("Last dequeue", lambda w: w.last_dequeue_time, render=relative, width=14, live=True), 5),
    Ranked(
        Column("Stats", lambda w: w.heartbeat_stats, render=_stats, weight=1, min_width=12, sortable=False), 9
    ),
)


def _worker_role(status: str) -> str:
    return WORKER_ROLES.get(status, "text")


class RunnersPanel(AdaptivePanel[Worker]):
    """Every runner the store has seen: what it runs now and when it was last heard from."""

    sources = (WORKERS,)

    def __init__(self, ctx: PanelContext, connection: LightningConnection) -> None:
        super().__init__(ctx, RUNNER_COLUMNS, lambda w: w.worker_id, empty="no runners have connected yet")
        self.connection = connection
        self.table.sort_by("Worker")
        ctx.deck.spawn(redraw_every_second(self.table, ctx.deck), "lightning runners clock")

    def update(self, result: Result[WorkersSnapshot | Unsupported]) -> None:
        snapshot = result.value
        if isinstance(snapshot, Unsupported):
            _show_unsupported(self.table, snapshot)
            return
        if snapshot is None or snapshot.url != self.connection.url:
            self.table.update(())
            return
        self.table.update(snapshot.workers)

    @property
    def subtitle(self) -> str:
        workers = self.table.all_rows
        busy = sum(1 for w in workers if w.status == "busy")
        return f"{len(workers)} runners · {busy} busy"


# ---- settings ---------------------------------------------------------------------------------------


def _uptime(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "N/A"
    return format_duration(float(int(seconds)))


class SettingsPanel(Panel):
    """The design's settings (auto-refresh, backend URL, theme) and the store's counters.

    Enter on a setting changes it; each also has its own key.
    """

    sources = (HEALTH, STATISTICS)

    def __init__(self, ctx: PanelContext, connection: LightningConnection) -> None:
        super().__init__(ctx)
        self.connection = connection
        self.view = KeyValue()
        self.view.show_cursor = True
        self.widget = self.view
        self.health: Result[Any] | None = None
        self.store: StoreSnapshot | Unsupported | None = None
        self._items: list[str | None] = []
        #: The rollout table's page size (the P action keeps it current).
        self.page_size: int = ctx.deck.params(ROLLOUTS)["query"].page_size
        self.redraw()
        self.view.cursor = 1

    def update(self, result: Result[Any]) -> None:
        if result.source == HEALTH:
            self.health = result
        elif isinstance(result.value, (StoreSnapshot, Unsupported)):
            self.store = result.value
        self.redraw()

    @property
    def selection(self) -> str | None:
        """The setting under the cursor: `url`, `auto_refresh`, `theme`, `page_size`, or None."""
        items = self._items
        cursor = self.view.cursor
        return items[cursor] if 0 <= cursor < len(items) else None

    def redraw(self) -> None:
        """Show the settings as they are now."""
        connection = self.connection
        rows: list[tuple[str | None, Cell, str | None]] = [
            (
                None,
                [("title", "Connection"), ("muted", "   Enter or the key in brackets changes a setting")],
                None,
            ),
            (
                "Backend URL",
                [*_with_key(connection.url, "u"), ("muted", f"   from {connection.url_origin}")],
                "url",
            ),
            ("Status", self._connection(), None),
            ("Data age", self._data_age(), None),
            (None, "Display", None),
            ("Auto-refresh", _with_key(auto_refresh_text(connection.auto_refresh), "a"), "auto_refresh"),
            ("Theme", _with_key(connection.theme or "as the layout sets it", "T"), "theme"),
            ("Page size", _with_key(f"{self.page_size} rollouts", "P"), "page_size"),
            (
                "Paging",
                f"whole list here up to {connection.config.client_side_limit:,} rollouts; server pages above",
                None,
            ),
        ]
        rows += self._store_rows()
        self.view.pairs = [(label, value) for label, value, _ in rows]
        self._items = [item for _, _, item in rows]

    def _data_age(self) -> Cell:
        """How old the rollout table's data is (checked with each health check)."""
        result = self.ctx.deck.result(ROLLOUTS)
        if result.fetched_at is None:
            return [("muted", "rollouts not read yet")]
        age = format_duration(float(int(max(0.0, time.time() - result.fetched_at))))
        if result.error:
            return [("warn", f"rollouts read {age} ago; the last read failed")]
        return f"rollouts read {age} ago"

    def _connection(self) -> Cell:
        health = self.health
        if health is None or not (health.has_value or health.error):
            return [("muted", "checking…")]
        if health.error:
            return [("bad", "● Offline  "), ("muted", health.error)]
        if health.value is not None and not health.value.ok:
            return [("warn", "● Unhealthy: the server does not say ok")]
        backend = getattr(health.value, "backend", "")
        kind = {"0.3.0": "LightningStore 0.3.0 (agl store)", "1.x": "Agent-lightning 1.x (agl-server)"}
        return [("good", "● Online  "), ("text", kind.get(backend, backend))]

    def _store_rows(self) -> list[tuple[str | None, Cell, str | None]]:
        store = self.store
        if isinstance(store, Unsupported) and store.url == self.connection.url:
            return [(None, "Store", None), ("Counters", [("muted", store.message)], None)]
        if not isinstance(store, StoreSnapshot) or store.url != self.connection.url:
            return [(None, "Store", None), ("Counters", [("muted", "not read yet (r reads them)")], None)]
        stats = store.statistics
        rows: list[tuple[str | None, Cell, str | None]] = [(None, "Store", None)]
        rows.append(("Name", stats.name or "N/A", None))
        for label, value in (
            ("Rollouts", stats.total_rollouts),
            ("Attempts", stats.total_attempts),
            ("Spans", stats.total_spans),
            ("Resources", stats.total_resources),
            ("Runners", stats.total_workers),
        ):
            rows.append((label, f"{value:,}" if value is not None else "N/A", None))
        rows.append(("Uptime", _uptime(stats.uptime), None))
        return rows


def _with_key(value: str, key: str) -> Cell:
    return [("text", value), ("muted", "   "), ("key", f"[{key}]")]
