"""The rollout table's rows and columns, as the design lists them, and how they sort."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deck.plugins.lightning_rollouts.model import Attempt, Rollout
from deck.plugins.lightning_rollouts.model_display import (
    duration_seconds,
    input_preview,
    status_text,
)
from deck.plugins.lightning_rollouts.model_query import RolloutQuery
from deck.plugins.lightning_rollouts.panels_columns import (
    Ranked,
    duration_cell,
    maybe,
    relative,
    status_badge,
    when,
)
from deck.widgets import Cell, Column

__all__ = [
    "RANKED",
    "SORT_COLUMNS",
    "RolloutRow",
    "default_descending",
    "describe_filters",
    "plain_title",
]


@dataclass(frozen=True, slots=True)
class RolloutRow:
    """A table row: a rollout with its latest attempt, or (nested) one of its attempts."""

    rollout: Rollout
    attempt: Attempt | None
    nested: bool = False
    #: When the data went stale: running durations stop there instead of ticking on.
    frozen_at: float | None = None

    @property
    def key(self) -> str:
        """The row's identity: the rollout id, or the attempt id for a nested row."""
        if self.nested and self.attempt is not None:
            return self.attempt.attempt_id
        return self.rollout.rollout_id

    @property
    def expandable(self) -> bool:
        """A rollout retried at least once (`attempt.sequence_id > 1`) opens into its attempts."""
        return (
            not self.nested
            and self.attempt is not None
            and self.attempt.sequence_id is not None
            and self.attempt.sequence_id > 1
        )


def _rollout_cell(row: RolloutRow) -> str:
    if row.nested and row.attempt is not None:
        return f"#{row.attempt.sequence_id} {row.attempt.attempt_id}"
    return row.rollout.rollout_id


def _status(row: RolloutRow) -> str:
    if row.nested and row.attempt is not None:
        return row.attempt.status
    return status_text(row.rollout)


def _start(row: RolloutRow) -> float | None:
    """A rollout's own start (what "newest first" orders by, here and on the server); an
    attempt row shows its attempt's."""
    if row.nested and row.attempt is not None:
        return row.attempt.start_time
    return row.rollout.start_time


def _actions(_: Any) -> Cell:
    return [("key", "v"), ("muted", " json "), ("key", "t"), ("muted", " traces")]


# Column heading -> RolloutQuery sort key; the order is the design's.
SORT_COLUMNS: dict[str, str] = {
    "Rollout": "rollout",
    "Attempt": "attempt",
    "Input": "input",
    "Status": "status",
    "Resources ID": "resources",
    "Mode": "mode",
    "Start Time": "start",
    "Duration": "duration",
    "Last Heartbeat": "heartbeat",
    "Worker ID": "worker",
}
_DESCENDING_FIRST = frozenset({"start", "duration", "heartbeat"})

RANKED = (
    Ranked(Column("Rollout", _rollout_cell, width=18), 1),
    Ranked(
        Column("Attempt", lambda r: r.attempt.attempt_id if r.attempt else None, render=maybe(str), width=11),
        9,
    ),
    Ranked(Column("Input", lambda r: input_preview(r.rollout.input), weight=1, min_width=12), 5),
    Ranked(Column("Status", _status, render=status_badge, weight=0.6, min_width=20), 2),
    Ranked(Column("Resources ID", lambda r: r.rollout.resources_id, render=maybe(str), width=15), 10),
    Ranked(Column("Mode", lambda r: r.rollout.mode, render=maybe(str), width=5), 8),
    Ranked(Column("Start Time", _start, render=when, width=19), 3),
    Ranked(
        Column(
            "Duration",
            lambda r: duration_seconds(r.rollout, r.attempt, now=r.frozen_at),
            render=duration_cell,
            width=11,
            live=True,
        ),
        4,
    ),
    Ranked(
        Column(
            "Last Heartbeat",
            lambda r: r.attempt.last_heartbeat_time if r.attempt else None,
            render=relative,
            width=14,
            live=True,
        ),
        6,
    ),
    Ranked(
        Column(
            "Worker ID", lambda r: r.attempt.worker_id if r.attempt else None, render=maybe(str), width=10
        ),
        7,
    ),
    Ranked(Column("Actions", lambda r: None, render=_actions, width=15, sortable=False), 11),
)


def plain_title(title: str) -> str:
    """A heading without its sort arrow (a narrow one may have lost a letter to it)."""
    bare = title.rstrip(" ▲▼")
    return next((t for t in SORT_COLUMNS if t == bare or (bare and t.startswith(bare))), bare)


def default_descending(sort: str) -> bool:
    """Times and durations sort newest / longest first; everything else A to Z."""
    return sort in _DESCENDING_FIRST


def describe_filters(query: RolloutQuery) -> list[str]:
    """The query's filters in a few words, for the border."""
    parts = []
    if query.statuses:
        parts.append("status " + "|".join(sorted(query.statuses)))
    if query.modes:
        parts.append("mode " + "|".join(sorted(m or "none" for m in query.modes)))
    if query.search:
        parts.append(f"id ~ {query.search}")
    return parts
