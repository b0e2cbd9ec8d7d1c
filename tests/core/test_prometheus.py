"""deck.prometheus against a real Dynamo 1.6.1 metrics page and hand-checked Prometheus arithmetic."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from deck.prometheus import Estimate, MetricsError, Scrape, estimate, mean, parse, quantile, rate, rate_by

PAGE = (Path(__file__).parents[1] / "fixtures" / "dynamo-1x" / "metrics-trimmed.txt").read_text()
TTFT = "dynamo_frontend_time_to_first_token_seconds"


def test_a_real_page_gives_names_labels_values_and_types() -> None:
    scrape = parse(PAGE)
    (inflight,) = scrape.select("dynamo_frontend_inflight_requests")
    assert (inflight.labels, inflight.value, inflight.type) == ({"model": "tiny"}, 34.0, "gauge")
    (tokens,) = scrape.select("dynamo_frontend_output_tokens_total")
    assert (tokens.value, tokens.type) == (9403.0, "counter")
    (kv,) = scrape.select("vllm:kv_cache_usage_perc")
    assert kv.labels == {"engine": "0", "model_name": "tiny"}
    assert kv.value == pytest.approx(0.00213623046875)
    buckets = scrape.select(TTFT + "_bucket")
    assert len(buckets) == 19
    assert {b.type for b in buckets} == {"histogram"}
    (engine,) = scrape.select("dynamo_engine_request")
    assert (engine.labels, engine.value) == ({}, 5.0)


def test_families_narrow_the_page_before_it_is_parsed() -> None:
    scrape = parse(PAGE, families=["dynamo_frontend_time_*", "vllm:num_requests_*"])
    names = {s.name for s in scrape.samples}
    assert names == {
        TTFT + "_bucket",
        TTFT + "_sum",
        TTFT + "_count",
        "vllm:num_requests_running",
        "vllm:num_requests_waiting",
    }


def test_untyped_lines_are_selected_by_their_own_name() -> None:
    text = "# TYPE a gauge\na 1\nab 2\nb_total 3\n"
    assert [(s.name, s.type) for s in parse(text, families=["ab"]).samples] == [("ab", "unknown")]
    assert [s.name for s in parse(text, families=["a"]).samples] == ["a"]


def test_selection_by_name_glob_and_label_globs() -> None:
    scrape = parse(PAGE)
    workers = scrape.select("dynamo_frontend_worker_*", {"worker_id": "7072041247935237505"})
    assert {s.name for s in workers} == {
        "dynamo_frontend_worker_active_decode_blocks",
        "dynamo_frontend_worker_active_prefill_tokens",
        "dynamo_frontend_worker_last_inter_token_latency_seconds",
        "dynamo_frontend_worker_last_time_to_first_token_seconds",
    }
    generate = scrape.select("dynamo_component_inflight_requests", {"dynamo_endpoint": "gen*"})
    assert [s.value for s in generate] == [5.0]
    # a label the sample lacks reads as empty, as in PromQL
    assert len(scrape.select("dynamo_frontend_requests_total", {"error_type": ""})) == 1
    assert scrape.select("dynamo_engine_request", {"model": "tiny"}) == ()


def test_sums_over_and_by_a_label() -> None:
    scrape = parse(PAGE)
    assert scrape.sum("dynamo_component_inflight_requests") == 5.0
    assert scrape.sum("no_such_metric") is None
    assert scrape.sum_by("dynamo_endpoint", "dynamo_component_requests_total") == {
        "worker_kv_query_source_8a56bdad8ff11": 1.0,
        "generate": 26.0,
    }


def _requests(at: float, success: float, error: float) -> Scrape:
    text = (
        "# TYPE req_total counter\n"
        f'req_total{{status="success"}} {success}\n'
        f'req_total{{status="error"}} {error}\n'
    )
    return parse(text, at=at)


def test_counters_become_per_second_rates_between_two_scrapes() -> None:
    before, after = _requests(100.0, 10, 2), _requests(104.0, 30, 2)
    assert rate(before, after, "req_total") == pytest.approx(5.0)
    assert rate(before, after, "req_total", {"status": "error"}) == 0.0
    assert rate_by("status", before, after, "req_total") == {"success": 5.0, "error": 0.0}


def test_a_counter_that_dropped_restarted_from_zero() -> None:
    before, after = _requests(0.0, 500, 0), _requests(10.0, 40, 0)
    assert rate(before, after, "req_total", {"status": "success"}) == pytest.approx(4.0)


def test_no_rate_without_two_readings_or_without_time_between_them() -> None:
    before = parse('# TYPE req_total counter\nreq_total{status="success"} 1\n', at=0.0)
    after = _requests(5.0, 6, 3)
    # the error series has no earlier reading: it gives no rate rather than a guess
    assert rate_by("status", before, after, "req_total") == {"success": 1.0}
    assert rate(_requests(5.0, 1, 1), after, "req_total") is None
    assert rate(before, after, "missing_total") is None


def test_quantiles_of_the_real_time_to_first_token_histogram() -> None:
    scrape = parse(PAGE)
    # 40 observations: 1 up to 0.1 s, 24 up to 0.22 s, 39 up to 1 s, all 40 up to 2.2 s
    assert quantile(0.5, scrape, TTFT) == pytest.approx(0.1 + 0.12 * 19 / 23)
    assert quantile(0.99, scrape, TTFT) == pytest.approx(1 + 1.2 * 0.6)
    assert quantile(0.0, scrape, TTFT) == 0.0  # the lowest bucket is le="0"
    assert quantile(0.5, scrape, TTFT, {"model": "other"}) is None
    assert quantile(0.5, scrape, "dynamo_frontend_request_duration_seconds") is None  # no buckets


def _histogram(at: float, counts: list[int], model: str = "m") -> str:
    bounds = ["0.1", "1", "10", "+Inf"]
    return "".join(f'h_bucket{{model="{model}",le="{le}"}} {n}\n' for le, n in zip(bounds, counts))


def test_quantiles_follow_prometheus_at_the_edges() -> None:
    # the rank falls in the +Inf bucket: the highest finite bound is the answer
    assert quantile(0.9, parse(_histogram(0, [0, 0, 1, 10])), "h") == 10.0
    # no observation at all: no quantile
    assert quantile(0.5, parse(_histogram(0, [0, 0, 0, 0])), "h") is None
    # buckets of several series add up
    both = parse(_histogram(0, [10, 10, 10, 10], "a") + _histogram(0, [0, 10, 10, 10], "b"))
    assert quantile(0.5, both, "h") == pytest.approx(0.1)
    assert quantile(0.75, both, "h") == pytest.approx(0.1 + 0.9 * 0.5)
    with pytest.raises(ValueError, match="within 0 and 1"):
        quantile(1.5, both, "h")


def test_an_estimate_names_its_bucket_and_whether_it_is_only_a_ceiling() -> None:
    scrape = parse(PAGE)
    assert estimate(0.5, scrape, TTFT) == Estimate(pytest.approx(0.1 + 0.12 * 19 / 23), 0.1, 0.22)
    assert not Estimate(0.15, 0.1, 0.22).at_most
    # every observation in the first bucket: each quantile is only known to be at most 0.1
    fast = estimate(0.5, parse(_histogram(0, [10, 10, 10, 10])), "h")
    assert fast == Estimate(pytest.approx(0.05), 0.0, 0.1) and fast.at_most
    # with an le="0" bucket first, the first bucket above zero is still the one that says little
    zero = parse("".join(f'z_bucket{{le="{le}"}} {n}\n' for le, n in (("0", 0), ("0.002", 5), ("+Inf", 5))))
    tiny = estimate(0.9, zero, "z")
    assert tiny is not None and (tiny.lower, tiny.upper, tiny.at_most) == (0.0, 0.002, True)
    slowest = estimate(0.99, parse(_histogram(0, [0, 0, 1, 10])), "h")
    assert slowest == Estimate(10.0, 10.0, math.inf) and not slowest.at_most


def test_quantiles_since_an_earlier_scrape_count_only_new_observations() -> None:
    before = parse(_histogram(0, [100, 100, 100, 100]), at=0)
    after = parse(_histogram(10, [100, 100, 110, 110]), at=10)
    assert quantile(0.5, after, "h") == pytest.approx(0.1 * 55 / 100)
    assert quantile(0.5, after, "h", since=before) == pytest.approx(1 + 9 * 0.5)
    # a restarted process (counts fell): the whole histogram counts, as for counters
    restarted = parse(_histogram(20, [0, 2, 2, 2]), at=20)
    assert quantile(0.5, restarted, "h", since=after) == pytest.approx(0.1 + 0.9 * 0.5)


def test_a_broken_page_is_refused_with_the_line_that_broke_it() -> None:
    text = PAGE.replace("dynamo_engine_request 5", 'dynamo_engine_request{model="x} 5')
    with pytest.raises(MetricsError, match=r"not Prometheus text.*dynamo_engine_request"):
        parse(text)
    # the same page narrowed to families that are intact parses
    assert parse(text, families=["vllm:*"]).sum("vllm:num_requests_running") == 5.0


def test_any_damage_to_a_page_gives_metrics_error_or_samples_never_another_exception() -> None:
    rng = random.Random(15)
    alphabet = '{}",=# \n\\abc0.5e+InfNaN_:\x1b'
    for _ in range(300):
        chars = list(PAGE[:3000])
        for _ in range(rng.randint(1, 8)):
            chars[rng.randrange(len(chars))] = rng.choice(alphabet)
        try:
            scrape = parse("".join(chars))
        except MetricsError as exc:
            assert str(exc).startswith("not Prometheus text")
        else:
            assert all(isinstance(s.value, float) for s in scrape.samples)


def test_a_family_runs_from_its_type_line_to_the_next() -> None:
    text = "x 1\n# HELP a doc\n# TYPE a gauge\na 1\n# HELP b doc\n# TYPE b counter\nb_total 2\nb_created 9\n"
    assert [s.name for s in parse(text, families=["b"]).samples] == ["b_total", "b_created"]
    assert [s.name for s in parse(text, families=["a", "x"]).samples] == ["x", "a"]
    assert parse(text, families=["c*"]).samples == ()


def test_histogram_means_overall_and_since_an_earlier_scrape() -> None:
    def page(total: float, count: int) -> str:
        return f"# TYPE t histogram\nt_sum {total}\nt_count {count}\n"

    before, after = parse(page(10.0, 100)), parse(page(16.0, 110))
    assert mean(after, "t") == pytest.approx(16.0 / 110)
    assert mean(after, "t", since=before) == pytest.approx(0.6)
    assert mean(after, "t", since=after) is None  # nothing observed in between
    assert mean(parse(page(1.0, 4)), "t", since=after) == pytest.approx(0.25)  # restarted
    assert mean(parse(PAGE), "vllm:time_to_first_token_seconds") == pytest.approx(0.281802615 / 26)
    assert mean(after, "missing") is None
