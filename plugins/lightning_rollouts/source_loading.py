"""Where the rollout table's rows come from: the whole list, or one server page at a time.

The design pages, sorts and filters on the client over `GET /rollouts`. That holds while the
list is small, but not at 100,000 rollouts: the store alone needs 6-10 s to answer `limit=-1`
(two cores; more under load), decoding and parsing add 2-3 s, and the list costs ~220 MB
(bench/bench_lightning.py). So up to `CLIENT_SIDE_LIMIT` rollouts (first render ~0.3 s) the
whole list is fetched and every view is local; above it each view is one page the server
sorts and filters (60-110 ms a view at 100,000). The server sorts on rollout fields and
filters on status and id, but not on mode nor on attempt fields: those parts of a query are
dropped and named in `RolloutsView.ignored`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from deck.plugins.lightning_rollouts.client import LightningClient
from deck.plugins.lightning_rollouts.model_query import RolloutIndex, RolloutPage, RolloutQuery

__all__ = [
    "CLIENT_SIDE_LIMIT",
    "SERVER_SORT_FIELDS",
    "RolloutsView",
    "fetch_server_page",
    "load_rollouts",
    "server_params",
    "server_query",
]

CLIENT_SIDE_LIMIT = 5_000

# Columns the server can sort on, and the rollout field it sorts by. The server's "start" is
# the rollout's start time, not its latest attempt's: the same order except for retried rows.
SERVER_SORT_FIELDS = {
    "rollout": "rollout_id",
    "status": "status",
    "resources": "resources_id",
    "mode": "mode",
    "start": "start_time",
}


@dataclass(frozen=True, slots=True)
class RolloutsView:
    """A page of the table and how it was made.

    `index` is set when the whole list is on the client: other views of it need no fetch.
    `ignored` names what the server could not apply (e.g. "mode filter", "sort by worker").
    """

    page: RolloutPage
    server_paged: bool
    ignored: tuple[str, ...] = ()
    index: RolloutIndex | None = None


def server_params(query: RolloutQuery) -> dict[str, Any] | None:
    """Keyword arguments for `LightningClient.list_rollouts_page`, or None if the server can't."""
    if query.sort not in SERVER_SORT_FIELDS or query.modes:
        return None
    return _params(query)


def _params(query: RolloutQuery) -> dict[str, Any]:
    return {
        "limit": query.page_size,
        "offset": max(0, query.page) * query.page_size,
        "sort_by": SERVER_SORT_FIELDS[query.sort],
        "sort_order": "desc" if query.descending else "asc",
        "status_in": tuple(sorted(query.statuses)),
        "rollout_id_contains": query.search.strip().lower() or None,
    }


def server_query(query: RolloutQuery) -> tuple[RolloutQuery, tuple[str, ...]]:
    """The part of `query` the server can answer, and what had to be left out."""
    ignored = []
    if query.sort not in SERVER_SORT_FIELDS:
        ignored.append(f"sort by {query.sort}")
        query = dataclasses.replace(query, sort="start", descending=True)
    if query.modes:
        ignored.append("mode filter")
        query = dataclasses.replace(query, modes=frozenset())
    return query, tuple(ignored)


def fetch_server_page(
    client: LightningClient, query: RolloutQuery, *, total: int | None = None
) -> RolloutsView:
    """One page from the server; past the last page, the last page. `total`: all rollouts."""
    supported, ignored = server_query(query)
    params = _params(supported)
    result = client.list_rollouts_page(**params)
    page_count = max(1, math.ceil(result.total / supported.page_size))
    page = min(max(0, supported.page), page_count - 1)
    if page != supported.page and result.total:
        params["offset"] = page * supported.page_size
        result = client.list_rollouts_page(**params)
    rows = RolloutPage(
        rows=result.items,
        page=page,
        page_count=page_count,
        page_size=supported.page_size,
        matching=result.total,
        total=result.total if total is None else total,
    )
    return RolloutsView(rows, server_paged=True, ignored=ignored)


def load_rollouts(
    client: LightningClient,
    query: RolloutQuery,
    *,
    client_side_limit: int = CLIENT_SIDE_LIMIT,
    now: float | None = None,
) -> RolloutsView:
    """The view for `query`: from the whole list when it is small enough, else a server page.

    Blocking (run it in the thread pool): it fetches, and sorts the whole list every way.
    """
    total = client.list_rollouts_page(limit=1).total
    if total > client_side_limit:
        return fetch_server_page(client, query, total=total)
    index = RolloutIndex(client.list_rollouts(), now).warm()
    return RolloutsView(index.query(query), server_paged=False, index=index)
