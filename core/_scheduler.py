"""Runs every source in the background: no overlap, timeouts, backoff, stale data kept."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping, Sized
from concurrent.futures import Executor
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from deck._clock import now
from deck._contain import Stall, contained, timed
from deck._sources import Result, Source, SourceStats

__all__ = ["Scheduler"]

log = logging.getLogger(__name__)


@dataclass
class _State:
    source: Source[Any]
    owner: str
    result: Result[Any]
    params: Mapping[str, Any]
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    attempted: asyncio.Event = field(default_factory=asyncio.Event)
    generation: int = 0
    task: asyncio.Task[None] | None = None
    inflight: asyncio.Future[Any] | None = None
    inflight_generation: int = 0
    fetching: bool = False
    runs: int = 0
    failures: int = 0
    streak: int = 0
    durations: deque[float] = field(default_factory=lambda: deque(maxlen=100))
    due: float | None = None
    answered_at: float | None = None
    worst_stall: float | None = None


def _is_news(source: Source[Any], value: Any, previous: Any, has_value: bool) -> bool:
    """Whether a fetched value should reach the panels: a new snapshot, or an append source's new data."""
    if source.append:
        return not isinstance(value, Sized) or len(value) > 0
    return not (has_value and value == previous)


def _error_text(exc: BaseException) -> str:
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


class Scheduler:
    """Owns one task per source and reports each changed result to `on_result`."""

    def __init__(
        self,
        on_result: Callable[[Result[Any]], None],
        executor: Callable[[str], Executor] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`executor(owner)` gives the worker threads for a plugin's blocking fetches."""
        self._on_result = on_result
        self._executor = executor
        self._clock = clock
        self._states: dict[str, _State] = {}
        self._stopping = False

    def add(self, source: Source[Any], owner: str) -> None:
        """Register a source; its name must be unique."""
        if source.name in self._states:
            other = self._states[source.name].owner
            raise ValueError(f"source {source.name!r} is already provided by plugin {other!r}")
        self._states[source.name] = _State(
            source=source, owner=owner, result=Result(source.name, params=source.params), params=source.params
        )

    def __contains__(self, name: str) -> bool:
        return name in self._states

    def names(self, owner: str | None = None) -> list[str]:
        """Source names, optionally only those of one plugin."""
        return [n for n, s in self._states.items() if owner is None or s.owner == owner]

    def owner(self, name: str) -> str:
        """The plugin that provides a source."""
        return self._states[name].owner

    def appends(self, name: str) -> bool:
        """True when each result of the source holds only new data (`Source.append`)."""
        return self._states[name].source.append

    def result(self, name: str) -> Result[Any]:
        """The latest result of a source."""
        return self._states[name].result

    def params(self, name: str) -> Mapping[str, Any]:
        """The parameters a source is fetched with now."""
        return self._states[name].params

    def retarget(self, name: str, changes: Mapping[str, Any]) -> None:
        """Change some of a source's parameters and fetch it again at once.

        A fetch still running with the old parameters finishes, but its result is dropped.
        """
        state = self._states[name]
        unknown = sorted(set(changes) - set(state.source.params))
        if unknown:
            declared = ", ".join(sorted(state.source.params)) or "none"
            names = ", ".join(unknown)
            raise ValueError(f"source {name!r} takes no parameter {names} (it takes: {declared})")
        merged = {**state.params, **changes}
        if merged == state.params:
            return
        state.params = MappingProxyType(merged)
        state.generation += 1
        state.streak = 0
        state.wake.set()

    def start(self) -> None:
        """Start every source's task on the running loop."""
        for state in self._states.values():
            if state.task is None:
                state.task = asyncio.get_running_loop().create_task(
                    self._run(state), name=f"source:{state.source.name}"
                )

    async def stop(self, timeout: float = 2.0) -> None:
        """Cancel every task and wait (at most `timeout`) for them to end."""
        # The flag, not only cancel(): asyncio.wait_for may swallow a cancellation that races
        # with its inner future finishing (fixed upstream in Python 3.12).
        self._stopping = True
        tasks = [s.task for s in self._states.values() if s.task]
        for state in self._states.values():
            state.wake.set()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)

    def refresh(self, name: str | None = None) -> None:
        """Fetch one source (or all) now instead of at its next interval."""
        for state in self._states.values():
            if name is None or state.source.name == name:
                state.streak = 0
                state.wake.set()

    async def refreshed(self, name: str, poll: float = 0.05) -> Result[Any]:
        """Fetch a source now and return its result once that fetch has finished (or failed)."""
        state = self._states[name]
        target = state.runs + (2 if state.fetching else 1)  # a fetch already running started too early
        self.refresh(name)
        while state.runs < target and not self._stopping:
            await asyncio.sleep(poll)
        return state.result

    def answered_at(self, name: str) -> float | None:
        """When the source last fetched successfully (wall clock), whether or not its value changed."""
        return self._states[name].answered_at

    async def first_results(self, timeout: float | None = None) -> bool:
        """Wait until every source has finished one fetch; False if `timeout` ran out first."""
        waits = [s.attempted.wait() for s in self._states.values()]
        try:
            await asyncio.wait_for(asyncio.gather(*waits), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def stats(self) -> list[SourceStats]:
        """What each source costs and how it is doing, for the self-cost view."""
        now = self._clock()
        rows = []
        for state in self._states.values():
            durations = state.durations
            if state.fetching:
                label = "fetching"
            elif state.streak:
                label = f"backoff ({state.streak} failed)"
            else:
                label = "ok" if state.runs else "waiting"
            rows.append(
                SourceStats(
                    name=state.source.name,
                    state=label,
                    runs=state.runs,
                    failures=state.failures,
                    last_ms=durations[-1] * 1000 if durations else None,
                    mean_ms=sum(durations) / len(durations) * 1000 if durations else None,
                    max_ms=max(durations) * 1000 if durations else None,
                    interval=state.source.interval,
                    next_in=None if state.due is None else max(0.0, state.due - now),
                    last_error=state.result.error,
                    stall_ms=None if state.worst_stall is None else state.worst_stall * 1000,
                )
            )
        return rows

    async def _fetch(self, state: _State) -> tuple[Any, bool]:
        """Run one fetch; returns (value, changed). Never starts while a previous one runs."""
        source = state.source
        previous = state.result.value
        params, generation = state.params, state.generation
        arguments = (params,) if source.params else ()
        # Same parameters, same value: nothing changed. New parameters always publish.
        has_value = state.result.has_value and state.result.params == params
        if inspect.iscoroutinefunction(source.fetch):

            def stalled(stall: Stall) -> None:
                state.worst_stall = max(state.worst_stall or 0.0, stall.seconds)

            fetching = timed(source.fetch(*arguments), f"source {source.name}", stalled)
            value = await asyncio.wait_for(fetching, source.timeout)
            return value, _is_news(source, value, previous, has_value)
        stale = state.inflight
        if stale is not None and not stale.done() and state.inflight_generation != generation:
            # A thread still fetching for old parameters: let it finish (fetches never overlap).
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(stale), source.timeout)
        if state.inflight is None or state.inflight.done():

            def work() -> tuple[Any, bool]:
                # Comparing in the worker keeps big snapshots' equality checks off the loop.
                value = contained(source.fetch, *arguments)
                return value, _is_news(source, value, previous, has_value)

            executor = self._executor(state.owner) if self._executor is not None else None
            state.inflight = asyncio.get_running_loop().run_in_executor(executor, work)
            state.inflight_generation = generation
        return await asyncio.wait_for(asyncio.shield(state.inflight), source.timeout)

    async def _run(self, state: _State) -> None:
        source = state.source
        while not self._stopping:
            state.wake.clear()
            started = time.perf_counter()
            state.fetching = True
            generation = state.generation
            try:
                value, changed = await self._fetch(state)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if isinstance(exc, asyncio.TimeoutError):
                    exc = TimeoutError(f"no answer within {source.timeout:g} s")
                if generation == state.generation:
                    self._failed(state, exc)
            else:
                if generation == state.generation:  # else retargeted meanwhile: fetch again
                    self._succeeded(state, value, changed)
            finally:
                state.fetching = False
                state.durations.append(time.perf_counter() - started)
                state.runs += 1
                state.attempted.set()
            if self._stopping:
                return
            delay = self._delay(state)
            state.due = None if delay is None else self._clock() + delay
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(state.wake.wait(), delay)

    def _delay(self, state: _State) -> float | None:
        if state.streak:
            return float(min(state.source.max_backoff, 2 ** (state.streak - 1)))
        return state.source.interval

    def _succeeded(self, state: _State, value: Any, changed: bool) -> None:
        recovered = state.result.error is not None
        state.streak = 0
        state.answered_at = time.time()
        if changed or recovered or not state.result.has_value:
            state.result = Result(
                source=state.source.name, value=value, fetched_at=now(), params=state.params
            )
            self._publish(state)

    def _failed(self, state: _State, exc: BaseException) -> None:
        state.failures += 1
        state.streak += 1
        text = _error_text(exc)
        if state.streak == 1:
            # The traceback is for --debug: an unreachable server is one line, not forty.
            trace = exc if log.isEnabledFor(logging.DEBUG) else None
            log.warning("source %s failed: %s", state.source.name, text, exc_info=trace)
        old = state.result
        state.result = Result(
            source=state.source.name,
            value=old.value,
            error=text,
            fetched_at=state.answered_at or old.fetched_at,  # the data's age: its last good fetch
            stale=old.has_value,
            params=old.params,
        )
        if old.error != text or old.stale != state.result.stale:
            self._publish(state)

    def _publish(self, state: _State) -> None:
        try:
            self._on_result(state.result)
        except Exception:
            log.exception("delivering a result of %s failed", state.source.name)
