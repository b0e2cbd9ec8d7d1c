"""The client against the recorded answers of a real LightningStore."""

from __future__ import annotations

import httpx
import pytest
from lightning_support import RecordedServer, fixture_json, load

from deck.plugins.lightning_rollouts.client import LightningClient, normalize_base_url
from deck.plugins.lightning_rollouts.client_errors import (
    BadResponseError,
    HTTPStatusError,
    InvalidURLError,
    LightningError,
    NotFoundError,
)


def test_health(client: LightningClient) -> None:
    assert client.health() is True


def test_list_rollouts_keeps_every_rollout_and_only_real_attempts(client: LightningClient) -> None:
    rollouts = client.list_rollouts()
    assert len(rollouts) == 14
    by_id = {r.rollout_id: r for r in rollouts}
    no_attempt = {rid for rid, r in by_id.items() if r.attempt is None}
    assert no_attempt == {"ro-e0cdb91e2d74", "ro-13ef00b5635c", "ro-9ebe9f1381c8", "ro-bbb903f2bb99"}
    retried = by_id["ro-6eedb2fc3a09"]
    assert retried.attempt is not None
    assert (retried.attempt.sequence_id, retried.attempt.worker_id) == (3, "worker-3")
    assert retried.config.max_attempts == 3
    assert retried.config.retry_condition == ("failed", "timeout")
    assert retried.config.timeout_seconds == 5.0
    assert by_id["ro-bbb903f2bb99"].mode is None
    assert by_id["ro-3d0be370853f"].input == "日本語 ✓"


def test_server_paging_reads_the_page_and_the_total(client: LightningClient) -> None:
    page = client.list_rollouts_page(limit=5, offset=5, sort_by="start_time", sort_order="desc")
    assert (page.limit, page.offset, page.total) == (5, 5, 14)
    assert [r.rollout_id for r in page.items][:2] == ["ro-bedf3f01a78f", "ro-3d0be370853f"]


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["failed"], {"ro-075f4ed6cbcf", "ro-364525e2d97a"}),
        (["queuing", "requeuing"], {"ro-333a44c91ae4", "ro-514ac025c7a6", "ro-13ef00b5635c"}),
    ],
)
def test_server_filter_by_status(client: LightningClient, statuses, expected) -> None:
    page = client.list_rollouts_page(limit=-1, status_in=statuses)
    assert expected <= {r.rollout_id for r in page.items}
    assert {r.status for r in page.items} == set(statuses)


def test_get_rollout_and_its_attempts(client: LightningClient) -> None:
    rollout = client.get_rollout("ro-6eedb2fc3a09")
    assert rollout.status == "succeeded"
    attempts = client.list_attempts("ro-6eedb2fc3a09")
    assert [(a.sequence_id, a.status, a.worker_id) for a in attempts] == [
        (1, "failed", "worker-1"),
        (2, "timeout", "worker-2"),
        (3, "succeeded", "worker-3"),
    ]
    assert attempts[0].metadata == {"error": "empty completion"}
    assert attempts[1].end_time is None
    assert client.latest_attempt("ro-6eedb2fc3a09") == attempts[-1] == rollout.attempt


def test_a_queued_rollout_has_no_attempt(client: LightningClient) -> None:
    assert client.get_rollout("ro-13ef00b5635c").attempt is None
    assert client.latest_attempt("ro-13ef00b5635c") is None


def test_resources(client: LightningClient) -> None:
    snapshots = client.list_resources()
    assert [(s.resources_id, s.version) for s in snapshots] == [
        ("rs-7fbf24925988", 1),
        ("rs-cf3ab54ec777", 2),
    ]
    latest = client.latest_resources()
    assert latest == snapshots[1]
    assert latest.resources["system_prompt"]["engine"] == "jinja"
    assert latest.resources["main_llm"]["api_key"] is None


def test_spans_workers_and_statistics(client: LightningClient) -> None:
    spans = client.list_spans("ro-339e107ec270")
    assert [s.sequence_id for s in spans] == list(range(1, 8))
    assert spans[0].parent_id is None and spans[1].parent_id == spans[0].span_id
    workers = {w.worker_id: w for w in client.list_workers()}
    assert {w: workers[w].status for w in workers} == {
        "worker-1": "busy",
        "worker-2": "unknown",
        "worker-3": "idle",
        "worker-4": "busy",
        "worker-5": "idle",
    }
    assert workers["worker-1"].current_rollout_id == "ro-0347ec6024a6"
    assert workers["worker-3"].heartbeat_stats == {"cpu_percent": 5.0, "gpu_mem_mb": 0, "host": "node-b"}
    stats = client.statistics()
    assert (stats.total_rollouts, stats.total_attempts, stats.total_spans) == (14, 12, 27)
    assert stats.values["memory_capacity_bytes"] == 25276514304


def test_unknown_rollout_is_not_found(client: LightningClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        client.get_rollout("ro-doesnotexist")
    assert caught.value.status == 500
    assert "rollout 'ro-doesnotexist' not found" in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_a_rejected_query_names_the_parameter(client: LightningClient) -> None:
    with pytest.raises(HTTPStatusError) as caught:
        client.list_rollouts_page(limit=-1, status_in=["bogus"])
    assert caught.value.status == 422
    assert not isinstance(caught.value, NotFoundError)
    assert "query.status_in.0: Input should be 'queuing'" in caught.value.detail


def test_missing_required_parameter_422(serve) -> None:
    body = load("error_spans_without_rollout_id.json")
    lightning = serve(
        lambda request: httpx.Response(422, content=body, headers={"content-type": "application/json"})
    )
    with pytest.raises(HTTPStatusError, match=r"422: query.rollout_id: Field required"):
        lightning.list_spans("ro-1")


def test_a_500_elsewhere_is_not_called_not_found(serve) -> None:
    body = load("error_rollout_unknown.json")
    lightning = serve(
        lambda request: httpx.Response(500, content=body, headers={"content-type": "application/json"})
    )
    with pytest.raises(HTTPStatusError) as caught:
        lightning.list_workers()
    assert not isinstance(caught.value, NotFoundError)
    assert "Internal server error (ResponseValidationError)" in str(caught.value)


def test_html_instead_of_json(serve) -> None:
    page = b"<!doctype html><html><head><title>Agent-lightning Dashboard</title></head></html>"
    lightning = serve(
        lambda request: httpx.Response(200, content=page, headers={"content-type": "text/html"})
    )
    with pytest.raises(BadResponseError) as caught:
        lightning.list_rollouts()
    assert "expected JSON, got text/html" in str(caught.value)
    assert "web page" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("body", "call"),
    [
        (b"{not json", "list_rollouts"),
        (b"[" * 100_000, "list_rollouts"),  # deeper than any JSON parser will go
        (b'{"items": "nope"}', "list_rollouts"),
        (b"[]", "statistics"),
        (b"[]", "health"),
        (b"null", "get_rollout"),
        (b'{"rollout_id": 7}', "cancel_rollout"),
        (b'"surprise"', "latest_attempt"),
    ],
)
def test_malformed_answers_are_bad_responses(serve, body: bytes, call: str) -> None:
    lightning = serve(
        lambda request: httpx.Response(200, content=body, headers={"content-type": "application/json"})
    )
    method = getattr(lightning, call)
    with pytest.raises(BadResponseError):
        method("ro-1") if call in {"get_rollout", "cancel_rollout", "latest_attempt"} else method()


def test_malformed_items_are_dropped_and_the_rest_kept(serve) -> None:
    good = fixture_json("rollout_ro-13ef00b5635c.json")
    items = [1, None, "x", {"rollout_id": 5}, {"input": 1}, good]
    lightning = serve(lambda request: httpx.Response(200, json={"items": items, "total": 6}))
    assert [r.rollout_id for r in lightning.list_rollouts()] == ["ro-13ef00b5635c"]


def test_ids_are_one_path_segment(serve) -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, content=b"null", headers={"content-type": "application/json"})

    assert serve(handler).latest_attempt("a/b?c#d") is None
    assert seen[0].raw_path == b"/v1/agl/rollouts/a%2Fb%3Fc%23d/attempts/latest"


def test_cancel_and_requeue_post_the_status(serve) -> None:
    posted: list[tuple[str, bytes]] = []
    rollout = fixture_json("rollout_ro-13ef00b5635c.json")

    def handler(request: httpx.Request) -> httpx.Response:
        posted.append((f"{request.method} {request.url.path}", request.content))
        return httpx.Response(200, json=rollout)

    lightning = serve(handler)
    assert lightning.cancel_rollout("ro-13ef00b5635c").rollout_id == "ro-13ef00b5635c"
    lightning.requeue_rollout("ro-13ef00b5635c")
    assert posted == [
        ("POST /v1/agl/rollouts/ro-13ef00b5635c", b'{"status":"cancelled"}'),
        ("POST /v1/agl/rollouts/ro-13ef00b5635c", b'{"status":"requeuing"}'),
    ]


def test_empty_id_is_refused_before_sending(client: LightningClient) -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        client.get_rollout("")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://localhost:4747", "http://localhost:4747"),
        ("  localhost:4747/ ", "http://localhost:4747"),
        ("https://store.example.com/agl/v1/agl/", "https://store.example.com/agl"),
        ("http://[::1]:4747", "http://[::1]:4747"),
        ("http://10.0.0.7", "http://10.0.0.7"),
    ],
)
def test_base_url_is_normalised(given: str, expected: str) -> None:
    assert normalize_base_url(given) == expected


@pytest.mark.parametrize(
    "bad",
    ["", "   ", "ftp://host", "http://", "http://:80", "http://ho st:1", "http://h:99999", "http://h/?a=1"],
)
def test_invalid_base_urls_are_refused(bad: str) -> None:
    with pytest.raises(InvalidURLError):
        normalize_base_url(bad)


def test_changing_the_base_url_reconnects_elsewhere(recorded: RecordedServer) -> None:
    with LightningClient("http://first:1", transport=httpx.MockTransport(recorded)) as lightning:
        lightning.health()
        with pytest.raises(InvalidURLError):
            lightning.set_base_url("not a url at all://")
        assert lightning.base_url == "http://first:1"
        assert lightning.set_base_url("second:2/v1/agl") == "http://second:2"
        lightning.health()
    assert [r.url.host for r in recorded.requests] == ["first", "second"]


def test_errors_share_one_base(serve) -> None:
    lightning = serve(lambda request: httpx.Response(503, text="down for maintenance"), retries=0)
    with pytest.raises(LightningError) as caught:
        lightning.health()
    assert isinstance(caught.value, HTTPStatusError)
    assert caught.value.status == 503
