"""Every action of the lightning plugin, with its keys and the panels it works in."""

from __future__ import annotations

from deck import Action
from deck.plugins.lightning_rollouts.actions_common import (
    GATEWAY_PANEL,
    RESOURCES_PANEL,
    ROLLOUTS_PANEL,
    RUNNERS_PANEL,
    SETTINGS_PANEL,
    TRACE_PANELS,
    WATERFALL_PANEL,
)
from deck.plugins.lightning_rollouts.actions_rollouts import (
    cancel_action,
    choose_mode,
    choose_page_size,
    choose_sort,
    choose_status,
    clear_filters,
    export_action,
    open_action,
    page_action,
    requeue_action,
    reveal_secret,
    show_json,
)
from deck.plugins.lightning_rollouts.actions_settings import (
    auto_refresh_action,
    edit_setting_action,
    theme_action,
    url_action,
)
from deck.plugins.lightning_rollouts.actions_traces import (
    fold_span,
    pick_attempt_action,
    pick_rollout_action,
    traces_action,
    unfold_span,
)
from deck.plugins.lightning_rollouts.actions_v1 import delete_action, follow_action, gateway_action
from deck.plugins.lightning_rollouts.source import LightningConnection

__all__ = ["lightning_actions"]


def lightning_actions(connection: LightningConnection) -> list[Action]:
    """Every action of the plugin, bound to the connection it acts through."""
    rollouts = ROLLOUTS_PANEL
    viewers = (ROLLOUTS_PANEL, *TRACE_PANELS, RUNNERS_PANEL)
    settings = {
        "url": url_action(connection),
        "auto_refresh": auto_refresh_action(connection),
        "theme": theme_action(connection),
        "page_size": choose_page_size,
    }
    return [
        Action(
            "lightning.open",
            "Open",
            open_action(connection),
            keys=("enter",),
            scope=viewers,
            description="a retried rollout opens into its attempts; other rows show their JSON",
        ),
        Action(
            "lightning.traces",
            "Traces",
            traces_action(connection),
            keys=("t",),
            scope=(ROLLOUTS_PANEL, RUNNERS_PANEL),
            description="the selected rollout's spans",
        ),
        Action("lightning.status", "Status", choose_status, keys=("f",), scope=rollouts),
        Action("lightning.mode", "Mode", choose_mode, keys=("m",), scope=rollouts),
        Action("lightning.sort", "Sort", choose_sort, keys=("s",), scope=rollouts),
        Action("lightning.next_page", "Next page", page_action(1), keys=("n",), scope=rollouts),
        Action("lightning.prev_page", "Prev page", page_action(-1), keys=("p",), scope=rollouts),
        Action(
            "lightning.cancel",
            "Cancel",
            cancel_action(connection),
            keys=("c",),
            scope=rollouts,
            mutating=True,
            destructive=True,
            description="cancel the selected rollout, after confirmation",
        ),
        Action(
            "lightning.requeue",
            "Requeue",
            requeue_action(connection),
            keys=("R",),
            scope=rollouts,
            mutating=True,
            description="put a failed or cancelled rollout back in the queue",
        ),
        Action("lightning.json", "JSON", show_json, keys=("v",), scope=(*viewers, RESOURCES_PANEL)),
        Action(
            "lightning.reveal",
            "Reveal secret",
            reveal_secret,
            keys=("V",),
            scope=(*viewers, RESOURCES_PANEL),
            description="show one hidden value (an API key, a token) of the selected row, on screen only",
        ),
        Action(
            "lightning.delete",
            "Delete",
            delete_action(connection),
            keys=("D",),
            scope=rollouts,
            mutating=True,
            destructive=True,
            description="1.x: delete the selected rollout from the server (the history keeps it)",
        ),
        Action(
            "lightning.export",
            "Export JSONL",
            export_action(connection),
            keys=("e",),
            scope=rollouts,
            mutating=True,
            description="write the rollouts on show (1.x: with their events) to a JSONL file, secrets masked",
        ),
        Action("lightning.follow", "Live follow", follow_action, keys=("F",), scope=rollouts),
        Action(
            "lightning.gateway",
            "Pause/resume gateway",
            gateway_action(connection),
            keys=("g",),
            scope=GATEWAY_PANEL,
            mutating=True,
            description="1.x: pause the LLM proxy (new calls get 429) or resume it",
        ),
        Action(
            "lightning.page_size",
            "Page size",
            choose_page_size,
            keys=("P",),
            scope=(ROLLOUTS_PANEL, SETTINGS_PANEL),
        ),
        Action("lightning.clear", "Clear filters", clear_filters, keys=("x",), scope=rollouts),
        Action(
            "lightning.pick_rollout",
            "Pick rollout",
            pick_rollout_action(connection),
            keys=("o",),
            scope=TRACE_PANELS,
        ),
        Action(
            "lightning.pick_attempt",
            "Pick attempt",
            pick_attempt_action(connection),
            keys=("a",),
            scope=TRACE_PANELS,
        ),
        Action(
            "lightning.fold",
            "Fold",
            fold_span,
            keys=("-",),
            scope=WATERFALL_PANEL,
            description="fold the span under the cursor (on a leaf: go to its parent)",
        ),
        Action("lightning.unfold", "Unfold", unfold_span, keys=("+",), scope=WATERFALL_PANEL),
        Action(
            "lightning.edit_setting",
            "Change",
            edit_setting_action(settings),
            keys=("enter",),
            scope=SETTINGS_PANEL,
        ),
        Action("lightning.url", "Backend URL", settings["url"], keys=("u",), scope=SETTINGS_PANEL),
        Action(
            "lightning.auto_refresh",
            "Auto-refresh",
            settings["auto_refresh"],
            keys=("a",),
            scope=SETTINGS_PANEL,
        ),
        Action("lightning.theme", "Theme", settings["theme"], keys=("T",), scope=SETTINGS_PANEL),
    ]
