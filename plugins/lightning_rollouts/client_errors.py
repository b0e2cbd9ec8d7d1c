"""What can go wrong talking to a LightningStore, as one hierarchy the panels can show."""

from __future__ import annotations

from deck._errors import DeckError

__all__ = [
    "BadResponseError",
    "HTTPStatusError",
    "InvalidURLError",
    "LightningError",
    "NotFoundError",
    "OfflineError",
    "RequestTimeoutError",
]


class LightningError(DeckError):
    """Base class: catch this to handle every failure of the Lightning client."""


class InvalidURLError(LightningError):
    """The backend URL given in the layout or in Settings is not a usable http(s) URL."""


class OfflineError(LightningError):
    """The server cannot be reached (refused, unknown host, connection dropped)."""


class RequestTimeoutError(LightningError):
    """The server accepted the connection but did not answer in time."""


class BadResponseError(LightningError):
    """The server answered with something that is not the JSON the API promises."""


class HTTPStatusError(LightningError):
    """The server answered with an error status; `detail` is its explanation, condensed."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        detail: str,
        where: str | None = None,
        hint: str | None = None,
    ):
        self.status = status
        self.detail = detail
        super().__init__(message, where=where, hint=hint)


class NotFoundError(HTTPStatusError):
    """The rollout asked for does not exist (the store answers 500 for unknown ids)."""
