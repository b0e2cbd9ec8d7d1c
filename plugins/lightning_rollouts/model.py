"""Immutable values parsed from LightningStore answers, tolerant of anything the wire brings."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from types import MappingProxyType
from typing import Any, Generic, TypeVar

__all__ = [
    "ATTEMPT_STATUSES",
    "MODES",
    "ROLLOUT_STATUSES",
    "SECRET_MASK",
    "Attempt",
    "Page",
    "ResourceSnapshot",
    "Rollout",
    "RolloutConfig",
    "Span",
    "Statistics",
    "Worker",
    "freeze_json",
    "is_secret_key",
    "mask_secrets",
    "names_a_secret",
    "parse_attempt",
    "parse_items",
    "parse_resources",
    "parse_rollout",
    "parse_span",
    "parse_statistics",
    "parse_worker",
    "secret_paths",
    "to_json",
]

log = logging.getLogger(__name__)

ROLLOUT_STATUSES = (
    "queuing",
    "preparing",
    "running",
    "failed",
    "succeeded",
    "cancelled",
    "requeuing",
)
ATTEMPT_STATUSES = ("preparing", "running", "failed", "succeeded", "unresponsive", "timeout")
MODES = ("train", "val", "test")

# Deeper JSON is kept as parsed rather than frozen: freezing it would only risk the recursion limit.
_FREEZE_DEPTH = 200
_EMPTY: Mapping[str, Any] = MappingProxyType({})

T = TypeVar("T")


def freeze_json(value: Any) -> Any:
    """Return JSON data with dicts as read-only mappings and lists as tuples."""
    return _freeze(value, 0)


def _freeze(value: Any, depth: int) -> Any:
    if isinstance(value, dict):
        if depth >= _FREEZE_DEPTH:
            return MappingProxyType(value)
        return MappingProxyType({str(k): _freeze(v, depth + 1) for k, v in value.items()})
    if isinstance(value, list):
        if depth >= _FREEZE_DEPTH:
            return tuple(value)
        return tuple(_freeze(v, depth + 1) for v in value)
    return value


def to_json(value: Any) -> Any:
    """Turn parsed values back into plain JSON data (dicts, lists), e.g. for a raw-JSON view."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [to_json(v) for v in value]
    return value


# Words that, as the last word of a key, make its value a secret (`hf_token`, `db_password`).
_SECRET_LAST_WORDS = frozenset(
    {
        "token",
        "password",
        "passwd",
        "secret",
        "authorization",
        "credential",
        "credentials",
        "cookie",
        "apikey",
    }
)
# Words that make a following `key` a secret (`api_key`, `x-api-key`, `private_key`).
_SECRET_KEY_QUALIFIERS = frozenset({"api", "private", "secret", "access", "signing", "encryption"})
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
SECRET_MASK = "•••••• (hidden secret)"
_JSON_KEY = re.compile(r'"([^"\\]{1,80})"\s*:')


def is_secret_key(key: object) -> bool:
    """True for keys that name a secret: api_key, apiKey, x-api-key, hf_token, password, ...

    `max_tokens` and `prompt_token_ids` are not secrets: only the last word decides.
    """
    if not isinstance(key, str):
        return False
    words = [w.lower() for w in _WORDS.findall(key)]
    if not words:
        return False
    last = words[-1]
    if last in _SECRET_LAST_WORDS:
        return True
    return last == "key" and len(words) > 1 and words[-2] in _SECRET_KEY_QUALIFIERS


def mask_secrets(value: Any, _depth: int = 0) -> Any:
    """Plain JSON data with every value under a secret-naming key replaced by SECRET_MASK.

    Data nested deeper than any viewer can show is cut to "…" rather than walked.
    """
    if _depth > _FREEZE_DEPTH:
        return "…"
    if is_dataclass(value) and not isinstance(value, type):
        value = to_json(value)
    if isinstance(value, Mapping):
        return {
            k: (SECRET_MASK if is_secret_key(k) and v not in (None, "") else mask_secrets(v, _depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, (tuple, list)):
        return [mask_secrets(v, _depth + 1) for v in value]
    return value


def names_a_secret(json_text: str) -> bool:
    """True when JSON text has a key naming a secret (a quick test before masking a copy)."""
    return any(is_secret_key(key) for key in set(_JSON_KEY.findall(json_text)))


def secret_paths(value: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Each masked value's key path and value, for revealing one of them on request."""
    if is_dataclass(value) and not isinstance(value, type):
        value = to_json(value)
    found: list[tuple[tuple[str, ...], Any]] = []
    if isinstance(value, Mapping):
        for k, v in value.items():
            if is_secret_key(k) and v not in (None, ""):
                found.append(((*path, str(k)), v))
            else:
                found += secret_paths(v, (*path, str(k)))
    elif isinstance(value, (tuple, list)):
        for i, v in enumerate(value):
            found += secret_paths(v, (*path, str(i)))
    return found


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _float(value: Any) -> float | None:
    """A finite number, or None: NaN, infinities, booleans and strings are not times."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return freeze_json(value) if isinstance(value, dict) else _EMPTY


def _optional_mapping(value: Any) -> Mapping[str, Any] | None:
    return freeze_json(value) if isinstance(value, dict) else None


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


@dataclass(frozen=True, slots=True)
class RolloutConfig:
    """Retry and timeout policy of a rollout."""

    timeout_seconds: float | None = None
    unresponsive_seconds: float | None = None
    max_attempts: int | None = None
    retry_condition: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try at running a rollout; `sequence_id` counts from 1."""

    rollout_id: str
    attempt_id: str
    sequence_id: int | None
    status: str
    start_time: float | None
    end_time: float | None
    worker_id: str | None
    last_heartbeat_time: float | None
    metadata: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class Rollout:
    """A task and its state, with its latest attempt when it has one."""

    rollout_id: str
    input: Any
    status: str
    mode: str | None
    resources_id: str | None
    start_time: float | None
    end_time: float | None
    config: RolloutConfig
    metadata: Mapping[str, Any]
    attempt: Attempt | None


@dataclass(frozen=True, slots=True)
class ResourceSnapshot:
    """A versioned set of named resources (LLMs, prompt templates) rollouts run with."""

    resources_id: str
    version: int | None
    create_time: float | None
    update_time: float | None
    resources: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Span:
    """One OpenTelemetry-shaped span recorded by an attempt; `raw` keeps every field sent."""

    rollout_id: str
    attempt_id: str
    sequence_id: int | None
    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    status_code: str
    status_description: str | None
    start_time: float | None
    end_time: float | None
    attributes: Mapping[str, Any]
    raw: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Worker:
    """A runner that dequeues rollouts, as the store last saw it."""

    worker_id: str
    status: str
    heartbeat_stats: Mapping[str, Any] | None
    last_heartbeat_time: float | None
    last_dequeue_time: float | None
    last_busy_time: float | None
    last_idle_time: float | None
    current_rollout_id: str | None
    current_attempt_id: str | None


@dataclass(frozen=True, slots=True)
class Statistics:
    """Store counters; `values` holds every counter the server sent, known or not."""

    name: str | None
    total_rollouts: int | None
    total_attempts: int | None
    total_spans: int | None
    total_resources: int | None
    total_workers: int | None
    uptime: float | None
    values: Mapping[str, Any]


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a server-side paged list, with the size of the whole (filtered) list."""

    items: tuple[T, ...]
    limit: int
    offset: int
    total: int


_configs: dict[tuple[Any, ...], RolloutConfig] = {}


def _parse_config(value: Any) -> RolloutConfig:
    """Parse a config; identical configs share one instance, as most rollouts use the default."""
    if not isinstance(value, dict):
        return RolloutConfig()
    key = (
        _float(value.get("timeout_seconds")),
        _float(value.get("unresponsive_seconds")),
        _int(value.get("max_attempts")),
        _strings(value.get("retry_condition")),
    )
    config = _configs.get(key)
    if config is None:
        config = RolloutConfig(*key)
        if len(_configs) < 1024:
            _configs[key] = config
    return config


def parse_attempt(data: Any) -> Attempt | None:
    """An attempt, or None when `data` is not one (not a dict, or no ids)."""
    if not isinstance(data, dict):
        return None
    rollout_id, attempt_id = _str(data.get("rollout_id")), _str(data.get("attempt_id"))
    if rollout_id is None or attempt_id is None:
        return None
    return Attempt(
        rollout_id=rollout_id,
        attempt_id=attempt_id,
        sequence_id=_int(data.get("sequence_id")),
        status=_str(data.get("status")) or "unknown",
        start_time=_float(data.get("start_time")),
        end_time=_float(data.get("end_time")),
        worker_id=_str(data.get("worker_id")),
        last_heartbeat_time=_float(data.get("last_heartbeat_time")),
        metadata=_optional_mapping(data.get("metadata")),
    )


def parse_rollout(data: Any) -> Rollout | None:
    """A rollout with its latest attempt, or None when `data` has no rollout id."""
    if not isinstance(data, dict):
        return None
    rollout_id = _str(data.get("rollout_id"))
    if rollout_id is None:
        return None
    return Rollout(
        rollout_id=rollout_id,
        input=freeze_json(data.get("input")),
        status=_str(data.get("status")) or "unknown",
        mode=_str(data.get("mode")),
        resources_id=_str(data.get("resources_id")),
        start_time=_float(data.get("start_time")),
        end_time=_float(data.get("end_time")),
        config=_parse_config(data.get("config")),
        metadata=_mapping(data.get("metadata")),
        attempt=parse_attempt(data.get("attempt")),
    )


def parse_resources(data: Any) -> ResourceSnapshot | None:
    """A resource snapshot, or None when `data` has no resources id."""
    if not isinstance(data, dict):
        return None
    resources_id = _str(data.get("resources_id"))
    if resources_id is None:
        return None
    return ResourceSnapshot(
        resources_id=resources_id,
        version=_int(data.get("version")),
        create_time=_float(data.get("create_time")),
        update_time=_float(data.get("update_time")),
        resources=_mapping(data.get("resources")),
    )


def parse_span(data: Any) -> Span | None:
    """A span, or None when `data` has no span id."""
    if not isinstance(data, dict):
        return None
    span_id = _str(data.get("span_id"))
    if span_id is None:
        return None
    status = data.get("status")
    status = status if isinstance(status, dict) else {}
    return Span(
        rollout_id=_str(data.get("rollout_id")) or "",
        attempt_id=_str(data.get("attempt_id")) or "",
        sequence_id=_int(data.get("sequence_id")),
        trace_id=_str(data.get("trace_id")) or "",
        span_id=span_id,
        parent_id=_str(data.get("parent_id")) or None,
        name=_str(data.get("name")) or "",
        status_code=_str(status.get("status_code")) or "UNSET",
        status_description=_str(status.get("description")),
        start_time=_float(data.get("start_time")),
        end_time=_float(data.get("end_time")),
        attributes=_mapping(data.get("attributes")),
        raw=freeze_json(data),
    )


def parse_worker(data: Any) -> Worker | None:
    """A worker, or None when `data` has no worker id."""
    if not isinstance(data, dict):
        return None
    worker_id = _str(data.get("worker_id"))
    if worker_id is None:
        return None
    return Worker(
        worker_id=worker_id,
        status=_str(data.get("status")) or "unknown",
        heartbeat_stats=_optional_mapping(data.get("heartbeat_stats")),
        last_heartbeat_time=_float(data.get("last_heartbeat_time")),
        last_dequeue_time=_float(data.get("last_dequeue_time")),
        last_busy_time=_float(data.get("last_busy_time")),
        last_idle_time=_float(data.get("last_idle_time")),
        current_rollout_id=_str(data.get("current_rollout_id")),
        current_attempt_id=_str(data.get("current_attempt_id")),
    )


def parse_statistics(data: Any) -> Statistics:
    """Store counters; anything missing or mistyped is None."""
    data = data if isinstance(data, dict) else {}
    return Statistics(
        name=_str(data.get("name")),
        total_rollouts=_int(data.get("total_rollouts")),
        total_attempts=_int(data.get("total_attempts")),
        total_spans=_int(data.get("total_spans")),
        total_resources=_int(data.get("total_resources")),
        total_workers=_int(data.get("total_workers")),
        uptime=_float(data.get("uptime")),
        values=_mapping(data),
    )


def parse_items(items: Iterable[Any], parse: Callable[[Any], T | None], what: str) -> tuple[T, ...]:
    """Parse each item, dropping (and logging once) those that are not a `what`."""
    parsed: list[T] = []
    dropped = 0
    for item in items:
        value = parse(item)
        if value is None:
            dropped += 1
        else:
            parsed.append(value)
    if dropped:
        log.warning("dropped %d malformed %s item(s) from the server's answer", dropped, what)
    return tuple(parsed)
