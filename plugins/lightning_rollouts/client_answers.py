"""How the store's HTTP answers become JSON values or errors that say what went wrong."""

from __future__ import annotations

from typing import Any

import httpx

from deck.plugins.lightning_rollouts.client_errors import BadResponseError, HTTPStatusError, NotFoundError

__all__ = ["decode", "describe", "kind", "status_error"]


def describe(exc: httpx.TransportError) -> str:
    """A short reason for a failed connection, for the operator."""
    text = str(exc) or type(exc).__name__
    if "refused" in text.lower():
        return "connection refused"
    return text if len(text) <= 120 else text[:119] + "…"


def kind(payload: Any) -> str:
    """What a JSON value is, for "expected X, got Y" messages."""
    return "null" if payload is None else type(payload).__name__


def decode(response: httpx.Response, where: str, not_found: str | None) -> Any:
    """The JSON body of a successful answer; anything else becomes the matching error."""
    if not response.is_success:
        raise status_error(response, where, not_found)
    content_type = response.headers.get("content-type", "")
    if "json" not in content_type:
        snippet = response.content[:60].decode("utf-8", "replace")
        hint = None
        if "html" in content_type or snippet.lstrip().startswith("<"):
            hint = "The URL may point at a web page (a proxy, a dashboard), not the store's root."
        raise BadResponseError(
            f"expected JSON, got {content_type or 'no content type'}: {snippet!r}",
            where=where,
            hint=hint,
        )
    try:
        return response.json()
    except (ValueError, RecursionError) as exc:
        raise BadResponseError(f"the answer is not valid JSON ({exc})", where=where) from exc


def status_error(response: httpx.Response, where: str, not_found: str | None) -> HTTPStatusError:
    """An error for a non-2xx answer, condensing FastAPI's `detail` into one line."""
    payload: Any = None
    if "json" in response.headers.get("content-type", ""):
        try:
            payload = response.json()
        except (ValueError, RecursionError):
            payload = None
    detail = _detail(payload) or response.reason_phrase or "no detail"
    status = response.status_code
    if not_found is not None and status == 500 and _says_missing(payload):
        return NotFoundError(f"{not_found} not found", status=status, detail=detail, where=where)
    return HTTPStatusError(
        f"the server answered {status}: {detail}", status=status, detail=detail, where=where
    )


def _detail(payload: Any) -> str:
    if not isinstance(payload, dict):
        return ""
    detail = payload.get("detail")
    if isinstance(detail, list):  # FastAPI validation errors
        parts = []
        for item in detail[:5]:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc", ()) if p is not None)
                parts.append(f"{loc}: {item.get('msg', '')}".strip(": "))
        text = "; ".join(parts)
    else:
        text = str(detail) if detail is not None else ""
    error_type = payload.get("error_type")
    if isinstance(error_type, str):
        text = f"{text} ({error_type})"
    return text if len(text) <= 300 else text[:299] + "…"


def _says_missing(payload: Any) -> bool:
    """The store answers 500 for unknown rollout ids: GET fails validating None, POST on lookup."""
    if not isinstance(payload, dict):
        return False
    if payload.get("error_type") == "ResponseValidationError":
        return True
    trace = payload.get("traceback")
    return isinstance(trace, str) and ("does not exist" in trace or "not found" in trace)
