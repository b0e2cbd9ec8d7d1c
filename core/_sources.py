"""Sources: named producers of immutable snapshots, and the results panels receive."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Generic, TypeVar

from deck._limits import number_problem

__all__ = ["NO_PARAMS", "Result", "Source", "SourceStats"]

T = TypeVar("T")

#: The shortest interval and timeout a source may have: shorter ones would keep the loop busy.
MIN_INTERVAL: Final = 0.01
#: The longest interval, timeout or backoff (a day).
MAX_SECONDS: Final = 86_400.0

#: The parameters of a source that declares none.
NO_PARAMS: Mapping[str, Any] = MappingProxyType({})

# A result's value before the first good fetch; typed Any so it can stand in for any snapshot type.
_NO_VALUE: Any = None


@dataclass(frozen=True)
class Source(Generic[T]):
    """A named data producer that the scheduler calls in the background.

    `fetch` may be a plain function (run in a worker thread, so it may block) or an
    `async def` (run on the event loop, so it must not block). It returns an immutable
    snapshot; raising marks the source as failing and keeps the last good snapshot.

    View state that a fetch depends on (a run id, a page, a server-side sort) is declared in
    `params` with its defaults: such a source is fetched as `fetch(params)`, and a panel changes
    them with `Context.retarget`, never by sharing an object with the fetch.

    Args:
        name: unique id, conventionally "plugin.thing".
        fetch: produces the next snapshot; called with the current params when any are declared.
        interval: seconds between fetches; None fetches once and then only on refresh.
        timeout: seconds before a fetch counts as failed.
        max_backoff: the longest wait after repeated failures.
        params: the parameters the source takes, with their defaults.
        append: each fetch returns only what is new since the last one (log lines): every
            non-empty result is delivered, even one equal to the last, and to panels on hidden
            screens too, so nothing is lost.
    """

    name: str
    fetch: Callable[..., T] | Callable[..., Awaitable[T]]
    interval: float | None = 2.0
    timeout: float = 10.0
    max_backoff: float = 60.0
    description: str = ""
    params: Mapping[str, Any] = field(default_factory=lambda: NO_PARAMS)
    append: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        for name in ("interval", "timeout", "max_backoff"):
            value = getattr(self, name)
            if value is None and name == "interval":
                continue
            problem = (
                f"must be a number, got {value!r}"
                if not isinstance(value, (int, float)) or isinstance(value, bool)
                else number_problem(value, MIN_INTERVAL, MAX_SECONDS)
            )
            if problem is not None:
                raise ValueError(f"source {self.name!r}: {name} {problem}")


@dataclass(frozen=True)
class Result(Generic[T]):
    """What a panel sees of a source: the last good value and the latest error, if any.

    `value` is None until the first fetch succeeds (`has_value`). A panel's `update` is only ever
    handed results that have a value, so there `value` is the snapshot itself, never None; code
    that reads results elsewhere (a status segment, `Context.result`) checks `has_value` first.
    `params` are the parameters the value was fetched with.
    """

    source: str
    value: T = _NO_VALUE
    error: str | None = None
    fetched_at: float | None = None
    stale: bool = False
    params: Mapping[str, Any] = field(default_factory=lambda: NO_PARAMS)

    @property
    def ok(self) -> bool:
        """True when the latest fetch succeeded."""
        return self.error is None and self.fetched_at is not None

    @property
    def has_value(self) -> bool:
        """True once any fetch has succeeded."""
        return self.fetched_at is not None


@dataclass(frozen=True)
class SourceStats:
    """The self-cost of a source: how often it ran, how long it took, how it is doing now."""

    name: str
    state: str
    runs: int
    failures: int
    last_ms: float | None
    mean_ms: float | None
    max_ms: float | None
    interval: float | None
    next_in: float | None
    last_error: str | None
    stall_ms: float | None = None
