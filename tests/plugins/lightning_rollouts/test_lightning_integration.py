"""The client against a real `agl store` (agentlightning 0.3.0), populated the way runners do it.

Skipped when the server is not installed; CI installs it with `.ci/agl-venv.sh`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from populate import Runner

from deck.plugins.lightning_rollouts.client import LightningClient
from deck.plugins.lightning_rollouts.client_errors import (
    BadResponseError,
    HTTPStatusError,
    NotFoundError,
)
from deck.plugins.lightning_rollouts.model_display import status_text
from deck.plugins.lightning_rollouts.model_query import RolloutQuery, query_rollouts
from deck.plugins.lightning_rollouts.model_spans import build_span_tree, flatten
from deck.plugins.lightning_rollouts.source_loading import load_rollouts, server_params


@pytest.fixture(scope="module")
def store(agl_server: str) -> Iterator[dict[str, Any]]:
    """A populated store: resources, five rollouts in different states, spans, workers."""
    runner = Runner(agl_server)
    llm = {"resource_type": "llm", "endpoint": "http://localhost:8000/v1", "model": "m-1"}
    resources = runner.post("/resources", {"main_llm": llm})
    runner.post(f"/resources/{resources['resources_id']}", {"main_llm": {**llm, "model": "m-2"}})
    enqueued = runner.post(
        "/queues/rollouts/enqueue",
        {
            "rollouts": [
                {
                    "input": {"q": "retry me"},
                    "mode": "train",
                    "config": {"max_attempts": 2, "retry_condition": ["failed"]},
                },
                {"input": "plain", "mode": "val"},
                {"input": [1, 2], "mode": "test"},
                {"input": {"q": "cancel me"}},
                {"input": "fail once", "mode": "train"},
            ]
        },
    )
    retried, plain, running, cancelled, failed = (r["rollout_id"] for r in enqueued)

    first = runner.dequeue("w1")
    assert first["rollout_id"] == retried
    t0 = time.time()
    runner.span(first, "00000000000000a1", None, "agentlightning.rollout", t0)
    runner.span(first, "00000000000000a2", "00000000000000a1", "agent.step", t0 + 0.1)
    runner.span(first, "00000000000000a3", "00000000000000a2", "openai.chat.completion", t0 + 0.2)
    runner.span(first, "00000000000000a4", "ffffffffffffffff", "stray", t0 + 0.3)
    runner.finish(first, "failed", metadata={"error": "boom"})  # retry: back in the queue

    runner.finish(runner.dequeue("w2"), "succeeded", last_heartbeat_time=time.time())
    runner.finish(runner.dequeue("w3"), "running", last_heartbeat_time=time.time())
    with LightningClient(agl_server) as lightning:
        lightning.cancel_rollout(cancelled)  # before any worker took it
    runner.finish(runner.dequeue("w4"), "failed")  # the cancelled one is skipped
    second = runner.dequeue("w1")
    assert second["rollout_id"] == retried
    runner.finish(second, "succeeded")
    yield {
        "url": agl_server,
        "runner": runner,
        "resources_id": resources["resources_id"],
        "retried": retried,
        "plain": plain,
        "running": running,
        "cancelled": cancelled,
        "failed": failed,
        "first_attempt": first["attempt"]["attempt_id"],
        "second_attempt": second["attempt"]["attempt_id"],
    }
    runner.http.close()


@pytest.fixture
def lightning(store) -> Iterator[LightningClient]:
    with LightningClient(store["url"]) as client:
        yield client


def test_health_and_statistics(lightning: LightningClient) -> None:
    assert lightning.health() is True
    stats = lightning.statistics()
    assert stats.name == "InMemoryLightningStore"
    assert (stats.total_rollouts, stats.total_spans) == (5, 4)


def test_rollouts_and_their_states(lightning: LightningClient, store) -> None:
    rollouts = {r.rollout_id: r for r in lightning.list_rollouts()}
    assert len(rollouts) == 5
    states = {key: rollouts[store[key]].status for key in ("retried", "plain", "running")}
    assert states == {"retried": "succeeded", "plain": "succeeded", "running": "running"}
    assert rollouts[store["failed"]].status == "failed"
    assert rollouts[store["cancelled"]].attempt is None
    assert rollouts[store["retried"]].config.retry_condition == ("failed",)
    assert rollouts[store["retried"]].resources_id == store["resources_id"]
    assert lightning.get_rollout(store["plain"]).input == "plain"


def test_attempts_count_up_from_one(lightning: LightningClient, store) -> None:
    attempts = lightning.list_attempts(store["retried"])
    assert [(a.sequence_id, a.status, a.worker_id) for a in attempts] == [
        (1, "failed", "w1"),
        (2, "succeeded", "w1"),
    ]
    assert attempts[0].metadata == {"error": "boom"}
    assert lightning.latest_attempt(store["retried"]).attempt_id == store["second_attempt"]
    assert lightning.latest_attempt(store["cancelled"]) is None
    rollout = lightning.get_rollout(store["retried"])
    assert rollout.attempt.sequence_id == 2  # the row expands into its attempts


def test_span_tree(lightning: LightningClient, store) -> None:
    spans = lightning.list_spans(store["retried"], store["first_attempt"])
    assert lightning.list_spans(store["retried"]) == spans
    assert lightning.list_spans(store["retried"], store["second_attempt"]) == ()
    rows = flatten(build_span_tree(spans))
    assert [(n.depth, n.span.name, n.orphan) for n in rows] == [
        (0, "agentlightning.rollout", False),
        (1, "agent.step", False),
        (2, "openai.chat.completion", False),
        (0, "stray", True),
    ]
    assert [s.sequence_id for s in spans] == [1, 2, 3, 4]


def test_workers_and_resources(lightning: LightningClient, store) -> None:
    workers = {w.worker_id: w for w in lightning.list_workers()}
    assert {"w1", "w2", "w3", "w4"} <= set(workers)
    assert workers["w3"].current_rollout_id == store["running"]
    assert workers["w3"].status == "busy"
    (snapshot,) = lightning.list_resources()
    assert (snapshot.resources_id, snapshot.version) == (store["resources_id"], 2)
    assert snapshot.resources["main_llm"]["model"] == "m-2"
    assert lightning.latest_resources() == snapshot


def test_server_paging_matches_client_paging(lightning: LightningClient, store) -> None:
    everything = lightning.list_rollouts()
    for query in (
        RolloutQuery(sort="rollout", descending=False, page_size=2, page=1),
        RolloutQuery(sort="rollout", statuses=frozenset({"succeeded", "failed"}), page_size=2),
        RolloutQuery(sort="rollout", search=store["plain"][3:9]),
    ):
        page = lightning.list_rollouts_page(**server_params(query))
        local = query_rollouts(everything, query)
        assert [r.rollout_id for r in page.items] == [r.rollout_id for r in local.rows]
        assert page.total == local.matching


def test_newest_first_on_the_server(lightning: LightningClient) -> None:
    page = lightning.list_rollouts_page(limit=3, sort_by="start_time", sort_order="desc")
    assert page.total == 5 and len(page.items) == 3
    starts = [r.start_time for r in page.items]
    assert starts == sorted(starts, reverse=True)


def test_unknown_ids_are_not_found(lightning: LightningClient) -> None:
    with pytest.raises(NotFoundError):
        lightning.get_rollout("ro-doesnotexist")
    with pytest.raises(NotFoundError):
        lightning.cancel_rollout("ro-doesnotexist")


def test_real_server_errors(lightning: LightningClient) -> None:
    with pytest.raises(HTTPStatusError) as caught:
        lightning.list_rollouts_page(limit=0)
    assert caught.value.status == 400 and "Limit must be greater than 0" in caught.value.detail
    with pytest.raises(HTTPStatusError) as caught:
        lightning.list_rollouts_page(status_in=["bogus"])
    assert caught.value.status == 422
    with pytest.raises(HTTPStatusError) as caught:  # the store cannot compare inputs
        lightning.list_rollouts_page(sort_by="input")
    assert caught.value.status == 500 and not isinstance(caught.value, NotFoundError)


def test_a_url_pointing_at_the_dashboard_is_a_bad_response(store) -> None:
    with LightningClient(store["url"] + "/rollouts") as lost, pytest.raises(BadResponseError):
        lost.health()


def test_cancel_a_running_rollout(lightning: LightningClient, store) -> None:
    cancelled = lightning.cancel_rollout(store["running"])
    assert cancelled.status == "cancelled"
    rollout = lightning.get_rollout(store["running"])
    assert rollout.end_time is not None
    # The store leaves the attempt running: the row reads "cancelled - running".
    assert status_text(rollout) == "cancelled - running"


def test_requeue_a_failed_rollout_runs_it_again(lightning: LightningClient, store) -> None:
    requeued = lightning.requeue_rollout(store["failed"])
    assert requeued.status == "requeuing"
    again = store["runner"].dequeue("w5")
    assert again["rollout_id"] == store["failed"]
    attempts = lightning.list_attempts(store["failed"])
    # A new attempt although max_attempts is 1: requeueing is the operator's decision.
    assert [(a.sequence_id, a.status, a.worker_id) for a in attempts] == [
        (1, "failed", "w4"),
        (2, "preparing", "w5"),
    ]
    assert lightning.get_rollout(store["failed"]).status == "preparing"


def test_requeue_a_cancelled_rollout_that_never_ran(lightning: LightningClient, store) -> None:
    lightning.requeue_rollout(store["cancelled"])
    again = store["runner"].dequeue("w6")
    assert again["rollout_id"] == store["cancelled"]
    (attempt,) = lightning.list_attempts(store["cancelled"])
    assert (attempt.sequence_id, attempt.worker_id) == (1, "w6")


def test_small_stores_load_whole_large_ones_by_page(lightning: LightningClient) -> None:
    query = RolloutQuery(sort="rollout", descending=False, page_size=2)
    whole = load_rollouts(lightning, query)
    assert not whole.server_paged and whole.index is not None
    paged = load_rollouts(lightning, query, client_side_limit=3)
    assert paged.server_paged and paged.index is None
    assert [r.rollout_id for r in paged.page.rows] == [r.rollout_id for r in whole.page.rows]
    assert (paged.page.page_count, paged.page.total) == (whole.page.page_count, 5)
    by_mode = load_rollouts(lightning, RolloutQuery(modes=frozenset({"val"})), client_side_limit=3)
    assert by_mode.ignored == ("mode filter",)
    assert by_mode.page.matching == 5
