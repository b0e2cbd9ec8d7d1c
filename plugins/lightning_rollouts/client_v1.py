"""A synchronous client for the Agent-lightning 1.x server (`agl-server`), for deck's threads.

Routes have no version prefix (`/healthz`, `/api/...`, `/proxy/...`). An optional API key is
sent as `Authorization: Bearer`; it never appears in an error message or the log.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Literal

import httpx

from deck.plugins.lightning_rollouts.client import _segment, normalize_base_url
from deck.plugins.lightning_rollouts.client_answers import decode, describe, kind
from deck.plugins.lightning_rollouts.client_errors import (
    BadResponseError,
    HTTPStatusError,
    NotFoundError,
    OfflineError,
    RequestTimeoutError,
)
from deck.plugins.lightning_rollouts.model_v1 import (
    STATES,
    Event,
    GatewayState,
    RolloutV1,
    TerminalPage,
    parse_event,
    parse_gateway,
    parse_rollout_v1,
)

__all__ = ["LightningV1Client"]

log = logging.getLogger(__name__)

_OFFLINE_HINT = "Is `agl-server` running there? The backend URL can be changed in Settings."
#: A list limit meaning "all of them" (the server caps lists at 500 by default; -1 drops one).
_EVERY = 1_000_000
#: The terminal cursor's page size (the server's default).
TERMINAL_PAGE = 1000


class LightningV1Client:
    """The 1.x API as typed calls; every failure is a LightningError.

    Args:
        base_url: the server's root, e.g. `http://localhost:8080`.
        api_key: the server's `key=`, or None when it runs without one.
        transport: an httpx transport to use instead of the network (tests).
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        headers = {"Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._http = httpx.Client(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            transport=transport,
            headers=headers,
            follow_redirects=False,
        )
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    # -- reads ---------------------------------------------------------------------------

    def health(self) -> bool:
        """True when `/healthz` says ok."""
        payload = self._request("GET", "/healthz")
        return isinstance(payload, dict) and payload.get("status") == "ok"

    def active(self, limit: int = _EVERY) -> tuple[RolloutV1, ...]:
        """Queuing and running rollouts, in creation order (the server caps the list)."""
        params = {"state_in": ["queuing", "running"], "limit": limit}
        return self._rollouts(self._request("GET", "/api/rollouts", params=params), "/api/rollouts")

    def by_states(self, states: tuple[str, ...] = STATES, limit: int = _EVERY) -> tuple[RolloutV1, ...]:
        """Rollouts in the given states (every one the server still holds, by default)."""
        params = {"state_in": list(states), "limit": limit}
        return self._rollouts(self._request("GET", "/api/rollouts", params=params), "/api/rollouts")

    def terminal(self, after: int, limit: int = TERMINAL_PAGE) -> TerminalPage:
        """Finished rollouts after cursor position `after` (deleted ones are left out)."""
        where = "/api/rollouts/terminal"
        payload = self._request("GET", where, params={"after": max(0, after), "limit": max(1, limit)})
        if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
            raise BadResponseError(f"expected the terminal cursor's page, got {kind(payload)}", where=where)
        items = tuple(
            (item["rollout_id"], str(item.get("state") or "?"), item.get("is_train") is not False)
            for item in payload["items"]
            if isinstance(item, dict) and isinstance(item.get("rollout_id"), str)
        )
        next_after = payload.get("next_after")
        total = payload.get("total_terminal")
        return TerminalPage(
            items,
            next_after if type(next_after) is int else after + len(items),
            total if type(total) is int else after + len(items),
        )

    def rollout(self, rollout_id: str) -> tuple[RolloutV1, tuple[str, ...]]:
        """A rollout and its attempt ids; NotFoundError once it is deleted."""
        where = f"/api/rollouts/{_segment(rollout_id)}"
        payload = self._request("GET", where, missing=rollout_id)
        rollout = parse_rollout_v1(payload.get("rollout") if isinstance(payload, dict) else None)
        if rollout is None:
            raise BadResponseError(f"expected a rollout, got {kind(payload)}", where=where)
        attempts = payload.get("attempts") if isinstance(payload.get("attempts"), list) else []
        return rollout, tuple(a for a in attempts if isinstance(a, str))

    def events(self, rollout_id: str) -> tuple[Event, ...]:
        """The current attempt's events in order; NotFoundError once the rollout is deleted."""
        where = f"/api/rollouts/{_segment(rollout_id)}/events"
        payload = self._request("GET", where, missing=rollout_id)
        if not isinstance(payload, list):
            raise BadResponseError(f"expected a list of events, got {kind(payload)}", where=where)
        parsed = (parse_event(item, position) for position, item in enumerate(payload))
        return tuple(event for event in parsed if event is not None)

    def gateway(self) -> GatewayState:
        """The LLM proxy's pause state and in-flight calls."""
        return parse_gateway(self._request("GET", "/proxy/state"))

    # -- changes -------------------------------------------------------------------------

    def fail(self, rollout_id: str, message: str) -> RolloutV1:
        """Move a rollout to `failed` with an error message (409 when its state forbids it)."""
        where = f"/api/rollouts/{_segment(rollout_id)}"
        body = {"status": {"state": "failed", "error_message": message}}
        payload = self._request("PATCH", where, json=body, missing=rollout_id)
        rollout = parse_rollout_v1(payload)
        if rollout is None:
            raise BadResponseError(f"expected a rollout, got {kind(payload)}", where=where)
        return rollout

    def delete(self, rollout_id: str) -> None:
        """Delete a rollout and its events (the server answers 204 even when it is gone)."""
        self._request("DELETE", f"/api/rollouts/{_segment(rollout_id)}")

    def pause(self, reason: str) -> GatewayState:
        """Pause the LLM proxy: new calls get 429 until resumed."""
        return parse_gateway(self._request("POST", "/proxy/pause", json={"reason": reason}))

    def resume(self) -> GatewayState:
        """Let the LLM proxy take calls again."""
        return parse_gateway(self._request("POST", "/proxy/resume", json={}))

    # -- plumbing ------------------------------------------------------------------------

    def _rollouts(self, payload: Any, where: str) -> tuple[RolloutV1, ...]:
        if not isinstance(payload, list):
            raise BadResponseError(f"expected a list of rollouts, got {kind(payload)}", where=where)
        parsed = (parse_rollout_v1(item) for item in payload)
        return tuple(r for r in parsed if r is not None)

    def _request(
        self,
        method: Literal["GET", "POST", "PATCH", "DELETE"],
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        missing: str | None = None,
    ) -> Any:
        where = f"{method} {self.base_url}{path}"
        try:
            response = self._http.request(method, self.base_url + path, params=params, json=json)
        except httpx.TimeoutException as exc:
            raise RequestTimeoutError("no answer in time", where=where) from exc
        except httpx.TransportError as exc:
            raise OfflineError(
                f"cannot reach {self.base_url} ({describe(exc)})", where=where, hint=_OFFLINE_HINT
            ) from exc
        if response.status_code == 204:
            return None
        if response.status_code == 404 and missing is not None:
            raise NotFoundError(f"rollout {missing} not found (deleted)", status=404, detail="", where=where)
        if response.status_code in (401, 403):
            raise HTTPStatusError(
                f"the server refused the API key ({response.status_code}): set api_key for this server",
                status=response.status_code,
                detail="invalid or missing API key",
                where=where,
            )
        return decode(response, where, None)
