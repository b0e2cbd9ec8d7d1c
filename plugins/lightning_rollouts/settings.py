"""Settings the operator changes at runtime: auto-refresh, theme, and when to fetch again."""

from __future__ import annotations

import os
from collections.abc import Mapping

from deck.plugins.lightning_rollouts.source import LightningSession

__all__ = [
    "AUTO_REFRESH_CHOICES",
    "THEME_CHOICES",
    "Refresher",
    "auto_refresh_text",
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

    def __init__(self, session: LightningSession) -> None:
        self.session = session
        self._cadence: int | None = session.auto_refresh
        self._last: float | None = None
        self._online: bool | None = None

    def due(self, now: float, online: bool | None) -> str | None:
        """Why the data should be fetched now (`auto-refresh`, `back online`, `went offline`),
        or None. Fetching when the server goes away marks every view stale at once."""
        came_back = online is True and self._online is False
        went_away = online is False and self._online is True
        if online is not None:
            self._online = online
        cadence = self.session.auto_refresh
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
