"""The deck's own history of a 1.x server's rollouts and events, in a local SQLite file.

A 1.x trainer deletes each finished rollout about a second after reading it, and the server
keeps nothing across restarts, so the deck records every rollout and event it sees: one file
per server (standard `sqlite3`, WAL), the newest `retention` rollouts kept (older ones and
their events are dropped after each sync). Secrets are masked before anything is written.

A sync reads the active rollouts, walks the terminal cursor from where the last sync stopped,
reads each newly finished rollout with its events while the server still has it, and marks
what the server no longer has as deleted. A server whose `total_terminal` went back below
the cursor was restarted: its old rollouts are marked deleted and the cursor starts over.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deck.plugins.lightning_rollouts.client_errors import NotFoundError
from deck.plugins.lightning_rollouts.client_v1 import LightningV1Client
from deck.plugins.lightning_rollouts.model import mask_secrets
from deck.plugins.lightning_rollouts.model_display import input_preview
from deck.plugins.lightning_rollouts.model_v1 import (
    TERMINAL_STATES,
    Event,
    RolloutV1,
    last_reward,
    parse_event,
    parse_rollout_v1,
)

__all__ = ["DEFAULT_RETENTION", "History", "HistoryRow", "HistorySummary", "history_path"]

DEFAULT_RETENTION = 100_000
#: Terminal rollouts checked for deletion per sync, newest first.
_WATCHED = 2_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rollouts (
    rollout_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    is_train INTEGER NOT NULL,
    created_at REAL,
    updated_at REAL,
    first_seen REAL NOT NULL,
    running_seen REAL,
    finished_seen REAL,
    deleted_at REAL,
    deleted_why TEXT,
    error TEXT,
    reward REAL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rollouts_created ON rollouts (created_at);
CREATE TABLE IF NOT EXISTS events (
    rollout_id TEXT NOT NULL,
    attempt_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    timestamp REAL,
    data TEXT NOT NULL,
    PRIMARY KEY (rollout_id, attempt_id, position)
);
"""


def history_path(directory: Path, url: str) -> Path:
    """The history file of the server at `url`: one per host and port."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", url.split("://", 1)[-1]).strip("_") or "server"
    return directory / f"{name}.sqlite3"


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """A rollout as the deck last saw it, with what it observed of its life."""

    rollout_id: str
    state: str
    is_train: bool
    created_at: float | None
    updated_at: float | None
    running_seen: float | None
    finished_seen: float | None
    deleted_at: float | None
    deleted_why: str | None
    error: str | None
    reward: float | None
    doc: str
    #: The input and metadata as short JSON (secrets masked), made once off the UI thread.
    input_text: str = ""
    metadata_text: str = ""

    @property
    def key(self) -> str:
        return self.rollout_id

    def duration(self, now: float) -> float | None:
        """From created to finished as observed (up to `now` while active)."""
        begin = self.created_at
        if begin is None:
            return None
        end = self.updated_at if self.state in TERMINAL_STATES else now
        return None if end is None else max(0.0, end - begin)

    def rollout(self) -> RolloutV1 | None:
        """The rollout as last read (secrets masked)."""
        try:
            return parse_rollout_v1(json.loads(self.doc))
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class HistorySummary:
    """What the history holds and how much of the server's life the deck saw."""

    rows: tuple[HistoryRow, ...]
    total_terminal: int
    seen_terminal: int
    restarts: int
    synced_at: float

    @property
    def missed(self) -> int:
        """Rollouts the server finished that the deck never saw (it was not running)."""
        return max(0, self.total_terminal - self.seen_terminal)


def _with_previews(row: HistoryRow) -> HistoryRow:
    try:
        doc = json.loads(row.doc)
    except ValueError:
        doc = {}
    doc = doc if isinstance(doc, dict) else {}
    return dataclasses.replace(
        row,
        input_text=input_preview(doc.get("input"), 200),
        metadata_text=input_preview(doc.get("metadata"), 120),
    )


class History:
    """Every rollout and event the deck has seen of one 1.x server."""

    def __init__(self, path: Path, retention: int = DEFAULT_RETENTION) -> None:
        self.path = path
        self.retention = retention
        # The last summary, handed out again while nothing changes (no redraw, no re-read).
        self._summary: HistorySummary | None = None
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    # ---- sync ------------------------------------------------------------------------------

    def sync(self, client: LightningV1Client, now: float | None = None) -> HistorySummary:
        """Bring the history up to date with the server (blocking: run it in a thread)."""
        now = time.time() if now is None else now
        active = client.active()
        db = self._connect()
        try:
            with db:  # one transaction: committed whole, or not at all
                cursor = int(self._meta(db, "next_after", "0"))
                page = client.terminal(cursor)
                if page.total_terminal < cursor:  # an in-memory server came back empty
                    self._server_restarted(db, now)
                    cursor = 0
                    page = client.terminal(0)
                for rollout in active:
                    self._upsert(db, rollout, now)
                finished: list[tuple[str, str, bool]] = list(page.items)
                while page.next_after > cursor and page.next_after < page.total_terminal:
                    cursor = page.next_after
                    page = client.terminal(cursor)
                    finished += page.items
                for rollout_id, state, is_train in finished:
                    self._finished(db, client, rollout_id, state, is_train, now)
                self._mark_vanished(db, client, {r.rollout_id for r in active}, now)
                self._meta_set(db, "next_after", str(page.next_after))
                self._meta_set(db, "total_terminal", str(page.total_terminal))
                self._prune(db)
            changed = db.total_changes > 0
        finally:
            db.close()
        if changed or self._summary is None:
            self._summary = self.summary(now)
        return self._summary

    def _finished(
        self,
        db: sqlite3.Connection,
        client: LightningV1Client,
        rollout_id: str,
        state: str,
        is_train: bool,
        now: float,
    ) -> None:
        """Record a rollout the terminal cursor names, with its events if it still exists."""
        row = db.execute("SELECT finished_seen FROM rollouts WHERE rollout_id = ?", (rollout_id,)).fetchone()
        if row is not None and row[0] is not None:
            return
        try:
            rollout, _ = client.rollout(rollout_id)
            events = client.events(rollout_id)
        except NotFoundError:  # finished and deleted before the deck looked
            self._insert_bare(db, rollout_id, state, is_train, now)
            db.execute(
                "UPDATE rollouts SET state = ?, finished_seen = ?, deleted_at = COALESCE(deleted_at, ?),"
                " deleted_why = COALESCE(deleted_why, 'deleted by the server before the deck read it')"
                " WHERE rollout_id = ?",
                (state, now, now, rollout_id),
            )
            return
        self._upsert(db, rollout, now)
        self._store_events(db, rollout_id, events)
        db.execute(
            "UPDATE rollouts SET finished_seen = ?, reward = ? WHERE rollout_id = ?",
            (now, last_reward(events), rollout_id),
        )

    def _mark_vanished(
        self, db: sqlite3.Connection, client: LightningV1Client, active: set[str], now: float
    ) -> None:
        """Rows the server no longer holds become deleted (active ones it dropped, finished ones
        a trainer deleted)."""
        existing = {r.rollout_id for r in client.by_states(tuple(TERMINAL_STATES))}
        rows = db.execute(
            "SELECT rollout_id, state FROM rollouts WHERE deleted_at IS NULL"
            " ORDER BY created_at DESC LIMIT ?",
            (_WATCHED,),
        ).fetchall()
        for rollout_id, state in rows:
            if rollout_id in active or rollout_id in existing:
                continue
            if state in TERMINAL_STATES:
                why = "deleted by the server (finished)"
            else:
                why = f"gone from the server while {state}"
            db.execute(
                "UPDATE rollouts SET deleted_at = ?, deleted_why = ? WHERE rollout_id = ?",
                (now, why, rollout_id),
            )

    def _server_restarted(self, db: sqlite3.Connection, now: float) -> None:
        db.execute(
            "UPDATE rollouts SET deleted_at = ?, deleted_why = 'lost when the server restarted'"
            " WHERE deleted_at IS NULL",
            (now,),
        )
        restarts = int(self._meta(db, "restarts", "0")) + 1
        self._meta_set(db, "restarts", str(restarts))
        seen = int(self._meta(db, "seen_before_restarts", "0")) + self._seen_terminal(db, since_restart=True)
        self._meta_set(db, "seen_before_restarts", str(seen))
        self._meta_set(db, "epoch_started", str(now))

    def _upsert(self, db: sqlite3.Connection, rollout: RolloutV1, now: float) -> None:
        doc = json.dumps(mask_secrets(rollout.raw), ensure_ascii=False, default=str)
        running = now if rollout.state == "running" else None
        db.execute(
            "INSERT INTO rollouts (rollout_id, state, is_train, created_at, updated_at, first_seen,"
            " running_seen, error, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (rollout_id) DO UPDATE SET state = excluded.state, is_train = excluded.is_train,"
            " created_at = excluded.created_at, updated_at = excluded.updated_at,"
            " running_seen = COALESCE(rollouts.running_seen, excluded.running_seen),"
            " error = excluded.error, doc = excluded.doc, deleted_at = NULL, deleted_why = NULL"
            " WHERE rollouts.doc IS NOT excluded.doc OR rollouts.deleted_at IS NOT NULL"
            " OR (rollouts.running_seen IS NULL AND excluded.running_seen IS NOT NULL)",
            (
                rollout.rollout_id,
                rollout.state,
                int(rollout.is_train),
                rollout.created_at,
                rollout.updated_at,
                now,
                running,
                rollout.error_message,
                doc,
            ),
        )

    def _insert_bare(
        self, db: sqlite3.Connection, rollout_id: str, state: str, is_train: bool, now: float
    ) -> None:
        doc = json.dumps({"rollout_id": rollout_id, "is_train": is_train, "status": {"state": state}})
        db.execute(
            "INSERT OR IGNORE INTO rollouts (rollout_id, state, is_train, first_seen, doc)"
            " VALUES (?, ?, ?, ?, ?)",
            (rollout_id, state, int(is_train), now, doc),
        )

    def _store_events(self, db: sqlite3.Connection, rollout_id: str, events: Iterable[Event]) -> None:
        db.executemany(
            "INSERT OR REPLACE INTO events VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    rollout_id,
                    e.attempt_id,
                    e.position,
                    e.event_type,
                    e.timestamp,
                    json.dumps(mask_secrets(e.data), ensure_ascii=False, default=str),
                )
                for e in events
            ],
        )

    def _prune(self, db: sqlite3.Connection) -> None:
        count = db.execute("SELECT COUNT(*) FROM rollouts").fetchone()[0]
        if count <= self.retention:
            return
        doomed = "SELECT rollout_id FROM rollouts ORDER BY COALESCE(created_at, first_seen) LIMIT ?"
        excess = count - self.retention
        db.execute(f"DELETE FROM events WHERE rollout_id IN ({doomed})", (excess,))
        db.execute(f"DELETE FROM rollouts WHERE rollout_id IN ({doomed})", (excess,))

    def _seen_terminal(self, db: sqlite3.Connection, since_restart: bool = False) -> int:
        query = "SELECT COUNT(*) FROM rollouts WHERE state IN ('succeeded', 'failed')"
        params: tuple[Any, ...] = ()
        epoch = self._meta(db, "epoch_started", "")
        if since_restart and epoch:
            query += " AND first_seen >= ?"
            params = (float(epoch),)
        return int(db.execute(query, params).fetchone()[0])

    @staticmethod
    def _meta(db: sqlite3.Connection, key: str, default: str) -> str:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

    @staticmethod
    def _meta_set(db: sqlite3.Connection, key: str, value: str) -> None:
        db.execute(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            " WHERE meta.value IS NOT excluded.value",
            (key, value),
        )

    # ---- reads -----------------------------------------------------------------------------

    def summary(self, now: float | None = None) -> HistorySummary:
        """Every row, newest first, and the counts."""
        with self._connect() as db:
            rows = tuple(
                _with_previews(HistoryRow(*r))
                for r in db.execute(
                    "SELECT rollout_id, state, is_train, created_at, updated_at, running_seen, finished_seen,"
                    " deleted_at, deleted_why, error, reward, doc FROM rollouts"
                    " ORDER BY COALESCE(created_at, first_seen) DESC, rollout_id"
                )
            )
            total = int(self._meta(db, "total_terminal", "0"))
            restarts = int(self._meta(db, "restarts", "0"))
            seen = self._seen_terminal(db, since_restart=True)
        return HistorySummary(rows, total, seen, restarts, time.time() if now is None else now)

    def events(self, rollout_id: str) -> tuple[Event, ...]:
        """The events recorded for a rollout (the last attempt read), in order."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT event_type, attempt_id, timestamp, data, position FROM events WHERE rollout_id = ?"
                " ORDER BY attempt_id, position",
                (rollout_id,),
            ).fetchall()
        events = []
        for event_type, attempt_id, timestamp, data, position in rows:
            event = parse_event(
                {
                    "event_type": event_type,
                    "attempt_id": attempt_id,
                    "timestamp": timestamp,
                    "data": json.loads(data),
                },
                position,
            )
            if event is not None:
                events.append(event)
        return tuple(events)

    def remember_events(self, rollout_id: str, events: Iterable[Event]) -> None:
        """Keep events read live (the Events view), so they outlive the rollout."""
        with self._connect() as db:
            self._store_events(db, rollout_id, events)
