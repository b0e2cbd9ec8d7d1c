"""The lightning plugin's hooks: Agent-lightning's rollouts, traces, resources and runners.

Everything goes through one LightningClient held by the plugin instance (opened from the
layout's settings, pointed elsewhere from Settings, closed at exit). The data sources fetch
once and then on request (`r`), on the auto-refresh cadence chosen in Settings, and when the
backend answers again after being offline; only the health check polls on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deck import (
    Action,
    Command,
    Context,
    Option,
    PanelType,
    Source,
    StatusSegment,
    ThemeError,
    hookimpl,
)
from deck.plugins.lightning_rollouts import actions_cli
from deck.plugins.lightning_rollouts.actions import lightning_actions
from deck.plugins.lightning_rollouts.client import DEFAULT_BASE_URL
from deck.plugins.lightning_rollouts.client_history import DEFAULT_RETENTION
from deck.plugins.lightning_rollouts.model_query import DEFAULT_PAGE_SIZE, PAGE_SIZES, RolloutQuery
from deck.plugins.lightning_rollouts.panels import (
    ResourcesPanel,
    RolloutsPanel,
    RunnersPanel,
    SettingsPanel,
    SpansPanel,
    WaterfallPanel,
    connection_markup,
)
from deck.plugins.lightning_rollouts.panels_v1 import GatewayPanel
from deck.plugins.lightning_rollouts.source import (
    GATEWAY,
    HEALTH,
    RESOURCES,
    ROLLOUTS,
    SPANS,
    STATISTICS,
    WORKERS,
    LightningConnection,
)
from deck.plugins.lightning_rollouts.source_loading import CLIENT_SIDE_LIMIT
from deck.plugins.lightning_rollouts.source_settings import (
    THEME_CHOICES,
    chosen_url,
    keep_fresh,
    state_file,
    theme_for,
)

__all__ = ["LightningPlugin"]


class LightningPlugin:
    """Rollouts, attempts, resources, traces and runners of an Agent-lightning LightningStore."""

    def __init__(self) -> None:
        self.connection = LightningConnection()

    @hookimpl
    def deck_options(self) -> Mapping[str, Option]:
        return {
            "url": Option(str, DEFAULT_BASE_URL, "the LightningStore server (`agl store`), e.g. host:4747"),
            "url_wins": Option(
                bool,
                False,
                "url wins over AGL_SERVER_HOST/PORT and the URL saved in Settings (deck lightning --url)",
            ),
            "auto_refresh": Option(
                (str, int, bool),
                "off",
                "seconds between automatic refreshes: off, 5, 15, 60 or 300",
                choices=("off", 0, 5, 15, 60, 300),
            ),
            "page_size": Option(int, DEFAULT_PAGE_SIZE, "rollouts per page", choices=PAGE_SIZES),
            "connect_timeout": Option(float, 3.0, "seconds to wait for a connection"),
            "timeout": Option(float, 10.0, "seconds to wait for an answer"),
            "health_interval": Option(float, 3.0, "seconds between health checks"),
            "client_side_limit": Option(
                int,
                CLIENT_SIDE_LIMIT,
                "up to this many rollouts the whole list is fetched and paged here; above, the server pages",
            ),
            "api_key": Option(
                (str, type(None)), None, "the 1.x server's API key (`agl-server key=...`); never shown"
            ),
            "history_dir": Option(
                (str, type(None)),
                None,
                "where the history of 1.x servers is kept (default: $XDG_STATE_HOME/deck/lightning)",
            ),
            "history_retention": Option(int, DEFAULT_RETENTION, "rollouts kept per 1.x server history"),
            "history_interval": Option(
                float, 1.0, "seconds between reads of a 1.x server (its trainer deletes within ~1 s)"
            ),
            "theme": Option(
                (str, type(None)),
                None,
                "light, dark or system, applied at start (default: the layout's theme)",
                choices=(None, *THEME_CHOICES),
            ),
        }

    @hookimpl
    def deck_sources(self, config: Mapping[str, Any]) -> list[Source[Any]]:
        layout_url = str(config.get("url") or DEFAULT_BASE_URL)
        url, origin = chosen_url(layout_url, state_file(), layout_wins=bool(config.get("url_wins")))
        settings = self.connection.configure({**config, "url": url})
        self.connection.url_origin = origin
        timeout, backoff = settings.fetch_timeout, 30.0
        connection = self.connection

        def data(name: str, fetch: Any, description: str) -> Source[Any]:
            return Source(
                name, fetch, interval=None, timeout=timeout, max_backoff=backoff, description=description
            )

        return [
            Source(
                HEALTH,
                connection.fetch_health,
                interval=settings.health_interval,
                timeout=settings.connect_timeout + settings.timeout + 2,
                max_backoff=settings.health_interval,
                description="GET /health: the header's Online / Offline",
            ),
            Source(
                ROLLOUTS,
                connection.fetch_rollouts,
                interval=None,
                timeout=timeout,
                max_backoff=backoff,
                description="the rollout table: the whole list, or a server page (1.x: the history)",
                params={"query": RolloutQuery(page_size=settings.page_size)},
            ),
            Source(
                SPANS,
                connection.fetch_spans,
                interval=None,
                timeout=timeout,
                max_backoff=backoff,
                description="the picked rollout's attempts and spans",
                params={"rollout_id": None, "attempt_id": None},
            ),
            data(RESOURCES, connection.fetch_resources, "resource snapshots and the latest one"),
            data(WORKERS, connection.fetch_workers, "the runners"),
            data(STATISTICS, connection.fetch_statistics, "the store's counters"),
            data(GATEWAY, connection.fetch_gateway, "1.x: the LLM proxy's pause state and calls in flight"),
        ]

    @hookimpl
    def deck_panels(self) -> list[PanelType]:
        connection = self.connection
        return [
            PanelType(
                "lightning.rollouts",
                lambda ctx: RolloutsPanel(ctx, connection),
                {},
                "every rollout, paged, sorted and filtered; retried ones open into their attempts",
                "Rollouts",
            ),
            PanelType(
                "lightning.resources",
                lambda ctx: ResourcesPanel(ctx, connection),
                {},
                "resource snapshots (latest marked), each opening into its resources",
                "Resources",
            ),
            PanelType(
                "lightning.spans",
                lambda ctx: SpansPanel(ctx, connection),
                {},
                "the picked rollout's spans (o picks a rollout, a an attempt)",
                "Spans",
            ),
            PanelType(
                "lightning.waterfall",
                lambda ctx: WaterfallPanel(ctx, connection),
                {},
                "the span tree with a waterfall of durations",
                "Span tree",
            ),
            PanelType(
                "lightning.runners",
                lambda ctx: RunnersPanel(ctx, connection),
                {},
                "every runner: status, current rollout, heartbeat and activity",
                "Runners",
            ),
            PanelType(
                "lightning.gateway",
                lambda ctx: GatewayPanel(ctx, connection),
                {},
                "1.x: the LLM proxy (paused or not, why, calls in flight); g pauses or resumes it",
                "Gateway",
            ),
            PanelType(
                "lightning.settings",
                lambda ctx: SettingsPanel(ctx, connection),
                {},
                "auto-refresh, backend URL, theme, page size, and the store's counters",
                "Settings",
            ),
        ]

    @hookimpl
    def deck_actions(self) -> list[Action]:
        return lightning_actions(self.connection)

    @hookimpl
    def deck_commands(self) -> list[Command]:
        return [
            Command(actions_cli.COMMAND, actions_cli.DESCRIPTION, actions_cli.main, actions_cli.configure)
        ]

    @hookimpl
    def deck_status_segments(self) -> list[StatusSegment]:
        return [
            StatusSegment(
                "lightning.connection", HEALTH, lambda result: connection_markup(result, self.connection.busy)
            )
        ]

    @hookimpl
    def deck_startup(self, ctx: Context) -> None:
        if self.connection.theme is not None:
            try:
                ctx.use_theme(theme_for(self.connection.theme))
            except ThemeError as exc:
                ctx.notify(f"theme {self.connection.theme}: {exc.message}", "warn")
        ctx.spawn(keep_fresh(ctx, self.connection), "lightning refresh")

    @hookimpl
    def deck_shutdown(self, ctx: Context) -> None:
        self.connection.close()
