"""The rollout table's cell texts and colours as the dashboard design specifies them.

Texts are returned as data: sanitising them for the terminal is the widget kit's job.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from deck.plugins.lightning_rollouts.model import Attempt, Rollout, mask_secrets, names_a_secret

__all__ = [
    "ACTIVE_STATUSES",
    "CANCELLABLE_STATUSES",
    "INPUT_PREVIEW_CHARS",
    "NOT_AVAILABLE",
    "REQUEUEABLE_STATUSES",
    "STATUS_ROLES",
    "duration_seconds",
    "format_duration",
    "format_local_time",
    "format_relative",
    "input_preview",
    "start_time",
    "status_role",
    "status_text",
]

NOT_AVAILABLE = "N/A"
INPUT_PREVIEW_CHARS = 35

STATUS_ROLES: Mapping[str, str] = MappingProxyType(
    {
        "succeeded": "good",
        "failed": "bad",
        "running": "info",
        "preparing": "magenta",
        "timeout": "warn",
        "unresponsive": "warn",
        "queuing": "muted",
        "requeuing": "muted",
        "cancelled": "muted",
    }
)

# Statuses in which time still runs: their duration is measured up to now.
ACTIVE_STATUSES = frozenset({"queuing", "preparing", "running", "requeuing"})
# Cancelling only means something before the rollout has finished.
CANCELLABLE_STATUSES = frozenset({"queuing", "preparing", "running", "requeuing"})
# Requeueing a finished rollout puts it back at the end of the queue; a worker's next dequeue
# then starts a new attempt (the store does not count it against `max_attempts`).
REQUEUEABLE_STATUSES = frozenset({"failed", "cancelled"})


def status_role(status: str) -> str:
    """The theme role a status is drawn in; unknown statuses use the plain text role."""
    return STATUS_ROLES.get(status, "text")


def status_text(rollout: Rollout, attempt: Attempt | None = None) -> str:
    """`rollout.status`, or `rollout - attempt` when the attempt's status differs.

    Pass `attempt` for a nested attempt row; otherwise the rollout's latest attempt is used.
    """
    attempt = attempt if attempt is not None else rollout.attempt
    if attempt is None or attempt.status == rollout.status:
        return rollout.status
    return f"{rollout.status} - {attempt.status}"


def input_preview(value: Any, limit: int = INPUT_PREVIEW_CHARS) -> str:
    """Compact JSON of a rollout's input (secrets masked), cut to `limit` characters."""
    text = _compact(value)
    if names_a_secret(text):
        text = _compact(mask_secrets(value))
    if len(text) > limit:
        return text[: max(0, limit - 1)] + "…"
    return text


def _compact(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_plain, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        return "…"


def _plain(value: Any) -> Any:
    """Let json.dumps write the read-only mappings the model freezes JSON into."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def format_local_time(timestamp: float | None) -> str:
    """Unix seconds as local `YYYY-MM-DD HH:mm:ss`, or N/A."""
    if timestamp is None:
        return NOT_AVAILABLE
    try:
        return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return NOT_AVAILABLE


def format_duration(seconds: float | None) -> str:
    """Seconds as `1h 30m 15s` (`2d 4h 0m 1s` when long, `250ms` under a second), or N/A."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return NOT_AVAILABLE
    if 0 < seconds < 1:
        return f"{int(seconds * 1000)}ms"
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = ((days, "d"), (hours, "h"), (minutes, "m"), (secs, "s"))
    first = next((i for i, (n, _) in enumerate(parts) if n), len(parts) - 1)
    return " ".join(f"{n}{unit}" for n, unit in parts[first:])


def format_relative(timestamp: float | None, now: float | None = None) -> str:
    """How long ago, as `1h 30m 15s ago` (`in 5s` for clocks ahead of ours), or N/A."""
    if timestamp is None:
        return NOT_AVAILABLE
    delta = (time.time() if now is None else now) - timestamp
    if not math.isfinite(delta):
        return NOT_AVAILABLE
    text = format_duration(float(int(abs(delta))))
    return f"{text} ago" if delta >= 0 else f"in {text}"


def start_time(rollout: Rollout, attempt: Attempt | None = None) -> float | None:
    """When the (latest) attempt started, or the rollout when it has no attempt."""
    attempt = attempt if attempt is not None else rollout.attempt
    return attempt.start_time if attempt is not None else rollout.start_time


def duration_seconds(
    rollout: Rollout, attempt: Attempt | None = None, now: float | None = None
) -> float | None:
    """The attempt's (else the rollout's) run time; up to `now` while it is still active."""
    attempt = attempt if attempt is not None else rollout.attempt
    if attempt is not None:
        begin, end, status = attempt.start_time, attempt.end_time, attempt.status
    else:
        begin, end, status = rollout.start_time, rollout.end_time, rollout.status
    if begin is None:
        return None
    if end is None:
        if status not in ACTIVE_STATUSES:
            return None
        end = time.time() if now is None else now
    return max(0.0, end - begin)
