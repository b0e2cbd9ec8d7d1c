import asyncio
import itertools
import logging
import threading
import time
from typing import Any

import pytest

from deck._scheduler import Scheduler
from deck._sources import Result, Source


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def collect(sources: list[Source[Any]], seconds: float) -> tuple[list[Result[Any]], Scheduler]:
    results: list[Result[Any]] = []
    scheduler = Scheduler(results.append)
    for source in sources:
        scheduler.add(source, "test")
    scheduler.start()
    await asyncio.sleep(seconds)
    await scheduler.stop()
    return results, scheduler


def test_results_are_delivered_and_unchanged_snapshots_are_not() -> None:
    values = iter([1, 1, 1, 2, 2, 3] + [3] * 100)
    results, scheduler = run(collect([Source("s", lambda: next(values), interval=0.02)], 0.3))
    assert [r.value for r in results] == [1, 2, 3]
    assert all(r.ok and not r.stale for r in results)
    stats = scheduler.stats()[0]
    assert stats.runs >= 6 and stats.failures == 0 and stats.mean_ms is not None


def test_async_fetch_runs_on_the_loop() -> None:
    async def fetch() -> str:
        return threading.current_thread().name

    results, _ = run(collect([Source("s", fetch, interval=None)], 0.1))
    assert results[0].value == threading.main_thread().name


def test_blocking_fetch_runs_in_a_worker_thread() -> None:
    results, _ = run(collect([Source("s", lambda: threading.current_thread().name, interval=None)], 0.1))
    assert results[0].value != threading.main_thread().name


def test_failures_keep_the_last_good_value_and_mark_it_stale() -> None:
    calls = {"n": 0}

    def fetch() -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            return 42
        raise ConnectionError("server went away")

    results, scheduler = run(collect([Source("s", fetch, interval=0.01, max_backoff=0.05)], 0.2))
    assert results[0].value == 42 and results[0].ok
    failed = results[1]
    assert failed.value == 42 and failed.stale and failed.error == "ConnectionError: server went away"
    assert not failed.ok and failed.has_value
    # The same error again is not re-delivered.
    assert len(results) == 2
    assert scheduler.stats()[0].state.startswith("backoff")


def test_backoff_doubles_up_to_the_cap() -> None:
    stamps: list[float] = []

    def fetch() -> int:
        stamps.append(time.monotonic())
        raise RuntimeError("down")

    async def main() -> None:
        scheduler = Scheduler(lambda r: None)
        scheduler.add(Source("s", fetch, interval=0.01, max_backoff=1.5), "test")
        scheduler.start()
        await asyncio.sleep(4.3)
        await scheduler.stop()

    run(main())
    gaps = [round(b - a, 1) for a, b in itertools.pairwise(stamps)]
    assert gaps[:3] == [1.0, 1.5, 1.5]


def test_a_hung_fetch_times_out_and_is_never_overlapped() -> None:
    release = threading.Event()
    running = {"now": 0, "max": 0, "calls": 0}
    calls_while_hung: list[int] = []

    def fetch() -> str:
        running["now"] += 1
        running["calls"] += 1
        running["max"] = max(running["max"], running["now"])
        try:
            release.wait(5)
            return "late"
        finally:
            running["now"] -= 1

    async def main() -> list[Result[Any]]:
        results: list[Result[Any]] = []
        scheduler = Scheduler(results.append)
        scheduler.add(Source("s", fetch, interval=0.01, timeout=0.1, max_backoff=0.1), "test")
        scheduler.start()
        scheduler.refresh("s")
        await asyncio.sleep(1.0)
        scheduler.refresh("s")
        await asyncio.sleep(0.2)
        calls_while_hung.append(running["calls"])
        release.set()
        await asyncio.sleep(0.3)
        await scheduler.stop()
        return results

    results = run(main())
    assert results[0].error == "TimeoutError: no answer within 0.1 s" and not results[0].has_value
    assert running["max"] == 1
    assert calls_while_hung == [1]
    assert results[-1].value == "late" and results[-1].ok


def test_refresh_wakes_a_source_without_an_interval() -> None:
    counter = {"n": 0}

    def fetch() -> int:
        counter["n"] += 1
        return counter["n"]

    async def main() -> list[int]:
        results: list[Result[Any]] = []
        scheduler = Scheduler(results.append)
        scheduler.add(Source("s", fetch, interval=None), "test")
        scheduler.start()
        await asyncio.sleep(0.1)
        scheduler.refresh("s")
        await asyncio.sleep(0.1)
        await scheduler.stop()
        return [r.value for r in results]

    assert run(main()) == [1, 2]


def test_first_results_waits_for_every_source_once() -> None:
    async def main() -> tuple[bool, float]:
        scheduler = Scheduler(lambda r: None)
        scheduler.add(Source("fast", lambda: 1), "test")
        scheduler.add(Source("slow", lambda: time.sleep(0.2) or 2), "test")
        scheduler.start()
        started = time.monotonic()
        done = await scheduler.first_results(2)
        elapsed = time.monotonic() - started
        await scheduler.stop()
        return done, elapsed

    done, elapsed = run(main())
    assert done and 0.15 < elapsed < 1.5


def test_duplicate_source_names_are_refused() -> None:
    scheduler = Scheduler(lambda r: None)
    scheduler.add(Source("s", lambda: 1), "a")
    with pytest.raises(ValueError, match="already provided by plugin 'a'"):
        scheduler.add(Source("s", lambda: 1), "b")


def test_a_source_with_params_is_fetched_with_them_and_retargeted() -> None:
    def fetch(params: Any) -> str:
        return f"page {params['page']} of {params['run']}"

    async def scenario() -> tuple[list[Result[Any]], Scheduler]:
        results: list[Result[Any]] = []
        scheduler = Scheduler(results.append)
        scheduler.add(Source("s", fetch, interval=None, params={"run": "a", "page": 0}), "test")
        scheduler.start()
        await asyncio.sleep(0.1)
        scheduler.retarget("s", {"page": 2})
        await asyncio.sleep(0.1)
        with pytest.raises(ValueError, match=r"takes no parameter sort \(it takes: page, run\)"):
            scheduler.retarget("s", {"sort": "name"})
        await scheduler.stop()
        return results, scheduler

    results, scheduler = run(scenario())
    assert [(r.value, dict(r.params)) for r in results] == [
        ("page 0 of a", {"run": "a", "page": 0}),
        ("page 2 of a", {"run": "a", "page": 2}),
    ]
    assert dict(scheduler.params("s")) == {"run": "a", "page": 2}


def test_a_result_fetched_with_old_params_is_dropped() -> None:
    started, release = threading.Event(), threading.Event()

    def fetch(params: Any) -> Any:
        if params["run"] == "old":
            started.set()
            release.wait(5)
        return params["run"]

    async def scenario() -> list[Result[Any]]:
        results: list[Result[Any]] = []
        scheduler = Scheduler(results.append)
        scheduler.add(Source("s", fetch, interval=None, params={"run": "old"}), "test")
        scheduler.start()
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
        scheduler.retarget("s", {"run": "new"})
        release.set()
        await asyncio.sleep(0.2)
        await scheduler.stop()
        return results

    results = run(scenario())
    assert [r.value for r in results] == ["new"]


def test_the_same_value_under_new_params_is_published_again() -> None:
    async def scenario() -> list[Result[Any]]:
        results: list[Result[Any]] = []
        scheduler = Scheduler(results.append)
        scheduler.add(Source("s", lambda params: "same", interval=None, params={"page": 0}), "test")
        scheduler.start()
        await asyncio.sleep(0.1)
        scheduler.retarget("s", {"page": 1})
        await asyncio.sleep(0.1)
        scheduler.retarget("s", {"page": 1})  # no change: no fetch
        await asyncio.sleep(0.1)
        await scheduler.stop()
        return results

    results = run(scenario())
    assert [dict(r.params) for r in results] == [{"page": 0}, {"page": 1}]


@pytest.mark.parametrize("debug", [False, True])
def test_a_failing_source_logs_one_line_and_its_traceback_only_with_debug(
    debug: bool, caplog: pytest.LogCaptureFixture
) -> None:
    def fetch() -> int:
        raise ConnectionError("connection refused")

    caplog.set_level(logging.DEBUG if debug else logging.INFO, logger="deck._scheduler")
    run(collect([Source("s", fetch, interval=0.01, max_backoff=0.05)], 0.1))
    failed = [r for r in caplog.records if r.getMessage().startswith("source s failed")]
    assert len(failed) == 1 and "connection refused" in failed[0].getMessage()
    assert (failed[0].exc_info is not None) is debug
