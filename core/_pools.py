"""Worker threads for blocking plugin code: a bounded share per plugin, never waited for on exit."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, Final, TypeVar

__all__ = ["PLUGIN_WORKERS", "Pools", "WorkerPool"]

T = TypeVar("T")

#: Threads each plugin may keep busy at once; one slow plugin cannot starve the others.
PLUGIN_WORKERS: Final = 8

_Job = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class WorkerPool(Executor):
    """A thread pool whose threads are daemons: a fetch that never returns cannot hold up quitting.

    (The standard ThreadPoolExecutor joins its threads when the interpreter exits.)
    """

    def __init__(self, name: str, max_workers: int = PLUGIN_WORKERS) -> None:
        self.name = name
        self.max_workers = max_workers
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """Queue `fn(*args, **kwargs)`; a thread is started when none is idle and the share allows."""
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError(f"the worker pool of {self.name!r} is shut down")
            self._jobs.put((future, fn, args, kwargs))
            if not self._idle.acquire(blocking=False) and len(self._threads) < self.max_workers:
                thread = threading.Thread(
                    target=self._work, name=f"deck-{self.name}-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
        return future

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, fn, args, kwargs = job
            if future.set_running_or_notify_cancel():
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:  # a plugin's SystemExit too: the awaiting side contains it
                    future.set_exception(exc)
                else:
                    future.set_result(result)
            del job, future, fn, args, kwargs
            self._idle.release()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop taking jobs; queued ones are cancelled if asked; running ones are left to finish alone."""
        with self._lock:
            self._closed = True
        if cancel_futures:
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    job[0].cancel()
        for _ in self._threads:
            self._jobs.put(None)
        if wait:
            for thread in self._threads:
                thread.join()


class Pools:
    """One WorkerPool per plugin, made when first needed."""

    def __init__(self, workers: int = PLUGIN_WORKERS) -> None:
        self.workers = workers
        self._pools: dict[str, WorkerPool] = {}

    def __call__(self, plugin: str) -> WorkerPool:
        """The pool of `plugin`."""
        pool = self._pools.get(plugin)
        if pool is None:
            pool = self._pools[plugin] = WorkerPool(plugin, self.workers)
        return pool

    def shutdown(self) -> None:
        """Shut every pool down without waiting for threads still running."""
        for pool in self._pools.values():
            pool.shutdown(wait=False, cancel_futures=True)
