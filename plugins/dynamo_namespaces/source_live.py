"""The live sources: the discovery store, the frontend, the workers' own ports, the planner.

Each is its own source so a slow frontend or worker never holds back the fleet. A source
keeps only what its next fetch needs (a file cache, the previous scrape for rates); nothing
is shared with the panels.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from deck import PluginError, Source
from deck.prometheus import Scrape

from .client_live import (
    DEFAULT_ETCD,
    DEFAULT_FRONTEND,
    FileStore,
    StoreError,
    etcd_range,
    get_frontend,
    get_worker,
    http_problem,
    locate_store,
    read_etcd_store,
)
from .model_live import (
    FrontendView,
    LiveStore,
    PlannerView,
    StoreView,
    WorkerLoad,
    WorkersView,
    build_store_view,
    planner_from_entries,
    traffic_between,
    worker_load,
)

__all__ = [
    "FRONTEND",
    "PLANNER",
    "STORE",
    "WORKERS",
    "FrontendSource",
    "PlannerSource",
    "StoreSource",
    "WorkersSource",
    "live_sources",
]

STORE = "dynamo.live.store"
FRONTEND = "dynamo.live.frontend"
WORKERS = "dynamo.live.workers"
PLANNER = "dynamo.live.planner"

#: Worker ports asked at once, and at most per fetch: a fleet of 1,000 is asked 100 workers a
#: fetch in turn (each worker every 10 fetches), so the deck's cost stays bounded.
WORKER_CONCURRENCY = 16
WORKER_BATCH = 100
HTTP_TIMEOUT = 2.0


class _Clients:
    """httpx clients made on first use and kept: one without TLS for http:// (no certificates to
    load, which costs ~0.1 s a client) and one for https://."""

    def __init__(self) -> None:
        self._sync: dict[bool, httpx.Client] = {}
        self._async: dict[bool, httpx.AsyncClient] = {}

    def sync(self, url: str) -> httpx.Client:
        tls = url.startswith("https://")
        if tls not in self._sync:
            self._sync[tls] = httpx.Client(timeout=HTTP_TIMEOUT, verify=tls)
        return self._sync[tls]

    def async_(self, url: str) -> httpx.AsyncClient:
        tls = url.startswith("https://")
        if tls not in self._async:
            self._async[tls] = httpx.AsyncClient(timeout=HTTP_TIMEOUT, verify=tls)
        return self._async[tls]

    async def aclose(self) -> None:
        for client in self._sync.values():
            client.close()
        for aclient in self._async.values():
            await aclient.aclose()
        self._sync.clear()
        self._async.clear()


class StoreSource:
    """The discovery store as a StoreView; a store that cannot be read is a view that says why."""

    def __init__(self, store: LiveStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self._clock = clock
        self._files = FileStore(Path(store.location)) if store.kind == "file" else None
        self._clients = _Clients()
        self._memo: dict[str, Any] = {}  # entries parsed before, reused while unchanged
        self._lock = threading.Lock()  # the fleet and the workers sources read through one reader

    def fetch(self) -> StoreView:
        """Read the store (in a worker thread); one read at a time, each after the last one's cache."""
        with self._lock:
            at = self._clock()
            try:
                if self._files is not None:
                    entries = self._files.read()
                else:
                    entries = read_etcd_store(self._clients.sync(self.store.location), self.store.location)
            except StoreError as exc:
                return StoreView(self.store, (), (), error=str(exc), at=at)
            return build_store_view(self.store, entries, at, self._memo)

    async def aclose(self) -> None:
        """Close the etcd connection, if one was made."""
        await self._clients.aclose()


class FrontendSource:
    """The frontend; keeps its previous scrape to turn counters into rates."""

    def __init__(self, url: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.url = url
        self._clock = clock
        self._clients = _Clients()
        self._previous: Scrape | None = None

    async def fetch(self) -> FrontendView:
        """Ask the frontend everything at once (on the event loop, never blocking it)."""
        try:
            view = await get_frontend(self._clients.async_(self.url), self.url, self._clock())
        except httpx.HTTPError as exc:
            self._previous = None
            return FrontendView(self.url, http_problem(exc), reachable=False)
        traffic = traffic_between(self._previous, view.scrape)
        self._previous = view.scrape
        return replace(view, traffic=traffic)

    async def aclose(self) -> None:
        """Close the connections to the frontend."""
        await self._clients.aclose()


class WorkersSource:
    """Each worker's own /health and /metrics, at the system port its model card names.

    The workers are found through the fleet's own StoreSource (its reads are serialised and
    cached). Up to WORKER_BATCH workers are asked per fetch, in turn; the others keep what they
    said last.
    """

    def __init__(self, store: StoreSource) -> None:
        self._store = store
        self._clients = _Clients()
        self._previous: dict[int, Scrape] = {}  # each worker's last page, for recent latency
        self._loads: dict[int, WorkerLoad] = {}
        self._turn = 0

    async def fetch(self) -> WorkersView:
        """Find the workers in the store, then ask their ports, a few at a time."""
        view = await asyncio.to_thread(self._store.fetch)
        gate = asyncio.Semaphore(WORKER_CONCURRENCY)

        async def ask(instance_id: int, url: str | None) -> tuple[WorkerLoad, Scrape | None]:
            if url is None:
                return WorkerLoad(instance_id, None, "no system port"), None
            async with gate:
                health, scrape = await get_worker(self._clients.async_(url), url)
            return worker_load(instance_id, url, health, scrape, self._previous.get(instance_id)), scrape

        cards = view.cards_by_instance
        workers = [w.instance_id for w in view.workers if not view.stale(w)]
        if len(workers) > WORKER_BATCH:
            self._turn %= len(workers)
            turn = (workers + workers)[self._turn : self._turn + WORKER_BATCH]
            self._turn += WORKER_BATCH
        else:
            turn = workers
        urls = [(i, c.system_url if (c := cards.get(i)) else None) for i in turn]
        answers = await asyncio.gather(*(ask(i, u) for i, u in urls))
        for load, scrape in answers:
            self._loads[load.instance_id] = load
            if scrape is not None:
                self._previous[load.instance_id] = scrape
        alive = set(workers)
        self._loads = {i: load for i, load in self._loads.items() if i in alive}
        self._previous = {i: scrape for i, scrape in self._previous.items() if i in alive}
        return WorkersView(dict(self._loads))

    async def aclose(self) -> None:
        """Close every connection made to the workers."""
        await self._clients.aclose()


class PlannerSource:
    """Planner decisions from etcd (`v1/{ns}/planner/*`), where the planner writes them even
    when discovery uses the file store."""

    def __init__(self, etcd: str | None) -> None:
        self.etcd = etcd or DEFAULT_ETCD
        self._clients = _Clients()

    def fetch(self) -> PlannerView:
        """Read the planner keys (in a worker thread)."""
        try:
            entries = etcd_range(self._clients.sync(self.etcd), self.etcd, "v1/")
        except StoreError as exc:
            return PlannerView(self.etcd, (), error=str(exc))
        return planner_from_entries(self.etcd, entries)

    async def aclose(self) -> None:
        """Close the etcd connection, if one was made."""
        await self._clients.aclose()


def live_sources(config: Mapping[str, Any], opened: Callable[[Any], None]) -> list[Source[Any]]:
    """The four live sources for the plugin's config; `opened` gets each object to close at exit."""
    try:
        store = locate_store(config.get("discovery"))
    except ValueError as exc:
        raise PluginError(str(exc), where="plugins.dynamo.discovery") from None
    etcd = config.get("etcd") or (store.location if store.kind == "etcd" else None)
    if etcd is None and os.environ.get("ETCD_ENDPOINTS"):
        etcd = os.environ["ETCD_ENDPOINTS"].split(",")[0]
    every = max(0.2, float(config.get("live_interval") or 1.0))
    fleet = StoreSource(store)
    workers = WorkersSource(fleet)
    frontend = FrontendSource(str(config.get("frontend") or DEFAULT_FRONTEND))
    planner = PlannerSource(etcd)
    for source in (fleet, workers, frontend, planner):
        opened(source)
    return [
        Source(
            STORE, fleet.fetch, interval=every, timeout=10.0, description=f"Dynamo 1.x store {store.label}"
        ),
        Source(WORKERS, workers.fetch, interval=2 * every, timeout=10.0, description="workers' system ports"),
        Source(
            FRONTEND, frontend.fetch, interval=2 * every, timeout=10.0, description=f"frontend {frontend.url}"
        ),
        Source(
            PLANNER,
            planner.fetch,
            interval=2 * every,
            timeout=10.0,
            description=f"planner keys in etcd {etcd}",
        ),
    ]
