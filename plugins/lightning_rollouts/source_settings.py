"""Settings the operator changes at runtime: auto-refresh, theme, and when to fetch again."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path

from deck import Context
from deck.plugins.lightning_rollouts.source import (
    DATA_SOURCES,
    GATEWAY,
    HEALTH,
    ROLLOUTS,
    LightningConnection,
)

__all__ = [
    "AUTO_REFRESH_CHOICES",
    "THEME_CHOICES",
    "Refresher",
    "auto_refresh_text",
    "chosen_url",
    "keep_fresh",
    "save_url",
    "state_file",
    "system_theme",
    "theme_for",
]

#: Seconds between automatic refreshes; None is off (the default, as in the design).
AUTO_REFRESH_CHOICES: tuple[int | None, ...] = (None, 5, 15, 60, 300)
#: The design's theme choices and the deck themes they stand for ("system" asks the terminal).
THEME_CHOICES = ("light", "dark", "system")
_THEMES = {"light": "daylight", "dark": "neon-syndicate"}
# COLORFGBG background colours (xterm's 16) that mean a light terminal.
_LIGHT_BACKGROUNDS = frozenset({"7", "15"})
#: How often the plugin looks whether the data is due again (auto-refresh, reconnect).
WATCH_INTERVAL = 0.5


def state_file(environ: Mapping[str, str] = os.environ) -> Path:
    """Where the URL chosen in Settings is kept: $XDG_STATE_HOME/deck/lightning/settings.json."""
    state = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "deck" / "lightning" / "settings.json"


def save_url(path: Path, url: str) -> None:
    """Remember the backend URL chosen in Settings for the next run (atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"url": url}))
    temporary.replace(path)


def chosen_url(
    layout_url: str, path: Path, environ: Mapping[str, str] = os.environ, *, layout_wins: bool = False
) -> tuple[str, str]:
    """The URL to start with and where it came from.

    AGL_SERVER_HOST / AGL_SERVER_PORT (the variables agentlightning itself reads) win, then
    the URL last chosen in Settings, then the layout's; with `layout_wins` (`deck lightning
    --url`), the layout's. A saved file that cannot be read is ignored (the layout's URL is
    used and the reason returned).
    """
    if layout_wins:
        return layout_url, "the layout (url_wins: deck lightning --url)"
    host, port = environ.get("AGL_SERVER_HOST"), environ.get("AGL_SERVER_PORT")
    if host or port:
        return f"http://{host or 'localhost'}:{port or '4747'}", "AGL_SERVER_HOST/AGL_SERVER_PORT"
    try:
        saved = json.loads(path.read_text())
    except FileNotFoundError:
        return layout_url, "the layout"
    except (OSError, ValueError) as exc:
        return layout_url, f"the layout ({path} is unreadable: {exc})"
    url = saved.get("url") if isinstance(saved, dict) else None
    if isinstance(url, str) and url:
        return url, f"Settings (saved in {path})"
    return layout_url, "the layout"


def auto_refresh_text(seconds: int | None) -> str:
    """`off` or `every 15 s`."""
    return "off" if seconds is None else f"every {seconds} s"


def system_theme(environ: Mapping[str, str] = os.environ) -> str:
    """light or dark, from the terminal's COLORFGBG ("fg;bg"); dark when it does not say."""
    background = environ.get("COLORFGBG", "").split(";")[-1].strip()
    return "light" if background in _LIGHT_BACKGROUNDS else "dark"


def theme_for(choice: str, environ: Mapping[str, str] = os.environ) -> str:
    """The deck theme for a choice of light, dark or system."""
    if choice == "system":
        choice = system_theme(environ)
    try:
        return _THEMES[choice]
    except KeyError:
        raise ValueError(f"theme must be one of {', '.join(THEME_CHOICES)}, not {choice!r}") from None


class Refresher:
    """Decides when the data sources are fetched again: on the auto-refresh cadence, and as
    soon as the backend answers again after being offline."""

    def __init__(self, connection: LightningConnection) -> None:
        self.connection = connection
        self._cadence: int | None = connection.auto_refresh
        self._last: float | None = None
        self._online: bool | None = None

    def due(self, now: float, online: bool | None) -> str | None:
        """Why the data should be fetched now (`auto-refresh`, `back online`, `went offline`),
        or None. Fetching when the server goes away marks every view stale at once."""
        came_back = online is True and self._online is False
        went_away = online is False and self._online is True
        if online is not None:
            self._online = online
        cadence = self.connection.auto_refresh
        if cadence != self._cadence or self._last is None:
            self._cadence, self._last = cadence, now  # a new cadence counts from now
        if came_back:
            self._last = now
            return "back online"
        if went_away:
            return "went offline"
        if cadence is not None and now - self._last >= cadence:
            self._last = now
            return "auto-refresh"
        return None


async def keep_fresh(ctx: Context, connection: LightningConnection) -> None:
    """Fetch the data again on the auto-refresh cadence and when the backend comes back."""
    refresher = Refresher(connection)
    followed = 0.0
    while True:
        await asyncio.sleep(WATCH_INTERVAL)
        health = ctx.result(HEALTH)
        online = health.ok if health.has_value or health.error else None
        now, interval = time.monotonic(), connection.config.history_interval
        reason = refresher.due(now, online)
        if reason is not None:
            ctx.log.info("refreshing the data: %s", reason)
            for name in DATA_SOURCES:
                ctx.refresh(name)
        elif online and connection.backend() == "1.x" and now - followed >= interval:
            # A 1.x trainer deletes finished rollouts within a second: read them before.
            followed = now
            ctx.refresh(ROLLOUTS)
            ctx.refresh(GATEWAY)
