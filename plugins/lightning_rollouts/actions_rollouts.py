"""Actions on the rollout table: open rows, page, sort, filter, cancel and requeue."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from deck import ActionContext, ActionError
from deck.plugins.lightning_rollouts.actions_common import (
    ROLLOUTS_PANEL,
    SETTINGS_PANEL,
    Handler,
    blocking,
    redraw_settings,
)
from deck.plugins.lightning_rollouts.actions_v1 import fail_v1, show_events
from deck.plugins.lightning_rollouts.client_history import HistoryRow
from deck.plugins.lightning_rollouts.model import (
    MODES,
    ROLLOUT_STATUSES,
    Rollout,
    Span,
    Worker,
    mask_secrets,
    secret_paths,
    to_json,
)
from deck.plugins.lightning_rollouts.model_display import (
    CANCELLABLE_STATUSES,
    REQUEUEABLE_STATUSES,
    input_preview,
    status_text,
)
from deck.plugins.lightning_rollouts.model_query import PAGE_SIZES
from deck.plugins.lightning_rollouts.panels import ResourceRow, SettingsPanel
from deck.plugins.lightning_rollouts.panels_rollout_rows import SORT_COLUMNS, RolloutRow
from deck.plugins.lightning_rollouts.panels_rollouts import RolloutsPanel
from deck.plugins.lightning_rollouts.source import ROLLOUTS, LightningConnection

__all__ = [
    "cancel_action",
    "choose_mode",
    "choose_page_size",
    "choose_sort",
    "choose_status",
    "clear_filters",
    "export_action",
    "json_of",
    "open_action",
    "page_action",
    "requeue_action",
    "reveal_secret",
    "show_json",
]


def json_of(selection: Any) -> tuple[str, Any]:
    """A title and the plain JSON of whatever a panel has selected."""
    if isinstance(selection, RolloutRow):
        if selection.nested and selection.attempt is not None:
            attempt = selection.attempt
            return f"Attempt #{attempt.sequence_id} {attempt.attempt_id}", to_json(attempt)
        return f"Rollout {selection.rollout.rollout_id}", to_json(selection.rollout)
    if isinstance(selection, Span):
        return f"Span {selection.name} ({selection.span_id})", to_json(selection.raw)
    if isinstance(selection, Worker):
        return f"Runner {selection.worker_id}", to_json(selection)
    if isinstance(selection, HistoryRow):
        return f"Rollout {selection.rollout_id}", json.loads(selection.doc)
    if isinstance(selection, ResourceRow):
        if selection.name is not None:
            return f"Resource {selection.name}", {selection.name: to_json(selection.entry)}
        return f"Resources {selection.snapshot.resources_id}", to_json(selection.snapshot)
    raise ActionError("select a row first")


def show_json(ctx: ActionContext) -> None:
    """The selected row as the server sent it, parsed into a foldable JSON viewer (secrets masked)."""
    title, value = json_of(ctx.selection)
    ctx.show_json(title, mask_secrets(value))


async def reveal_secret(ctx: ActionContext) -> str | None:
    """Show one masked value of the selected row, on screen only (never logged)."""
    title, value = json_of(ctx.selection)
    secrets = secret_paths(value)
    if not secrets:
        raise ActionError(f"{title} holds no hidden secret")
    options = [(".".join(path), index) for index, (path, _) in enumerate(secrets)]
    index = options[0][1] if len(options) == 1 else await ctx.choose("Reveal which secret?", options)
    if index is None:
        return None
    path, secret = secrets[index]
    text = secret if isinstance(secret, str) else json.dumps(secret, ensure_ascii=False)
    ctx.show_text(f"{'.'.join(path)} (Esc hides it)", text)
    return None


def open_action(connection: LightningConnection) -> Handler:
    async def open_row(ctx: ActionContext) -> None:
        """Enter: a retried rollout opens into its attempts, a 1.x rollout shows its events;
        any other row shows its JSON."""
        panel, row = ctx.panel, ctx.selection
        if isinstance(panel, RolloutsPanel) and isinstance(row, RolloutRow) and row.expandable:
            panel.table.toggle()
            return
        if isinstance(row, HistoryRow):
            await show_events(ctx, connection, row)
            return
        show_json(ctx)

    return open_row


# ---- the rollout table: pages, order, filters ---------------------------------------------------


def _rollouts(ctx: ActionContext) -> RolloutsPanel:
    if isinstance(ctx.panel, RolloutsPanel):
        return ctx.panel
    for panel in ctx.panels(ROLLOUTS_PANEL):
        if isinstance(panel, RolloutsPanel):
            return panel
    raise ActionError("this layout has no rollout table (lightning.rollouts)")


def _store_table(ctx: ActionContext) -> RolloutsPanel:
    """The rollout table of a LightningStore (0.3.0): pages, server sorts and filters are its."""
    panel = _rollouts(ctx)
    if panel.backend == "1.x":
        raise ActionError("a 1.x server's history is one list: s sorts it, I inverts, / filters it")
    return panel


def page_action(step: int) -> Handler:
    def move(ctx: ActionContext) -> str | None:
        panel = _store_table(ctx)
        if not panel.move_page(step):
            ctx.notify("already on the last page" if step > 0 else "already on the first page", "info")
        return None

    return move


async def choose_page_size(ctx: ActionContext) -> str | None:
    """Pick 50, 100, 200 or 500 rollouts a page; the first row on show stays on show."""
    panel = _store_table(ctx)
    query = panel.query
    options = [(f"{size} per page{'  ✓' if size == query.page_size else ''}", size) for size in PAGE_SIZES]
    size = await ctx.choose("Rollouts per page", options)
    if size is None:
        return None
    first = query.page * query.page_size
    panel.set_query(dataclasses.replace(query, page_size=size, page=first // size))
    for settings in ctx.panels(SETTINGS_PANEL):
        if isinstance(settings, SettingsPanel):
            settings.page_size = size
    redraw_settings(ctx)
    return f"{size} rollouts per page"


async def choose_sort(ctx: ActionContext) -> str | None:
    """Pick the column every rollout is ordered by; picking the current one inverts it (as I)."""
    panel = _rollouts(ctx)
    if panel.backend == "1.x":
        return await _choose_history_sort(ctx, panel)
    current = panel.query.sort
    options = [
        (f"{title}{'  ✓ (again: invert)' if key == current else ''}", key)
        for title, key in panel.sort_columns().items()
    ]
    sort = await ctx.choose("Sort every rollout by", options)
    if sort is None:
        return None
    panel.sort(sort, not panel.query.descending if sort == current else None)
    return _sort_text(panel)


async def _choose_history_sort(ctx: ActionContext, panel: RolloutsPanel) -> str | None:
    """The same pick over a 1.x history, which is sorted here, column by column on show."""
    table = panel.history.table
    current = table.sort
    titles = [column.title for column in table.columns if column.sortable]
    options = [
        (f"{title}{'  ✓ (again: invert)' if current and current[0] == title else ''}", title)
        for title in titles
    ]
    title = await ctx.choose("Sort the history by", options)
    if title is None:
        return None
    descending = not current[1] if current and current[0] == title else False
    table.sort_by(title, descending)
    return f"sorted by {title}, {'descending' if descending else 'ascending'}"


def _sort_text(panel: RolloutsPanel) -> str:
    title = next(t for t, key in SORT_COLUMNS.items() if key == panel.query.sort)
    return f"sorted by {title}, {'descending' if panel.query.descending else 'ascending'}"


async def choose_status(ctx: ActionContext) -> str | None:
    """Show only rollouts in one status (or a group of them)."""
    panel = _store_table(ctx)
    current = panel.query.statuses
    groups: list[tuple[str, frozenset[str]]] = [
        ("any status", frozenset()),
        *((status, frozenset({status})) for status in ROLLOUT_STATUSES),
        ("active: queuing, preparing, running, requeuing", frozenset(CANCELLABLE_STATUSES)),
        ("finished: succeeded, failed, cancelled", frozenset({"succeeded", "failed", "cancelled"})),
    ]
    options = [(f"{label}{'  ✓' if value == current else ''}", value) for label, value in groups]
    statuses = await ctx.choose("Show rollouts whose status is", options)
    if statuses is None:
        return None
    panel.set_query(dataclasses.replace(panel.query, statuses=statuses, page=0))
    return f"status: {', '.join(sorted(statuses)) or 'any'}"


async def choose_mode(ctx: ActionContext) -> str | None:
    """Show only rollouts of one mode (train, val, test, or none)."""
    panel = _store_table(ctx)
    if panel.server_paged:
        raise ActionError(panel.refusal("filter by mode"))
    current = panel.query.modes
    groups: list[tuple[str, frozenset[str | None]]] = [
        ("any mode", frozenset()),
        *((mode, frozenset({mode})) for mode in MODES),
        ("no mode", frozenset({None})),
    ]
    options = [(f"{label}{'  ✓' if value == current else ''}", value) for label, value in groups]
    modes = await ctx.choose("Show rollouts whose mode is", options)
    if modes is None:
        return None
    panel.set_query(dataclasses.replace(panel.query, modes=modes, page=0))
    return f"mode: {', '.join(sorted(m or 'none' for m in modes)) or 'any'}"


def clear_filters(ctx: ActionContext) -> str:
    panel = _store_table(ctx)
    query = panel.query
    panel.set_query(dataclasses.replace(query, statuses=frozenset(), modes=frozenset(), search="", page=0))
    return "showing every rollout"


# ---- cancel and requeue ---------------------------------------------------------------------------


async def _selected_rollout(
    ctx: ActionContext, connection: LightningConnection, allowed: frozenset[str], verb: str, joiner: str
) -> Rollout:
    """The selected rollout as the store has it now, refused unless its status allows `verb`."""
    row = ctx.selection
    if not isinstance(row, RolloutRow):
        raise ActionError("select a rollout first")
    rollout_id = row.rollout.rollout_id
    rollout = await blocking(ctx, connection.rollout, rollout_id, missing=_gone(rollout_id))
    if rollout.status not in allowed:
        raise ActionError(
            f"{rollout_id} is {rollout.status}: only {joiner.join(sorted(allowed))} rollouts can be {verb}"
        )
    return rollout


async def _confirm_and_apply(
    ctx: ActionContext,
    rollout: Rollout,
    verb: str,
    consequence: str,
    apply: Callable[[str], Rollout],
    *,
    destructive: bool,
) -> str | None:
    """The one confirmation of a change to a rollout, then the change and a refresh.

    Declining changes nothing and says so plainly (not as a success)."""
    rollout_id = rollout.rollout_id
    question = (
        f"{verb.capitalize()} rollout {rollout_id} ({status_text(rollout)})?\n\n"
        f"Input: {input_preview(rollout.input, 70)}\n\n{consequence}"
    )
    confirmed = await ctx.confirm(
        question,
        title=f"{verb.capitalize()} rollout",
        destructive=destructive,
        ok=f"{verb.capitalize()} it",
        cancel="Keep it",
    )
    if not confirmed:
        ctx.notify(f"{verb} abandoned: {rollout_id} kept as it was", "info")
        return None
    updated = await blocking(ctx, apply, rollout_id, missing=_gone(rollout_id))
    ctx.refresh(ROLLOUTS)
    return f"{rollout_id} is now {updated.status}"


def _gone(rollout_id: str) -> str:
    return f"rollout {rollout_id} no longer exists"


def cancel_action(connection: LightningConnection) -> Handler:
    async def cancel(ctx: ActionContext) -> str | None:
        """Cancel the selected rollout, after reading its current state and asking."""
        if isinstance(ctx.selection, HistoryRow):
            return await fail_v1(ctx, connection)
        rollout = await _selected_rollout(ctx, connection, CANCELLABLE_STATUSES, "cancelled", ", ")
        consequence = "The store marks it cancelled; a runner already working on it is not interrupted."
        return await _confirm_and_apply(
            ctx, rollout, "cancel", consequence, connection.cancel, destructive=True
        )

    return cancel


def requeue_action(connection: LightningConnection) -> Handler:
    async def requeue(ctx: ActionContext) -> str | None:
        """Put a failed or cancelled rollout back in the queue, after asking."""
        rollout = await _selected_rollout(ctx, connection, REQUEUEABLE_STATUSES, "requeued", " or ")
        attempts = rollout.attempt.sequence_id if rollout.attempt and rollout.attempt.sequence_id else 0
        consequence = f"It goes to the end of the queue; the next free runner starts attempt #{attempts + 1}."
        return await _confirm_and_apply(
            ctx, rollout, "requeue", consequence, connection.requeue, destructive=False
        )

    return requeue


# ---- export ---------------------------------------------------------------------------------------


def _export_lines(connection: LightningConnection, panel: RolloutsPanel) -> list[str]:
    """One JSON line per rollout on show (1.x: with the events the history holds), masked."""
    lines = []
    if panel.backend == "1.x":
        history = connection.history()
        for row in panel.history.table.visible_rows:
            events = [to_json(e) for e in history.events(row.rollout_id)]
            record = {"rollout": json.loads(row.doc), "deleted": row.deleted_at is not None, "events": events}
            lines.append(json.dumps(mask_secrets(record), ensure_ascii=False, default=str))
    else:
        for shown in panel.table.visible_rows:
            if isinstance(shown, RolloutRow) and not shown.nested:
                lines.append(
                    json.dumps(mask_secrets({"rollout": shown.rollout}), ensure_ascii=False, default=str)
                )
    return lines


def export_action(connection: LightningConnection) -> Handler:
    async def export(ctx: ActionContext) -> str | None:
        """Write the rollouts on show (as filtered; 1.x: with their events) to a JSONL file,
        secrets masked. An existing file is never overwritten."""
        panel = _rollouts(ctx)
        default = f"lightning-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
        path_text = await ctx.prompt("Export the rollouts on show to (JSONL)", default=default)
        if not path_text:
            return None
        path = Path(path_text).expanduser()
        lines = _export_lines(connection, panel)
        if not lines:
            raise ActionError("no rollouts on show to export")

        def write() -> None:
            with path.open("x", encoding="utf-8") as out:  # "x": refuse to replace a file
                out.write("\n".join(lines) + "\n")

        try:
            await ctx.run_blocking(write)
        except FileExistsError:
            raise ActionError(f"not overwritten: {path} exists") from None
        except OSError as exc:
            raise ActionError(f"cannot write {path}: {exc.strerror or exc}") from None
        return f"{len(lines)} rollouts written to {path}"

    return export
