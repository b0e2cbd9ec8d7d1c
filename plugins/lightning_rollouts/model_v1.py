"""Values parsed from the Agent-lightning 1.x server (`agl-server`): rollouts and their events.

1.x rollouts have four states and no attempt objects; an attempt is the id its events were
posted under. Parsing is as tolerant as for 0.3.0: what is not the promised shape is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from deck.plugins.lightning_rollouts.model import _float, _int, _mapping, _str, freeze_json

__all__ = [
    "STATES",
    "TERMINAL_STATES",
    "Event",
    "GatewayState",
    "LLMCall",
    "RolloutV1",
    "TerminalPage",
    "last_reward",
    "llm_call",
    "parse_event",
    "parse_gateway",
    "parse_rollout_v1",
]

STATES = ("queuing", "running", "succeeded", "failed")
TERMINAL_STATES = frozenset({"succeeded", "failed"})


@dataclass(frozen=True, slots=True)
class RolloutV1:
    """A 1.x rollout as the server returned it."""

    rollout_id: str
    input: Any
    is_train: bool
    state: str
    created_at: float | None
    updated_at: float | None
    error_message: str | None = None
    last_attempt_id: str | None = None
    k8s_job_name: str | None = None
    version: int | None = None
    metadata: Mapping[str, Any] = field(default_factory=lambda: freeze_json({}))
    raw: Mapping[str, Any] = field(default_factory=lambda: freeze_json({}))


@dataclass(frozen=True, slots=True)
class Event:
    """One event of a rollout's attempt; its position in the list is its identity."""

    position: int
    event_type: str
    attempt_id: str
    timestamp: float | None
    data: Any


@dataclass(frozen=True, slots=True)
class TerminalPage:
    """A page of the terminal cursor: finished ids, where to go on, how many ever finished."""

    items: tuple[tuple[str, str, bool], ...]  # (rollout_id, state, is_train)
    next_after: int
    total_terminal: int


@dataclass(frozen=True, slots=True)
class GatewayState:
    """The LLM proxy's pause state and calls in flight."""

    paused: bool
    reason: str | None
    retry_after_seconds: float | None
    inflight: int | None


@dataclass(frozen=True, slots=True)
class LLMCall:
    """A `model_request` event read as a conversation."""

    messages: tuple[tuple[str, str], ...]  # (role, text); a completions prompt is one "prompt"
    completion: str
    status: str
    http_status: int | None
    latency_ms: float | None
    prompt_tokens: int | None
    completion_tokens: int | None
    model: str | None


def parse_rollout_v1(data: Any) -> RolloutV1 | None:
    """A rollout object, or None when it lacks an id."""
    if not isinstance(data, dict) or not isinstance(data.get("rollout_id"), str):
        return None
    status: Any = data.get("status") if isinstance(data.get("status"), dict) else {}
    state = _str(status.get("state")) or "unknown"
    return RolloutV1(
        rollout_id=data["rollout_id"],
        input=freeze_json(data.get("input")),
        is_train=data.get("is_train") is not False,
        state=state,
        created_at=_float(status.get("created_at")),
        updated_at=_float(status.get("updated_at")),
        error_message=_str(status.get("error_message")),
        last_attempt_id=_str(status.get("last_attempt_id")),
        k8s_job_name=_str(status.get("k8s_job_name")),
        version=_int(status.get("version")),
        metadata=_mapping(data.get("metadata")),
        raw=_mapping(data),
    )


def parse_event(data: Any, position: int) -> Event | None:
    """An event at its position in the attempt's list, or None when it has no type."""
    if not isinstance(data, dict) or not isinstance(data.get("event_type"), str):
        return None
    return Event(
        position=position,
        event_type=data["event_type"],
        attempt_id=_str(data.get("attempt_id")) or "",
        timestamp=_float(data.get("timestamp")),
        data=freeze_json(data.get("data")),
    )


def parse_gateway(data: Any) -> GatewayState:
    """`GET /proxy/state`; missing fields are None."""
    data = data if isinstance(data, dict) else dict[str, Any]()
    return GatewayState(
        paused=data.get("paused") is True,
        reason=_str(data.get("reason")),
        retry_after_seconds=_float(data.get("retry_after_seconds")),
        inflight=_int(data.get("inflight")),
    )


def last_reward(events: tuple[Event, ...]) -> float | None:
    """The value of the last `reward` event (the one the trainer uses), or None."""
    for event in reversed(events):
        if event.event_type == "reward" and isinstance(event.data, Mapping):
            value: float | None = _float(event.data.get("value"))
            return value
    return None


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):  # content parts: keep the text ones
        return "\n".join(_text(p.get("text")) if isinstance(p, Mapping) else _text(p) for p in value)
    return "" if value is None else str(value)


def llm_call(event: Event) -> LLMCall | None:
    """A `model_request` event as prompt, completion, tokens and latency; None for others."""
    data: Any = event.data
    if event.event_type != "model_request" or not isinstance(data, Mapping):
        return None
    request: Any = data.get("request") if isinstance(data.get("request"), Mapping) else {}
    response: Any = data.get("response") if isinstance(data.get("response"), Mapping) else {}
    usage: Any = data.get("usage") if isinstance(data.get("usage"), Mapping) else {}
    messages: list[tuple[str, str]] = []
    for message in request.get("messages") or ():
        if isinstance(message, Mapping):
            messages.append((_str(message.get("role")) or "?", _text(message.get("content"))))
    if not messages and request.get("prompt") is not None:
        messages.append(("prompt", _text(request.get("prompt"))))
    choices = response.get("choices") or ()
    completion = ""
    if choices and isinstance(choices[0], Mapping):
        first = choices[0]
        message = first.get("message")
        completion = _text(message.get("content") if isinstance(message, Mapping) else first.get("text"))
    elif response:
        completion = _text(response.get("error") or response.get("detail") or "")
    return LLMCall(
        messages=tuple(messages),
        completion=completion,
        status=_str(data.get("status")) or "?",
        http_status=_int(data.get("http_status")),
        latency_ms=_float(data.get("latency_ms")),
        prompt_tokens=_int(usage.get("prompt_tokens")),
        completion_tokens=_int(usage.get("completion_tokens")),
        model=_str(data.get("model")),
    )
