"""Choosing between the whole list and server pages, and what a server page can honour."""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx
import pytest
from lightning_support import fixture_json

from deck.plugins.lightning_rollouts.model_query import RolloutQuery
from deck.plugins.lightning_rollouts.source_loading import (
    fetch_server_page,
    load_rollouts,
    server_params,
    server_query,
)

ROLLOUTS = fixture_json("rollouts.json")["items"]


class PagingServer:
    """Answers GET /rollouts like the store: limit/offset over the recorded rollouts."""

    def __init__(self) -> None:
        self.queries: list[dict[str, list[str]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        query = parse_qs(request.url.query.decode())
        self.queries.append(query)
        limit = int(query.get("limit", ["-1"])[0])
        offset = int(query.get("offset", ["0"])[0])
        items = ROLLOUTS[offset:] if limit == -1 else ROLLOUTS[offset : offset + limit]
        body = {"items": items, "limit": limit, "offset": offset, "total": len(ROLLOUTS)}
        return httpx.Response(200, json=body)


def test_a_small_store_is_loaded_whole(serve) -> None:
    server = PagingServer()
    view = load_rollouts(serve(server), RolloutQuery(page_size=50), now=0.0)
    assert not view.server_paged and view.ignored == ()
    assert len(view.page.rows) == view.page.total == 14
    assert [q["limit"] for q in server.queries] == [["1"], ["-1"]]
    again = view.index.query(RolloutQuery(statuses=frozenset({"failed"})))
    assert again.matching == 2 and len(server.queries) == 2  # no fetch for another view


def test_a_large_store_is_paged_by_the_server(serve) -> None:
    server = PagingServer()
    query = RolloutQuery(page=1, page_size=5, sort="worker", modes=frozenset({"train"}))
    view = load_rollouts(serve(server), query, client_side_limit=10)
    assert view.server_paged and view.index is None
    assert view.ignored == ("sort by worker", "mode filter")
    assert [r.rollout_id for r in view.page.rows] == [r["rollout_id"] for r in ROLLOUTS[5:10]]
    assert (view.page.page, view.page.page_count, view.page.matching) == (1, 3, 14)
    sent = server.queries[-1]
    assert (sent["sort_by"], sent["sort_order"], sent["offset"]) == (["start_time"], ["desc"], ["5"])


def test_past_the_last_page_shows_the_last_page(serve) -> None:
    server = PagingServer()
    view = fetch_server_page(serve(server), RolloutQuery(page=9, page_size=5))
    assert view.page.page == 2
    assert [r.rollout_id for r in view.page.rows] == [r["rollout_id"] for r in ROLLOUTS[10:]]
    assert len(server.queries) == 2


def test_server_params_for_what_the_server_can_do() -> None:
    query = RolloutQuery(page=2, page_size=50, statuses=frozenset({"running", "failed"}), search=" RO-6e ")
    assert server_params(query) == {
        "limit": 50,
        "offset": 100,
        "sort_by": "start_time",
        "sort_order": "desc",
        "status_in": ("failed", "running"),
        "rollout_id_contains": "ro-6e",
    }
    assert server_params(RolloutQuery(sort="rollout", descending=False))["sort_by"] == "rollout_id"
    assert server_query(query) == (query, ())


@pytest.mark.parametrize(
    "query",
    [
        RolloutQuery(modes=frozenset({"train"})),
        RolloutQuery(sort="worker"),
        RolloutQuery(sort="duration"),
        RolloutQuery(sort="input"),
    ],
)
def test_server_params_refuse_what_the_server_cannot_do(query) -> None:
    assert server_params(query) is None
    supported, ignored = server_query(query)
    assert ignored and server_params(supported) is not None
