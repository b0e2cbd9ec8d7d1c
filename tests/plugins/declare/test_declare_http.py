"""HTTP sources against a real local server: answers, error statuses, timeouts, caps, secrets."""

from __future__ import annotations

import pytest
from declare_support import free_port

from deck.plugins.declare.client import FetchError
from deck.plugins.declare.model import MASK
from deck.plugins.declare.model_layout import read_sources
from deck.plugins.declare.source import DeclaredSource


def source(**spec: object) -> DeclaredSource:
    return DeclaredSource(read_sources({"s": spec})["s"])


def test_json_answer_with_status_and_secrets_masked(http_server: str) -> None:
    snapshot = source(http=f"{http_server}/health").fetch()
    assert snapshot.document["status"] == "healthy"
    assert snapshot.document["api_key"] == MASK
    assert dict(snapshot.meta)["status"] == "200"


def test_error_status_shows_code_and_body(http_server: str) -> None:
    with pytest.raises(FetchError, match=r'HTTP 503 Service Unavailable: \{"status":"notready"'):
        source(http=f"{http_server}/notready").fetch()


def test_dead_server_says_it_cannot_connect() -> None:
    with pytest.raises(FetchError, match="cannot connect"):
        source(http=f"http://127.0.0.1:{free_port()}/health").fetch()


def test_slow_server_times_out(http_server: str) -> None:
    with pytest.raises(FetchError, match=r"no answer within 0\.5 s"):
        source(http=f"{http_server}/slow", timeout=0.5).fetch()


def test_huge_answer_is_refused_at_the_cap(http_server: str) -> None:
    with pytest.raises(FetchError, match="larger than 100000 bytes"):
        source(http=f"{http_server}/big", max_bytes=100000).fetch()


def test_secret_header_comes_from_the_environment(http_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = source(http=f"{http_server}/auth", headers={"Authorization": "env:DECK_TEST_TOKEN"})
    with pytest.raises(FetchError, match="environment variable DECK_TEST_TOKEN is not set"):
        spec.fetch()
    monkeypatch.setenv("DECK_TEST_TOKEN", "Bearer t0k")
    assert spec.fetch().document == {"seen": True}
    spec.close()


def test_recorded_dynamo_metrics_as_rows_with_rates_and_quantiles(http_server: str) -> None:
    ticks = iter([10.0, 12.0])
    spec = read_sources(
        {
            "f": {
                "prometheus": f"{http_server}/dynamo-metrics",
                "select": ["dynamo_frontend_*"],
                "labels": {"model": "tiny"},
            }
        }
    )["f"]
    metrics = DeclaredSource(spec, clock=lambda: next(ticks))
    first = metrics.fetch()
    rows = {(r["metric"], r["labels"]): r for r in first.rows}
    assert {r["metric"] for r in first.rows} >= {
        "dynamo_frontend_requests_total",
        "dynamo_frontend_inflight_requests",
        "dynamo_frontend_time_to_first_token_seconds",
    }
    assert not any(r["metric"].startswith("dynamo_component") for r in first.rows)
    requests = next(r for r in first.rows if r["metric"] == "dynamo_frontend_requests_total")
    assert requests["value"] == 6 and requests["rate"] is None and requests["status"] == "success"
    p99 = rows[("dynamo_frontend_time_to_first_token_seconds", "model=tiny,quantile=0.99")]["value"]
    assert p99 is not None and p99 > 0
    second = metrics.fetch()  # the same page again: nothing happened in the 2 s between
    again = next(r for r in second.rows if r["metric"] == "dynamo_frontend_requests_total")
    assert again["rate"] == 0.0
