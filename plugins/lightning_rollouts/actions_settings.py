"""Actions of the Settings screen: backend URL, auto-refresh, theme."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from deck import ActionContext, ActionError, ThemeError
from deck.plugins.lightning_rollouts.actions_common import Handler, redraw_settings
from deck.plugins.lightning_rollouts.client import normalize_base_url, probe
from deck.plugins.lightning_rollouts.client_errors import InvalidURLError, LightningError
from deck.plugins.lightning_rollouts.source import LightningConnection
from deck.plugins.lightning_rollouts.source_settings import (
    AUTO_REFRESH_CHOICES,
    THEME_CHOICES,
    auto_refresh_text,
    save_url,
    state_file,
    theme_for,
)

__all__ = ["auto_refresh_action", "edit_setting_action", "theme_action", "url_action"]


def _url_problem(text: str) -> str | None:
    try:
        normalize_base_url(text)
    except InvalidURLError as exc:
        return exc.message
    return None


def url_action(connection: LightningConnection) -> Handler:
    async def change_url(ctx: ActionContext) -> str | None:
        """Point the deck at another server once it answers as one; every view reloads from it.

        A URL where nothing (or something else) answers is refused with what answered, and
        the deck stays on the old one. The new URL is remembered for the next run."""
        url = await ctx.prompt(
            "Backend URL (http://host:port)", default=connection.url, validate=_url_problem
        )
        if url is None:
            return None
        try:
            backend = await ctx.run_blocking(probe, url, timeout=connection.config.connect_timeout)
        except LightningError as exc:  # the URL kept is the one Settings shows, beside the message
            raise ActionError(f"{exc.message}; not switched") from None
        normalized = await ctx.run_blocking(connection.set_url, url)
        ctx.refresh()
        redraw_settings(ctx)
        connection.url_origin = "Settings"
        try:
            save_url(state_file(), normalized)
        except OSError as exc:
            ctx.notify(f"the URL is used now but could not be saved: {exc}", "warn")
        return f"backend: {normalized} ({backend})"

    return change_url


def auto_refresh_action(connection: LightningConnection) -> Handler:
    async def choose_auto_refresh(ctx: ActionContext) -> str | None:
        """Fetch every view again every 5, 15, 60 or 300 seconds, or only on request."""
        current = connection.auto_refresh
        options = [
            (f"{auto_refresh_text(s)}{'  ✓' if s == current else ''}", s if s is not None else 0)
            for s in AUTO_REFRESH_CHOICES
        ]
        chosen = await ctx.choose("Auto-refresh", options)
        if chosen is None:
            return None
        connection.auto_refresh = chosen or None
        redraw_settings(ctx)
        return f"auto-refresh: {auto_refresh_text(connection.auto_refresh)}"

    return choose_auto_refresh


def theme_action(connection: LightningConnection) -> Handler:
    async def choose_theme(ctx: ActionContext) -> str | None:
        """Light, dark, or what the terminal says (system), switched at once."""
        options = [(f"{c}{'  ✓' if c == connection.theme else ''}", c) for c in THEME_CHOICES]
        choice = await ctx.choose("Theme", options)
        if choice is None:
            return None
        name = theme_for(choice)
        try:
            ctx.use_theme(name)
        except ThemeError as exc:
            raise ActionError(exc.message) from None
        connection.theme = choice
        redraw_settings(ctx)
        return f"theme: {choice} ({name})"

    return choose_theme


def edit_setting_action(handlers: dict[str, Handler]) -> Handler:
    async def edit_setting(ctx: ActionContext) -> Any:
        """Enter on a setting changes it."""
        handler = handlers.get(ctx.selection) if isinstance(ctx.selection, str) else None
        if handler is None:
            return None
        result = handler(ctx)
        return await result if isinstance(result, Awaitable) else result

    return edit_setting
