"""What the 1.x server adds: its rollouts from the deck's history, events, and the Gateway.

The Rollouts panel shows a 1.x server through a HistoryView: every rollout the deck has seen,
sorted, filtered and searched here (the server pages nothing), with rows the server deleted
marked as such. Events open as text: an LLM call as a conversation, a reward with its source.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from deck import Panel, PanelContext, Result
from deck.plugins.lightning_rollouts.client_history import HistoryRow, HistorySummary
from deck.plugins.lightning_rollouts.model import mask_secrets
from deck.plugins.lightning_rollouts.model_display import format_local_time
from deck.plugins.lightning_rollouts.model_v1 import Event, llm_call
from deck.plugins.lightning_rollouts.panels_columns import (
    AdaptiveTable,
    Ranked,
    duration_cell,
    relative,
    status_badge,
    when,
)
from deck.plugins.lightning_rollouts.source import GATEWAY, GatewaySnapshot, LightningConnection, Unsupported
from deck.widgets import Cell, Column, KeyValue

__all__ = ["GatewayPanel", "HistoryView", "events_text"]


def _state(row: HistoryRow) -> Cell:
    cell = status_badge(row.state)
    if row.deleted_at is not None:
        return [*(cell if isinstance(cell, list) else [(None, cell)]), ("muted", " · deleted")]
    return cell


def _reward(value: float | None) -> Cell:
    return [("muted", "—")] if value is None else f"{value:.3g}"


class HistoryView:
    """The 1.x rollout table over the deck's history, and what its border says."""

    def __init__(self) -> None:
        self.summary: HistorySummary | None = None
        self.frozen_at: float | None = None
        self.follow = True
        self.table: AdaptiveTable[HistoryRow] = AdaptiveTable(
            self._columns(), lambda row: row.key, empty="no rollouts seen yet"
        )

    def _columns(self) -> list[Ranked]:
        def duration(row: HistoryRow) -> float | None:
            return row.duration(self.frozen_at or time.time())

        return [
            Ranked(Column("Rollout", lambda r: r.rollout_id, width=18), 1),
            Ranked(Column("State", lambda r: r, render=_state, width=22, sort_key=lambda r: r.state), 2),
            Ranked(Column("Reward", lambda r: r.reward, render=_reward, width=7, align="right"), 3),
            # Drawn from the row each second (a live column), so a running rollout's time moves.
            Ranked(
                Column(
                    "Duration",
                    lambda r: r,
                    render=lambda r: duration_cell(duration(r)),
                    width=11,
                    sort_key=duration,
                    live=True,
                ),
                4,
            ),
            Ranked(Column("Created", lambda r: r.created_at, render=when, width=19), 5),
            Ranked(Column("Mode", lambda r: "train" if r.is_train else "val", width=5), 6),
            Ranked(Column("Error", lambda r: r.error or "", weight=1, min_width=14), 7),
            Ranked(Column("Updated", lambda r: r.updated_at, render=relative, width=14, live=True), 8),
            Ranked(Column("Input", lambda r: r.input_text, weight=1, min_width=14), 9),
            Ranked(
                Column("Metadata", lambda r: r.metadata_text, weight=0.5, min_width=12),
                10,
            ),
        ]

    def show(self, summary: HistorySummary, stale_since: float | None) -> None:
        """Show the history; with `stale_since`, durations stop there."""
        self.summary, self.frozen_at = summary, stale_since
        newest = summary.rows[0].key if summary.rows else None
        before = self.table.selected
        self.table.update(summary.rows)
        if self.follow and newest is not None and self.table.sort is None:
            self.table.select(newest)
        elif before is not None:
            self.table.select(before.key)

    @property
    def subtitle(self) -> str:
        summary = self.summary
        if summary is None:
            return ""
        rows = summary.rows
        active = sum(1 for r in rows if r.state in ("queuing", "running") and r.deleted_at is None)
        deleted = sum(1 for r in rows if r.deleted_at is not None)
        parts = [f"{len(rows):,} seen", f"{active} active", f"{deleted:,} deleted"]
        parts.append(f"server finished {summary.total_terminal:,}")
        if summary.missed:
            parts.append(f"missed {summary.missed:,} while not watching")
        if summary.restarts:
            parts.append(f"{summary.restarts} restart{'s' if summary.restarts > 1 else ''}")
        parts.append("following" if self.follow else "not following")
        return " · ".join(parts)


def _when(timestamp: float | None) -> str:
    return format_local_time(timestamp)[11:] if timestamp is not None else "--:--:--"


def _event_lines(event: Event) -> list[str]:
    head = f"#{event.position} {_when(event.timestamp)} {event.event_type}"
    call = llm_call(event)
    if call is not None:
        tokens = (
            f"{call.prompt_tokens}+{call.completion_tokens} tokens"
            if call.prompt_tokens is not None
            else "tokens unknown"
        )
        latency = f"{call.latency_ms:.0f} ms" if call.latency_ms is not None else "latency unknown"
        lines = [f"{head}  LLM call · {call.status} {call.http_status or ''} · {latency} · {tokens}"]
        lines += [f"  [{role}] {text}" for role, text in call.messages]
        lines.append(f"  → {call.completion}")
        return lines
    data = event.data
    if event.event_type == "reward" and isinstance(data, Mapping):
        source = data.get("source") or "?"
        reason = f": {data.get('reason')}" if data.get("reason") else ""
        message = f" ({data.get('message')})" if data.get("message") else ""
        return [f"{head}  reward {data.get('value')} from {source}{reason}{message}"]
    text = json.dumps(mask_secrets(data), ensure_ascii=False, default=str)
    return [f"{head}  {text}"]


def events_text(rollout_id: str, events: tuple[Event, ...], from_history: bool) -> str:
    """A rollout's events as text: LLM calls as conversations, rewards with their source."""
    where = (
        "from the deck's history (the server has deleted this rollout)"
        if from_history
        else "live from the server (current attempt)"
    )
    lines = [f"{len(events)} events of {rollout_id}, {where}", ""]
    for event in events:
        lines += _event_lines(event)
        lines.append("")
    if not events:
        lines.append("no events recorded")
    return "\n".join(lines)


class GatewayPanel(Panel):
    """The 1.x LLM proxy: paused or not, why, and calls in flight (g pauses or resumes)."""

    sources = (GATEWAY,)

    def __init__(self, ctx: PanelContext, connection: LightningConnection) -> None:
        super().__init__(ctx)
        self.connection = connection
        self.view = KeyValue()
        self.widget = self.view
        self.state: GatewaySnapshot | None = None
        self.view.pairs = [("Gateway", [("muted", "not read yet")])]

    @property
    def selection(self) -> GatewaySnapshot | None:
        return self.state

    def update(self, result: Result[Any]) -> None:
        value = result.value
        if isinstance(value, Unsupported):
            self.state = None
            self.view.pairs = [("Gateway", [("muted", value.message)])]
            return
        if not isinstance(value, GatewaySnapshot):
            return
        self.state = value
        state = value.state
        paused: Cell = [("warn", "⏸ paused")] if state.paused else [("good", "▶ taking calls")]
        self.view.pairs = [
            ("Gateway", paused),
            ("Reason", state.reason or [("muted", "—")]),
            (
                "Retry after",
                f"{state.retry_after_seconds:g} s" if state.retry_after_seconds is not None else "—",
            ),
            ("In flight", str(state.inflight) if state.inflight is not None else "—"),
        ]

    def hints(self) -> list[tuple[str, str] | str]:
        return [("g", "pause/resume")]
