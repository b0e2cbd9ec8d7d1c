"""Actions that choose what the Traces screen shows: from a row, or by picking."""

from __future__ import annotations

from deck import ActionContext, ActionError
from deck.plugins.lightning_rollouts.actions_common import (
    SPANS_PANEL,
    WATERFALL_PANEL,
    Handler,
    blocking,
)
from deck.plugins.lightning_rollouts.actions_v1 import show_events
from deck.plugins.lightning_rollouts.client_history import HistoryRow
from deck.plugins.lightning_rollouts.model import Rollout, Worker
from deck.plugins.lightning_rollouts.model_display import input_preview, status_text
from deck.plugins.lightning_rollouts.panels_rollout_rows import RolloutRow
from deck.plugins.lightning_rollouts.panels_traces import WaterfallPanel
from deck.plugins.lightning_rollouts.source import (
    ROLLOUTS,
    SPANS,
    LightningConnection,
    RolloutsSnapshot,
    TraceTarget,
)

__all__ = [
    "fold_span",
    "pick_attempt_action",
    "pick_rollout_action",
    "show_trace",
    "traces_action",
    "unfold_span",
]

_ALL_ATTEMPTS = "*"
# The rollout picker lists at most this many matches (newest first).
_PICKER_ROLLOUTS = 500


def traces_action(connection: LightningConnection) -> Handler:
    async def show_traces(ctx: ActionContext) -> str | None:
        """Jump to the Traces screen for the selected rollout (or the runner's current one);
        a 1.x rollout has events instead."""
        row = ctx.selection
        if isinstance(row, HistoryRow):
            await show_events(ctx, connection, row)
            return None
        if isinstance(row, RolloutRow):
            rollout_id = row.rollout.rollout_id
            attempt_id = row.attempt.attempt_id if row.attempt is not None else None
        elif isinstance(row, Worker):
            if row.current_rollout_id is None:
                raise ActionError(f"{row.worker_id} is not running a rollout")
            rollout_id, attempt_id = row.current_rollout_id, row.current_attempt_id
        else:
            raise ActionError("select a rollout first")
        return show_trace(ctx, connection, TraceTarget(rollout_id, attempt_id))

    return show_traces


def show_trace(ctx: ActionContext, connection: LightningConnection, target: TraceTarget) -> str:
    """Show the Traces screen for `target` (and fetch its spans)."""
    panels = ctx.panels(SPANS_PANEL) or ctx.panels(WATERFALL_PANEL)
    if not panels:
        raise ActionError("this layout has no Traces panel (lightning.spans or lightning.waterfall)")
    ctx.retarget(SPANS, rollout_id=target.rollout_id, attempt_id=target.attempt_id)
    ctx.focus_panel(panels[0])
    which = "every attempt" if target.attempt_id is None else target.attempt_id
    return f"traces of {target.rollout_id} ({which})"


def _known_rollouts(ctx: ActionContext, connection: LightningConnection) -> list[Rollout]:
    """The rollouts the table has loaded, newest first (the page on show when server paged)."""
    snapshot = ctx.result(ROLLOUTS).value
    if not isinstance(snapshot, RolloutsSnapshot) or snapshot.url != connection.url:
        return []
    view = snapshot.view
    if view.index is None:
        return list(view.page.rows)
    return [view.index.rollouts[i] for i in view.index.order("start", True)]


def _label(rollout: Rollout) -> str:
    return f"{rollout.rollout_id}  {status_text(rollout):<22}  {input_preview(rollout.input, 30)}"


def pick_rollout_action(connection: LightningConnection) -> Handler:
    async def pick_rollout(ctx: ActionContext) -> str | None:
        """Type a rollout id (or part of one; empty lists the newest), then pick an attempt."""
        typed = await ctx.prompt("Traces of which rollout? (an id, part of one, or empty for a list)")
        if typed is None:
            return None
        needle = typed.strip().lower()
        known = _known_rollouts(ctx, connection)
        rollout_id: str | None
        matches = [r for r in known if needle in r.rollout_id.lower()]
        exact = [r for r in matches if r.rollout_id.lower() == needle]
        if exact or len(matches) == 1:
            rollout_id = (exact or matches)[0].rollout_id
        elif matches:
            options = [(_label(r), r.rollout_id) for r in matches[:_PICKER_ROLLOUTS]]
            rollout_id = await ctx.choose(f"Rollouts matching {typed.strip()!r}", options)
            if rollout_id is None:
                return None
        else:
            rollout_id = typed.strip()
            await blocking(ctx, connection.rollout, rollout_id, missing=f"there is no rollout {rollout_id!r}")
        return await _pick_attempt(ctx, connection, rollout_id)

    return pick_rollout


def pick_attempt_action(connection: LightningConnection) -> Handler:
    async def pick_attempt(ctx: ActionContext) -> str | None:
        """Pick which attempt of the rollout on show (or all of them)."""
        rollout_id = ctx.params(SPANS)["rollout_id"]
        if rollout_id is None:
            raise ActionError("pick a rollout first (o)")
        return await _pick_attempt(ctx, connection, rollout_id, always_ask=True)

    return pick_attempt


async def _pick_attempt(
    ctx: ActionContext, connection: LightningConnection, rollout_id: str, *, always_ask: bool = False
) -> str | None:
    attempts = await blocking(ctx, connection.attempts, rollout_id)
    if not attempts:
        return show_trace(ctx, connection, TraceTarget(rollout_id, None))
    if len(attempts) == 1 and not always_ask:
        return show_trace(ctx, connection, TraceTarget(rollout_id, attempts[0].attempt_id))
    options = [(f"every attempt ({len(attempts)})", _ALL_ATTEMPTS)]
    options += [
        (f"#{a.sequence_id}  {a.attempt_id}  {a.status}  {a.worker_id or ''}".rstrip(), a.attempt_id)
        for a in reversed(attempts)
    ]
    chosen = await ctx.choose(f"Which attempt of {rollout_id}?", options)
    if chosen is None:
        return None
    attempt_id = None if chosen == _ALL_ATTEMPTS else chosen
    return show_trace(ctx, connection, TraceTarget(rollout_id, attempt_id))


def _tree(ctx: ActionContext) -> WaterfallPanel:
    if not isinstance(ctx.panel, WaterfallPanel):
        raise ActionError("folding works in the span tree")
    return ctx.panel


def fold_span(ctx: ActionContext) -> str | None:
    """Fold the span under the cursor in the tree (on a leaf, go to its parent)."""
    return _tree(ctx).fold()


def unfold_span(ctx: ActionContext) -> str | None:
    """Unfold the span under the cursor in the tree."""
    return _tree(ctx).unfold()
