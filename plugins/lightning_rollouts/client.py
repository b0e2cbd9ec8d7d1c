"""A synchronous client for the LightningStore HTTP API, meant to run in deck's thread pool.

One `httpx.Client` is shared by every call. GETs are retried with exponential backoff when the
connection fails or a proxy answers 502/503/504; POSTs never are, as they change state. Timeouts
are not retried either: a server that stalls once will stall again, and the operator should
hear about it after one timeout, not three.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from deck.plugins.lightning_rollouts.client_answers import decode, describe, kind, status_error
from deck.plugins.lightning_rollouts.client_errors import (
    BadResponseError,
    InvalidURLError,
    LightningError,
    OfflineError,
    RequestTimeoutError,
)
from deck.plugins.lightning_rollouts.model import (
    Attempt,
    Page,
    ResourceSnapshot,
    Rollout,
    Span,
    Statistics,
    Worker,
    parse_attempt,
    parse_items,
    parse_resources,
    parse_rollout,
    parse_span,
    parse_statistics,
    parse_worker,
)

__all__ = ["API_PREFIX", "DEFAULT_BASE_URL", "Backend", "LightningClient", "normalize_base_url", "probe"]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "http://localhost:4747"
API_PREFIX = "/v1/agl"

_RETRY_STATUSES = frozenset({502, 503, 504})
_HOST = re.compile(r"[A-Za-z0-9._~-]+|[0-9A-Fa-f:.]+")
_OFFLINE_HINT = "Is `agl store` running there? The backend URL can be changed in Settings."

T = TypeVar("T")

#: The two servers the plugin speaks to: `agl store` (0.3.0) and `agl-server` (1.x).
Backend = Literal["0.3.0", "1.x"]


def probe(url: str, *, timeout: float = 3.0, http: httpx.Client | None = None) -> Backend:
    """Which Agent-lightning server answers at `url`, or a LightningError saying what did.

    0.3.0 answers `/v1/agl/health` with JSON; 1.x answers `/healthz` with JSON (a 0.3.0
    server answers every unknown path with its HTML page, so the order matters). Pass the
    `http` client of a caller that probes again and again: a new client loads the system's
    certificates each time, most of an idle deck's CPU.
    """
    if http is None:
        with httpx.Client(timeout=timeout, follow_redirects=False) as own:
            return probe(url, timeout=timeout, http=own)
    base = normalize_base_url(url)
    answers: list[str] = []
    for path, backend in ((API_PREFIX + "/health", "0.3.0"), ("/healthz", "1.x")):
        where = f"GET {base}{path}"
        try:
            response = http.get(base + path)
        except httpx.TimeoutException as exc:
            raise RequestTimeoutError(
                f"timeout: {base} did not answer within {timeout:g}s", where=where
            ) from exc
        except httpx.TransportError as exc:
            raise OfflineError(
                f"cannot reach {base} ({describe(exc)})", where=where, hint=_OFFLINE_HINT
            ) from exc
        content_type = response.headers.get("content-type", "")
        if response.is_success and "json" in content_type:
            try:
                payload = response.json()
            except ValueError:
                payload = None
            if isinstance(payload, dict) and payload.get("status") == "ok":
                return backend  # type: ignore[return-value]
        html = " HTML" if "html" in content_type else ""
        answers.append(f"HTTP {response.status_code}{html}")
    said = answers[0] if len(set(answers)) == 1 else " then ".join(answers)
    raise BadResponseError(
        f"{said} from a server that is not a LightningStore",
        where=f"{base}{API_PREFIX}/health and {base}/healthz",
        hint="Check the host and port: `agl store` or `agl-server` must listen there.",
    )


def normalize_base_url(url: str) -> str:
    """Validate a backend URL and return it as `scheme://host[:port][/path]`.

    Accepts `host:port` without a scheme, and drops a trailing `/v1/agl` (the API prefix is
    added by the client). Raises InvalidURLError with the reason.
    """
    text = url.strip()
    if not text:
        raise InvalidURLError("the backend URL is empty")
    if "://" not in text:
        text = f"http://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidURLError(f"{url!r} is not a valid URL ({exc})") from exc
    if parts.scheme not in ("http", "https"):
        raise InvalidURLError(f"{url!r} must start with http:// or https://")
    if port == 0:
        raise InvalidURLError(f"{url!r} has port 0")
    host = parts.hostname
    if not host or not _HOST.fullmatch(host):
        raise InvalidURLError(f"{url!r} has no valid host name")
    if parts.query or parts.fragment:
        raise InvalidURLError(f"{url!r} must not have a query or fragment")
    path = parts.path.rstrip("/")
    if path.endswith(API_PREFIX):
        path = path[: -len(API_PREFIX)]
    return f"{parts.scheme}://{parts.netloc}{path}"


class LightningClient:
    """The LightningStore API as typed calls; every failure is a LightningError.

    Args:
        base_url: the server's root, e.g. `http://localhost:4747` (the `/v1/agl` is implied).
        connect_timeout: seconds to wait for a connection.
        read_timeout: seconds to wait for each chunk of an answer.
        retries: extra tries for a GET that could not connect (never for POSTs).
        backoff: seconds before the first retry; doubled for each further one.
        transport: an httpx transport to use instead of the network (tests).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.25,
        transport: httpx.BaseTransport | None = None,
    ):
        self._timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._retries = max(0, retries)
        self._backoff = max(0.0, backoff)
        self._transport = transport
        self._lock = threading.Lock()
        self._base_url = normalize_base_url(base_url)
        self._http = self._new_http()

    def _new_http(self) -> httpx.Client:
        return httpx.Client(
            timeout=self._timeout,
            transport=self._transport,
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )

    @property
    def base_url(self) -> str:
        """The server root requests go to."""
        return self._base_url

    def set_base_url(self, url: str) -> str:
        """Point the client at another server (validated); drops the old connections."""
        normalized = normalize_base_url(url)
        with self._lock:
            old = self._http
            self._base_url, self._http = normalized, self._new_http()
        old.close()
        log.info("Lightning backend is now %s", normalized)
        return normalized

    def close(self) -> None:
        """Close the connections; the client must not be used afterwards."""
        self._http.close()

    def __enter__(self) -> LightningClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- reads ---------------------------------------------------------------------------

    def health(self) -> bool:
        """True when the server says it is ok; raises a LightningError when it cannot answer."""
        payload = self._request("GET", "/health")
        if not isinstance(payload, dict):
            raise BadResponseError("expected an object from the health check", where="/health")
        return payload.get("status") == "ok"

    def list_rollouts(self) -> tuple[Rollout, ...]:
        """Every rollout with its latest attempt, in the store's order."""
        payload = self._request("GET", "/rollouts", params={"limit": -1})
        return parse_items(self._items(payload, "/rollouts"), parse_rollout, "rollout")

    def list_rollouts_page(
        self,
        *,
        limit: int = 100,
        offset: int = 0,
        sort_by: str | None = None,
        sort_order: Literal["asc", "desc"] = "asc",
        status_in: Iterable[str] = (),
        rollout_id_in: Iterable[str] = (),
        rollout_id_contains: str | None = None,
        filter_logic: Literal["and", "or"] = "and",
    ) -> Page[Rollout]:
        """One page of rollouts, paged, sorted and filtered by the server; `total` counts all."""
        params: dict[str, Any] = {
            "limit": limit,
            "offset": offset,
            "sort_order": sort_order,
            "filter_logic": filter_logic,
            "status_in": list(status_in),
            "rollout_id_in": list(rollout_id_in),
        }
        if sort_by is not None:
            params["sort_by"] = sort_by
        if rollout_id_contains:
            params["rollout_id_contains"] = rollout_id_contains
        payload = self._request("GET", "/rollouts", params=params)
        return self._page(payload, "/rollouts", parse_rollout, "rollout")

    def get_rollout(self, rollout_id: str) -> Rollout:
        """One rollout with its latest attempt; NotFoundError when the id is unknown."""
        path = f"/rollouts/{_segment(rollout_id)}"
        payload = self._request("GET", path, not_found=f"rollout {rollout_id!r}")
        return self._one(payload, path, parse_rollout, f"rollout {rollout_id!r}")

    def list_attempts(self, rollout_id: str) -> tuple[Attempt, ...]:
        """All attempts of a rollout, oldest first (by sequence id)."""
        path = f"/rollouts/{_segment(rollout_id)}/attempts"
        payload = self._request("GET", path, params={"limit": -1, "sort_by": "sequence_id"})
        return parse_items(self._items(payload, path), parse_attempt, "attempt")

    def latest_attempt(self, rollout_id: str) -> Attempt | None:
        """The newest attempt of a rollout, or None when it has none (or is unknown)."""
        path = f"/rollouts/{_segment(rollout_id)}/attempts/latest"
        return self._optional(self._request("GET", path), path, parse_attempt)

    def list_resources(self) -> tuple[ResourceSnapshot, ...]:
        """Every resource snapshot."""
        payload = self._request("GET", "/resources", params={"limit": -1})
        return parse_items(self._items(payload, "/resources"), parse_resources, "resources")

    def latest_resources(self) -> ResourceSnapshot | None:
        """The snapshot new rollouts get by default, or None when there is none."""
        path = "/resources/latest"
        return self._optional(self._request("GET", path), path, parse_resources)

    def list_spans(self, rollout_id: str, attempt_id: str | None = None) -> tuple[Span, ...]:
        """The spans of a rollout (of one attempt, if given), in sequence order."""
        params: dict[str, Any] = {"rollout_id": rollout_id, "limit": -1}
        if attempt_id is not None:
            params["attempt_id"] = attempt_id
        payload = self._request("GET", "/spans", params=params)
        return parse_items(self._items(payload, "/spans"), parse_span, "span")

    def list_workers(self) -> tuple[Worker, ...]:
        """Every worker (runner) the store has seen."""
        payload = self._request("GET", "/workers", params={"limit": -1})
        return parse_items(self._items(payload, "/workers"), parse_worker, "worker")

    def statistics(self) -> Statistics:
        """The store's counters."""
        payload = self._request("GET", "/statistics")
        if not isinstance(payload, dict):
            raise BadResponseError("expected an object of counters", where="/statistics")
        return parse_statistics(payload)

    # -- actions -------------------------------------------------------------------------

    def cancel_rollout(self, rollout_id: str) -> Rollout:
        """Mark a rollout cancelled; its running attempt is left as it is (store behaviour)."""
        return self._set_status(rollout_id, "cancelled")

    def requeue_rollout(self, rollout_id: str) -> Rollout:
        """Put a rollout back in the queue (status `requeuing`); the next dequeue retries it.

        The store appends it to the queue's end and the new attempt gets the next sequence id,
        whatever `max_attempts` says. The returned rollout carries no attempt.
        """
        return self._set_status(rollout_id, "requeuing")

    def _set_status(self, rollout_id: str, status: str) -> Rollout:
        path = f"/rollouts/{_segment(rollout_id)}"
        payload = self._request("POST", path, json={"status": status}, not_found=f"rollout {rollout_id!r}")
        return self._one(payload, path, parse_rollout, f"rollout {rollout_id!r}")

    # -- plumbing ------------------------------------------------------------------------

    def _request(
        self,
        method: Literal["GET", "POST"],
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        not_found: str | None = None,
    ) -> Any:
        """Send one request (retrying GETs that fail to connect) and decode its JSON."""
        with self._lock:
            http, base = self._http, self._base_url
        where = f"{method} {base}{API_PREFIX}{path}"
        tries = 1 + self._retries if method == "GET" else 1
        for attempt in range(tries):
            try:
                response = http.request(method, base + API_PREFIX + path, params=params, json=json)
            except httpx.TimeoutException as exc:
                raise self._timeout_error(exc, method, where) from exc
            except httpx.TransportError as exc:
                error: LightningError = OfflineError(
                    f"cannot reach {base} ({describe(exc)})", where=where, hint=_OFFLINE_HINT
                )
                cause: BaseException | None = exc
            except RuntimeError as exc:  # the client was closed by set_base_url meanwhile
                raise LightningError("request dropped: the backend URL changed", where=where) from exc
            else:
                if response.status_code not in _RETRY_STATUSES:
                    return decode(response, where, not_found)
                error, cause = status_error(response, where, None), None
            if attempt + 1 < tries:
                delay = self._backoff * 2**attempt
                log.info("%s failed (%s); retrying in %.2fs", where, error.message, delay)
                time.sleep(delay)
        raise error from cause

    def _timeout_error(self, exc: httpx.TimeoutException, method: str, where: str) -> RequestTimeoutError:
        if isinstance(exc, httpx.ConnectTimeout):
            message = f"no connection within {self._timeout.connect:g}s"
        else:
            message = f"no answer within {self._timeout.read:g}s"
        hint = None
        if method == "POST":
            hint = "The change may or may not have been applied: refresh to see."
        return RequestTimeoutError(message, where=where, hint=hint)

    @staticmethod
    def _items(payload: Any, where: str) -> list[Any]:
        """The item list of a paginated answer (a bare list is accepted too)."""
        items = payload.get("items") if isinstance(payload, dict) else None
        if isinstance(items, list):
            return items
        if isinstance(payload, list):
            return payload
        raise BadResponseError(f"expected a list of items, got {kind(payload)}", where=where)

    def _page(self, payload: Any, where: str, parse: Callable[[Any], T | None], what: str) -> Page[T]:
        items = parse_items(self._items(payload, where), parse, what)
        meta = payload if isinstance(payload, dict) else {}
        numbers = [meta.get(k) for k in ("limit", "offset", "total")]
        limit, offset, total = (v if type(v) is int else None for v in numbers)
        return Page(
            items=items,
            limit=limit if limit is not None else len(items),
            offset=offset or 0,
            total=total if total is not None else len(items),
        )

    @staticmethod
    def _one(payload: Any, where: str, parse: Callable[[Any], T | None], what: str) -> T:
        value = parse(payload)
        if value is None:
            raise BadResponseError(f"expected {what}, got {kind(payload)}", where=where)
        return value

    @staticmethod
    def _optional(payload: Any, where: str, parse: Callable[[Any], T | None]) -> T | None:
        if payload is None:
            return None
        value = parse(payload)
        if value is None:
            raise BadResponseError(f"unexpected {kind(payload)}", where=where)
        return value


def _segment(identifier: str) -> str:
    """An id as one URL path segment (ids with `/` or `?` must not change the route)."""
    if not identifier:
        raise ValueError("an id must not be empty")
    return quote(identifier, safe="")
