"""Actions on a 1.x server: its rollouts' events, failing and deleting one, the Gateway."""

from __future__ import annotations

from deck import ActionContext, ActionError
from deck.plugins.lightning_rollouts.actions_common import Handler, blocking
from deck.plugins.lightning_rollouts.client_history import HistoryRow
from deck.plugins.lightning_rollouts.model_display import input_preview
from deck.plugins.lightning_rollouts.model_v1 import TERMINAL_STATES
from deck.plugins.lightning_rollouts.panels_rollouts import RolloutsPanel
from deck.plugins.lightning_rollouts.panels_v1 import GatewayPanel, events_text
from deck.plugins.lightning_rollouts.source import GATEWAY, ROLLOUTS, LightningConnection

__all__ = ["delete_action", "fail_v1", "follow_action", "gateway_action", "show_events"]


async def show_events(ctx: ActionContext, connection: LightningConnection, row: HistoryRow) -> None:
    """A 1.x rollout's events as text: live while the server has it, else from the history."""
    events, from_history = await blocking(ctx, connection.events_v1, row.rollout_id)
    ctx.show_text(f"Events of {row.rollout_id}", events_text(row.rollout_id, events, from_history))


def _row(ctx: ActionContext) -> HistoryRow:
    row = ctx.selection
    if not isinstance(row, HistoryRow):
        raise ActionError("select a rollout of a 1.x server first")
    if row.deleted_at is not None:
        raise ActionError(f"{row.rollout_id} is no longer on the server ({row.deleted_why})")
    return row


async def _confirmed(ctx: ActionContext, row: HistoryRow, verb: str, consequence: str) -> bool:
    """The same dialog as for 0.3.0: a question, the rollout's input, and `Keep it` first."""
    rollout = row.rollout()
    question = (
        f"{verb.capitalize()} rollout {row.rollout_id} ({row.state})?\n\n"
        f"Input: {input_preview(rollout.input if rollout else None, 70)}\n\n{consequence}"
    )
    ok = await ctx.confirm(
        question,
        title=f"{verb.capitalize()} rollout",
        destructive=True,
        ok=f"{verb.capitalize()} it",
        cancel="Keep it",
    )
    if not ok:
        ctx.notify(f"{verb} abandoned: {row.rollout_id} kept as it was", "info")
    return ok


async def fail_v1(ctx: ActionContext, connection: LightningConnection) -> str | None:
    """1.x has no cancelled state: cancelling a queuing or running rollout marks it failed."""
    row = _row(ctx)
    if row.state in TERMINAL_STATES:
        raise ActionError(
            f"{row.rollout_id} is {row.state}: only queuing or running rollouts can be cancelled"
        )
    consequence = (
        "1.x has no cancelled state: the server marks it failed (error: failed from the deck); "
        "a controller already running it is not stopped."
    )
    if not await _confirmed(ctx, row, "cancel", consequence):
        return None
    updated = await blocking(ctx, connection.fail_v1, row.rollout_id)
    ctx.refresh(ROLLOUTS)
    return f"{row.rollout_id} is now {updated.state}"


def delete_action(connection: LightningConnection) -> Handler:
    async def delete(ctx: ActionContext) -> str | None:
        """Delete a 1.x rollout and its events from the server (the deck's history keeps them)."""
        row = _row(ctx)
        consequence = "The server forgets it and its events; the deck's history keeps what it saw."
        if not await _confirmed(ctx, row, "delete", consequence):
            return None
        await blocking(ctx, connection.delete_v1, row.rollout_id)
        ctx.refresh(ROLLOUTS)
        return f"{row.rollout_id} deleted from the server"

    return delete


def follow_action(ctx: ActionContext) -> str:
    """Keep the newest rollout selected as rollouts arrive, or stay where the cursor is."""
    panel = ctx.panel
    if not isinstance(panel, RolloutsPanel) or panel.backend != "1.x":
        raise ActionError("live follow is for a 1.x server's rollouts")
    panel.history.follow = not panel.history.follow
    return "following the newest rollouts" if panel.history.follow else "live follow off: the cursor stays"


def gateway_action(connection: LightningConnection) -> Handler:
    async def toggle(ctx: ActionContext) -> str | None:
        """Pause the 1.x LLM proxy (new calls get 429) or let it take calls again."""
        panel = ctx.panel
        if not isinstance(panel, GatewayPanel) or panel.state is None:
            raise ActionError("the Gateway is a 1.x server's; none is connected")
        pause = not panel.state.state.paused
        if pause and not await ctx.confirm(
            "Pause the LLM gateway?\n\nNew LLM calls of every rollout get 429 until it is resumed.",
            title="Pause gateway",
            ok="Pause it",
            cancel="Keep it",
        ):
            ctx.notify("pause abandoned: the gateway keeps taking calls", "info")
            return None
        state = await blocking(ctx, connection.set_gateway, pause)
        ctx.refresh(GATEWAY)
        return "gateway paused" if state.paused else "gateway resumed"

    return toggle
