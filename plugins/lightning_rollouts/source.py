"""What the deck polls from a LightningStore, through the one client the plugin shares.

Every fetch runs in the deck's worker threads and returns an immutable snapshot tagged with
the backend URL it came from, so a panel never shows one server's data as another's. A
failure is re-raised as the client's error with its hint on the same line, which is all the
room a panel border or the header has.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from deck.plugins.lightning_rollouts.client import DEFAULT_BASE_URL, Backend, LightningClient, probe
from deck.plugins.lightning_rollouts.client_errors import LightningError, NotFoundError
from deck.plugins.lightning_rollouts.client_history import (
    DEFAULT_RETENTION,
    History,
    HistorySummary,
    history_path,
)
from deck.plugins.lightning_rollouts.client_v1 import LightningV1Client
from deck.plugins.lightning_rollouts.model import (
    Attempt,
    ResourceSnapshot,
    Rollout,
    Span,
    Statistics,
    Worker,
)
from deck.plugins.lightning_rollouts.model_query import DEFAULT_PAGE_SIZE, RolloutQuery
from deck.plugins.lightning_rollouts.model_spans import SpanNode, build_span_tree, flatten
from deck.plugins.lightning_rollouts.model_v1 import Event, GatewayState, RolloutV1
from deck.plugins.lightning_rollouts.source_loading import (
    CLIENT_SIDE_LIMIT,
    RolloutsView,
    fetch_server_page,
    load_rollouts,
)

__all__ = [
    "DATA_SOURCES",
    "GATEWAY",
    "HEALTH",
    "RESOURCES",
    "ROLLOUTS",
    "SPANS",
    "STATISTICS",
    "WORKERS",
    "GatewaySnapshot",
    "Health",
    "HistorySnapshot",
    "LightningConfig",
    "LightningConnection",
    "ResourcesSnapshot",
    "RolloutsSnapshot",
    "SpansSnapshot",
    "StoreSnapshot",
    "TraceTarget",
    "Unsupported",
    "WorkersSnapshot",
    "default_history_dir",
]

log = logging.getLogger(__name__)

HEALTH = "lightning.health"
ROLLOUTS = "lightning.rollouts"
SPANS = "lightning.spans"
RESOURCES = "lightning.resources"
WORKERS = "lightning.workers"
STATISTICS = "lightning.statistics"
GATEWAY = "lightning.gateway"
# Server pages kept for paging back and forth, until the view on show is refreshed.
_KEPT_PAGES = 32
#: The sources auto-refresh and a reconnect fetch again (health polls on its own).
DATA_SOURCES = (ROLLOUTS, SPANS, RESOURCES, WORKERS, STATISTICS, GATEWAY)

# What each 1.x page lacks, said in one line where the data would be.
_NOT_IN_1X = {
    SPANS: "Agent-lightning 1.x records events, not spans: Enter on a rollout shows its events",
    RESOURCES: "Agent-lightning 1.x has no resources (its models can be registered, not listed)",
    WORKERS: "Agent-lightning 1.x has no runners; the Gateway panel shows its LLM proxy",
    STATISTICS: "Agent-lightning 1.x keeps no counters; the Rollouts border counts what the deck saw",
}


def default_history_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """Where 1.x histories live: $XDG_STATE_HOME/deck/lightning (~/.local/state/...)."""
    state = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "deck" / "lightning"


@dataclass(frozen=True)
class LightningConfig:
    """The plugin's settings from the layout, defaults filled in."""

    url: str = DEFAULT_BASE_URL
    auto_refresh: int | None = None
    page_size: int = DEFAULT_PAGE_SIZE
    connect_timeout: float = 3.0
    timeout: float = 10.0
    health_interval: float = 3.0
    client_side_limit: int = CLIENT_SIDE_LIMIT
    theme: str | None = None
    api_key: str | None = None
    history_dir: str | None = None
    history_retention: int = DEFAULT_RETENTION
    #: Seconds between reads of a 1.x server (at least half a second).
    history_interval: float = 1.0

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> LightningConfig:
        """Build from a validated layout config (unknown keys are ignored)."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in config.items() if k in known and v is not None}
        if "auto_refresh" in values:
            values["auto_refresh"] = auto_refresh_seconds(values["auto_refresh"])
        if "history_interval" in values:
            values["history_interval"] = max(0.5, float(values["history_interval"]))
        return cls(**values)

    @property
    def fetch_timeout(self) -> float:
        """How long the scheduler lets one fetch run: a GET with its retries, plus room."""
        return 3 * (self.connect_timeout + self.timeout) + 5


def auto_refresh_seconds(value: object) -> int | None:
    """The layout's `auto_refresh` (off, false, 0, or seconds) as seconds or None for off."""
    if value in (None, "off", False, 0):
        return None
    if isinstance(value, int):
        return value
    raise ValueError(f"auto_refresh must be off or a number of seconds, not {value!r}")


@dataclass(frozen=True)
class Health:
    """The server's answer to its health check, and which server it is."""

    url: str
    ok: bool
    backend: Backend = "0.3.0"


@dataclass(frozen=True)
class Unsupported:
    """A page the server at `url` cannot fill, and why, in one line."""

    url: str
    message: str


@dataclass(frozen=True)
class HistorySnapshot:
    """A 1.x server's rollouts as the deck's history holds them."""

    url: str
    summary: HistorySummary


@dataclass(frozen=True)
class GatewaySnapshot:
    """A 1.x server's LLM proxy."""

    url: str
    state: GatewayState


@dataclass(frozen=True)
class RolloutsSnapshot:
    """The rollout table's data: a view for `query` (and, when small, the whole list)."""

    url: str
    query: RolloutQuery
    view: RolloutsView


@dataclass(frozen=True)
class TraceTarget:
    """Which spans the Traces screen shows: a rollout, and one attempt or all (None)."""

    rollout_id: str | None = None
    attempt_id: str | None = None


@dataclass(frozen=True)
class SpansSnapshot:
    """The target's spans, its attempts, and the spans in tree order (depth first)."""

    url: str
    target: TraceTarget
    attempts: tuple[Attempt, ...] = ()
    spans: tuple[Span, ...] = ()
    #: The store no longer knows the rollout (it was deleted): not "no attempt yet".
    gone: bool = False
    # The tree is derived from the spans; comparing it would recurse as deep as the tree.
    tree: tuple[SpanNode, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class ResourcesSnapshot:
    """Every resource snapshot and the id of the latest (the one new rollouts get)."""

    url: str
    items: tuple[ResourceSnapshot, ...]
    latest_id: str | None


@dataclass(frozen=True)
class WorkersSnapshot:
    """Every runner the store has seen."""

    url: str
    workers: tuple[Worker, ...]


@dataclass(frozen=True)
class StoreSnapshot:
    """The store's counters."""

    url: str
    statistics: Statistics


class LightningConnection:
    """The plugin's connection: the clients, the 1.x histories, the settings chosen at runtime,
    and the server pages fetched ahead, keyed by their query.

    It holds no view state: the panels keep what is on show, and a fetch learns what to fetch
    only from its source's parameters (the rollouts source's `query`, the spans source's
    `rollout_id` and `attempt_id`). `busy` counts fetches in flight, for the header's
    "Refreshing".
    """

    def __init__(self) -> None:
        self.config = LightningConfig()
        self.client: LightningClient | None = None
        self.auto_refresh: int | None = None
        self.theme: str | None = None
        # The last view fetched: a fetch for another query is paging, the same one a refresh.
        self._last_rollouts: RolloutsSnapshot | None = None
        #: Where the URL in use came from (the layout, Settings, AGL_SERVER_HOST/PORT).
        self.url_origin = "the layout"
        # Server pages of the current refresh, by query: paging back and forth needs no fetch.
        self._pages: dict[RolloutQuery, RolloutsView] = {}
        self._busy = 0
        self._lock = threading.Lock()
        self._prefetching: set[RolloutQuery] = set()
        # Per backend URL: which server answers there, its 1.x client and history.
        self._backends: dict[str, Backend] = {}
        self._prober: httpx.Client | None = None  # one client for every probe: see `probe`
        self._v1: dict[str, LightningV1Client] = {}
        self._histories: dict[str, History] = {}

    def configure(self, config: Mapping[str, Any]) -> LightningConfig:
        """Take the layout's settings and (re)open the client; InvalidURLError for a bad URL."""
        settings = LightningConfig.from_mapping(config)
        client = LightningClient(
            settings.url, connect_timeout=settings.connect_timeout, read_timeout=settings.timeout
        )
        self.close()
        self.config, self.client = settings, client
        self.auto_refresh = settings.auto_refresh
        self.theme = settings.theme
        return settings

    def close(self) -> None:
        """Close the clients' connections."""
        if self.client is not None:
            self.client.close()
        if self._prober is not None:
            self._prober.close()
            self._prober = None
        for client in self._v1.values():
            client.close()
        self._v1 = {}

    @property
    def url(self) -> str:
        """The backend URL requests go to now."""
        return self._client().base_url

    def set_url(self, url: str) -> str:
        """Point at another backend (validated; InvalidURLError); forget the old one's ids."""
        normalized = self._client().set_base_url(url)
        self._last_rollouts = None
        self._pages = {}
        return normalized

    @property
    def busy(self) -> bool:
        """True while a data fetch is in flight."""
        return self._busy > 0

    # -- fetches (worker threads) ----------------------------------------------------------

    def backend(self, url: str | None = None) -> Backend | None:
        """Which server was found at `url` (the current one by default), if known yet."""
        return self._backends.get(url or self.url)

    def fetch_health(self) -> Health:
        url = self._client().base_url
        backend = self._probe(url)
        self._backends[url] = backend
        return Health(url, True, backend)

    def _probe(self, url: str) -> Backend:
        """Which server answers at `url`, asked over the one client kept for it."""
        timeout = self.config.connect_timeout + self.config.timeout
        with self._lock:
            if self._prober is None:
                self._prober = httpx.Client(timeout=timeout, follow_redirects=False)
            prober = self._prober
        with _one_line_errors():
            return probe(url, timeout=timeout, http=prober)

    def _is_1x(self, url: str) -> bool:
        """True when the server at `url` is 1.x (probing it when not known yet)."""
        if url not in self._backends:
            self._backends[url] = self._probe(url)
        return self._backends[url] == "1.x"

    def v1(self) -> LightningV1Client:
        """The 1.x client of the current URL (with the API key, if any)."""
        url = self.url
        client = self._v1.get(url)
        if client is None:
            client = LightningV1Client(
                url,
                api_key=self.config.api_key,
                connect_timeout=self.config.connect_timeout,
                read_timeout=self.config.timeout,
            )
            self._v1[url] = client
        return client

    def history(self) -> History:
        """The current 1.x server's history file."""
        url = self.url
        history = self._histories.get(url)
        if history is None:
            directory = Path(self.config.history_dir) if self.config.history_dir else default_history_dir()
            history = History(history_path(directory, url), self.config.history_retention)
            self._histories[url] = history
        return history

    def fetch_gateway(self) -> GatewaySnapshot | Unsupported:
        url = self.url
        if not self._is_1x(url):
            return Unsupported(url, "the LightningStore (0.3.0) has no LLM gateway; 1.x servers do")
        with _one_line_errors():
            return GatewaySnapshot(url, self.v1().gateway())

    def fetch_rollouts(self, params: Mapping[str, Any]) -> RolloutsSnapshot | HistorySnapshot:
        """The rollout table's data for the query the panel asked for (a source parameter)."""
        client, query, last = self._client(), params["query"], self._last_rollouts
        url = client.base_url
        if self._is_1x(url):  # read every second: not worth a blinking "Refreshing"
            with _one_line_errors():
                return HistorySnapshot(url, self.history().sync(self.v1()))
        # Another view than the last one (a retarget) may have been fetched ahead; the same
        # view again is a refresh, and goes to the server.
        cached = self.cached_page(query) if last is not None and last.query != query else None
        if cached is not None:
            self._last_rollouts = cached
            self._prefetch_next(cached)
            return cached
        with self._counted():
            if last is not None and last.view.server_paged and last.query != query and last.url == url:
                # Another page, order or filter of the same list: its size is known.
                view = fetch_server_page(client, query, total=last.view.page.total)
            else:  # first, or a refresh: count again (the list may have crossed the limit)
                view = load_rollouts(client, query, client_side_limit=self.config.client_side_limit)
        snapshot = RolloutsSnapshot(url, query, view)
        self._last_rollouts = snapshot
        if not view.server_paged:
            self._pages = {}
        else:
            if query in self._pages:  # the view on show fetched again: the pages kept are old
                self._pages = {}
            self._pages[query] = view
            while len(self._pages) > _KEPT_PAGES:
                del self._pages[next(iter(self._pages))]
            self._prefetch_next(snapshot)
        return snapshot

    def _prefetch_next(self, snapshot: RolloutsSnapshot) -> None:
        """Fetch the next server page in the background, so that paging on is instant."""
        page = snapshot.view.page
        if not snapshot.view.server_paged or page.page + 1 >= page.page_count:
            return
        ahead = dataclasses.replace(snapshot.query, page=page.page + 1)
        with self._lock:
            if ahead in self._pages or ahead in self._prefetching:
                return
            self._prefetching.add(ahead)
        threading.Thread(target=self._quiet_prefetch, args=(ahead,), daemon=True).start()

    def _quiet_prefetch(self, query: RolloutQuery) -> None:
        try:
            self.prefetch(query)
        except LightningError as exc:  # paging there will fetch (and report) it again
            log.info("prefetching page %d failed: %s", query.page + 1, exc.message)
        finally:
            with self._lock:
                self._prefetching.discard(query)

    def cached_page(self, query: RolloutQuery) -> RolloutsSnapshot | None:
        """A server page already fetched (or prefetched) since the last refresh, if any."""
        base = self._last_rollouts
        view = self._pages.get(query)
        if base is None or view is None:
            return None
        return RolloutsSnapshot(base.url, query, view)

    def prefetch(self, query: RolloutQuery) -> None:
        """Fetch a server page ahead (the next one), so that paging to it is instant."""
        base, pages = self._last_rollouts, self._pages
        if base is None or not base.view.server_paged or query in pages:
            return
        with _one_line_errors():
            view = fetch_server_page(self._client(), query, total=base.view.page.total)
        if self._pages is pages:  # not refreshed meanwhile (a refresh starts a new dict)
            pages.setdefault(query, view)

    def fetch_spans(self, params: Mapping[str, Any]) -> SpansSnapshot | Unsupported:
        """The spans of the rollout (and attempt) the Traces screen asked for, as parameters."""
        client = self._client()
        target = TraceTarget(params.get("rollout_id"), params.get("attempt_id"))
        url = client.base_url
        if self._is_1x(url):
            return Unsupported(url, _NOT_IN_1X[SPANS])
        if target.rollout_id is None:
            return SpansSnapshot(url, target)
        with self._counted():
            attempts = client.list_attempts(target.rollout_id)
            spans = client.list_spans(target.rollout_id, target.attempt_id)
            gone = not attempts and not spans and not self._known(client, target.rollout_id)
        return SpansSnapshot(url, target, attempts, spans, gone, flatten(build_span_tree(spans)))

    @staticmethod
    def _known(client: LightningClient, rollout_id: str) -> bool:
        """Whether the store still has the rollout (the store lists a deleted one's attempts as none)."""
        try:
            client.get_rollout(rollout_id)
        except NotFoundError:
            return False
        return True

    def fetch_resources(self) -> ResourcesSnapshot | Unsupported:
        client = self._client()
        url = client.base_url
        if self._is_1x(url):
            return Unsupported(url, _NOT_IN_1X[RESOURCES])
        with self._counted():
            items = client.list_resources()
            latest = client.latest_resources()
        return ResourcesSnapshot(url, items, latest.resources_id if latest else None)

    def fetch_workers(self) -> WorkersSnapshot | Unsupported:
        client = self._client()
        url = client.base_url
        if self._is_1x(url):
            return Unsupported(url, _NOT_IN_1X[WORKERS])
        with self._counted():
            return WorkersSnapshot(url, client.list_workers())

    def fetch_statistics(self) -> StoreSnapshot | Unsupported:
        client = self._client()
        url = client.base_url
        if self._is_1x(url):
            return Unsupported(url, _NOT_IN_1X[STATISTICS])
        with self._counted():
            return StoreSnapshot(url, client.statistics())

    # -- calls for actions and lazy rows (worker threads) -----------------------------------

    def attempts(self, rollout_id: str) -> tuple[Attempt, ...]:
        with _one_line_errors():
            return self._client().list_attempts(rollout_id)

    def rollout(self, rollout_id: str) -> Rollout:
        with _one_line_errors():
            return self._client().get_rollout(rollout_id)

    def cancel(self, rollout_id: str) -> Rollout:
        with _one_line_errors():
            return self._client().cancel_rollout(rollout_id)

    def requeue(self, rollout_id: str) -> Rollout:
        with _one_line_errors():
            return self._client().requeue_rollout(rollout_id)

    def fail_v1(self, rollout_id: str) -> RolloutV1:
        with _one_line_errors():
            return self.v1().fail(rollout_id, "failed from the deck")

    def delete_v1(self, rollout_id: str) -> None:
        with _one_line_errors():
            self.v1().delete(rollout_id)

    def events_v1(self, rollout_id: str) -> tuple[tuple[Event, ...], bool]:
        """A rollout's events: live while the server has it (and kept), else from the history;
        the flag says whether they came from the history."""
        try:
            with _one_line_errors():
                events = self.v1().events(rollout_id)
        except NotFoundError:
            return self.history().events(rollout_id), True
        self.history().remember_events(rollout_id, events)
        return events, False

    def set_gateway(self, paused: bool) -> GatewayState:
        with _one_line_errors():
            return self.v1().pause("paused from the deck") if paused else self.v1().resume()

    # -- plumbing ------------------------------------------------------------------------------

    def _client(self) -> LightningClient:
        if self.client is None:
            raise LightningError("the lightning plugin has no backend configured")
        return self.client

    @contextlib.contextmanager
    def _counted(self) -> Iterator[None]:
        with self._lock:
            self._busy += 1
        try:
            with _one_line_errors():
                yield
        finally:
            with self._lock:
                self._busy -= 1


@contextlib.contextmanager
def _one_line_errors() -> Iterator[None]:
    """Re-raise client errors as one line: the hint joins the message, the URL goes."""
    try:
        yield
    except LightningError as exc:
        if exc.hint:
            exc.message = f"{exc.message} — {exc.hint}"
        exc.where = exc.hint = None
        raise
