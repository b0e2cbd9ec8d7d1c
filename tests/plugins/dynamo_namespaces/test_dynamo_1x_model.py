"""The 1.x store, planner and traffic as values, from recorded Dynamo 1.6.1 entries and metrics."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from dynamo_deployment import free_port

from deck.plugins.dynamo_namespaces.client_live import FileStore, StoreError, locate_store
from deck.plugins.dynamo_namespaces.model_live import (
    Entry,
    LiveStore,
    WorkersView,
    build_store_view,
    planner_from_entries,
    traffic_between,
)
from deck.plugins.dynamo_namespaces.source_live import WORKER_BATCH, StoreSource, WorkersSource
from deck.prometheus import parse

RECORDED = Path(__file__).resolve().parents[2] / "fixtures" / "dynamo-1x"
INSTANCE = json.loads((RECORDED / "instance-backend-generate.json").read_bytes())
CARD = json.loads((RECORDED / "mdc-backend-generate.json").read_bytes())
HEX = "6224f00bb4170d81"
FILE_STORE = LiveStore("file", "/kv", "layout")


def _store(root: Path, *entries: tuple[str, str, bytes]) -> Path:
    for bucket, rest, content in entries:
        folder = root / "v1" / bucket
        folder.mkdir(parents=True, exist_ok=True)
        (folder / FileStore.file_name(rest)).write_bytes(content)
    return root


def test_recorded_entries_become_an_instance_and_a_model_card():
    view = build_store_view(
        FILE_STORE,
        [
            Entry(f"v1/instances/dynamo/backend/generate/{HEX}", INSTANCE, 100.0),
            Entry(f"v1/mdc/dynamo/backend/generate/{HEX}", CARD, None),
        ],
        at=103.0,
    )
    (worker,) = view.workers
    assert (worker.namespace, worker.component, worker.endpoint) == ("dynamo", "backend", "generate")
    assert worker.instance_id == int(HEX, 16) == 7072041247935237505
    assert (worker.address, worker.device) == ("192.0.2.2:42479", "cuda")
    assert view.age(worker) == 3.0 and not view.stale(worker)
    (card,) = view.cards
    assert (card.name, card.worker_type, card.kv_blocks, card.max_seqs) == ("tiny", "aggregated", 16384, 256)
    assert card.context == 4096  # context_length 0: the architecture's maximum
    assert card.system_url == "http://192.0.2.2:8082"
    assert view.card(worker.instance_id) is card and view.age(card) == 3.0
    assert view.problems == ()


def test_entries_that_cannot_be_used_are_named_never_fatal():
    view = build_store_view(
        FILE_STORE,
        [
            Entry("v1/instances/dynamo/backend/generate/1", None, 1.0, "not JSON (Expecting value)"),
            Entry("v1/instances/dynamo/backend/generate/2", {"namespace": "dynamo"}, 1.0),
            Entry("v1/mdc/dynamo/backend/generate/3", ["a list"], 1.0),
            Entry("v1/event_channels/whatever", {}, 1.0),
        ],
        at=2.0,
    )
    assert view.instances == () and view.cards == ()
    assert view.problems == (
        "v1/instances/dynamo/backend/generate/1: not JSON (Expecting value)",
        "v1/instances/dynamo/backend/generate/2: no instance_id",
        "v1/mdc/dynamo/backend/generate/3: not a JSON object",
    )


def test_the_file_store_decodes_names_skips_dynamos_temp_files_and_ages_by_mtime(tmp_path):
    root = _store(
        tmp_path,
        ("instances", f"dynamo/backend/generate/{HEX}", json.dumps(INSTANCE).encode()),
        ("mdc", f"dynamo/backend/generate/{HEX}", json.dumps(CARD).encode()),
        ("instances", "broken/x/generate/1", b"{half"),
    )
    (root / "v1" / "instances" / ".tmp_0123456789abcdef").write_bytes(b"{")
    assert (root / "v1" / "instances" / "dynamo%2Fbackend%2Fgenerate%2F6224f00bb4170d81").exists()
    old = 1_000_000.0
    for path in (root / "v1" / "instances").iterdir():
        os.utime(path, (old, old))
    view = StoreSource(LiveStore("file", str(root), "layout"), clock=lambda: old + 8.0).fetch()
    (worker,) = view.workers
    assert worker.instance_id == int(HEX, 16)
    assert view.age(worker) == 8.0 and view.stale(worker) and view.stale_workers == 1
    assert view.stale(view.cards[0])  # a card goes stale with its worker's entry
    assert len(view.problems) == 1 and view.problems[0].startswith(
        "v1/instances/broken/x/generate/1: not JSON"
    )


def test_a_missing_store_says_where_it_looked(tmp_path):
    with pytest.raises(StoreError, match=f"no Dynamo 1.x file store: {tmp_path / 'kv'} does not exist"):
        FileStore(tmp_path / "kv").read()
    view = StoreSource(LiveStore("file", str(tmp_path), "layout")).fetch()
    assert view.error == f"no Dynamo 1.x file store: {tmp_path} has no v1/ folder"
    dead = f"http://127.0.0.1:{free_port()}"
    view = StoreSource(LiveStore("etcd", dead, "layout")).fetch()
    assert view.error == f"etcd at {dead}: not reachable (connection refused)"


def test_the_store_is_the_layouts_else_the_one_dynamo_would_use():
    assert locate_store("etcd:http://h:2379", {}).label == "etcd:http://h:2379"
    assert locate_store(None, {"ETCD_ENDPOINTS": "http://a:1,http://b:2"}) == LiveStore(
        "etcd", "http://a:1", "$ETCD_ENDPOINTS"
    )
    assert locate_store(None, {"DYN_DISCOVERY_BACKEND": "etcd"}).location == "http://localhost:2379"
    assert locate_store(None, {"DYN_FILE_KV": "/kv"}) == LiveStore("file", "/kv", "$DYN_FILE_KV")
    assert locate_store(None, {"TMPDIR": "/t"}) == LiveStore("file", "/t/dynamo_store_kv", "default")
    for bad in ("consul:x", "file:", "etcd"):
        with pytest.raises(ValueError, match="discovery must be file:<folder> or etcd:<url>"):
            locate_store(bad, {})


def test_planner_decisions_pending_applied_and_unreadable():
    keys = {
        "v1/a/planner/num_prefill_workers": b"1",
        "v1/a/planner/num_decode_workers": b"3",
        "v1/a/planner/decision_id": b"5",
        "v1/a/planner/scaled_decision_id": b"4",
        "v1/b/planner/decision_id": b"-1",
        "v1/c/planner/num_decode_workers": b"three",
        "v1/instances/a/backend/generate/1": b"{}",
    }
    view = planner_from_entries("http://etcd", keys.items())
    a, b, c = view.planners
    assert (a.namespace, a.prefill, a.decode, a.decision, a.scaled, a.pending) == ("a", 1, 3, 5, 4, True)
    assert (b.namespace, b.decision, b.pending) == ("b", -1, False)  # -1: not decided yet
    assert (c.namespace, c.decode) == ("c", None)


def test_frontend_traffic_between_two_scrapes_of_the_recorded_page():
    page = (RECORDED / "metrics-trimmed.txt").read_text()
    later = page.replace(
        'dynamo_frontend_output_tokens_total{model="tiny"} 9403',
        'dynamo_frontend_output_tokens_total{model="tiny"} 9603',
    )
    later = later.replace(
        'request_type="unary",status="success"} 6', 'request_type="unary",status="success"} 10'
    )
    before, after = parse(page, at=10.0), parse(later, at=12.0)
    traffic = traffic_between(before, after)
    assert (traffic.inflight, traffic.queued) == (34.0, 0.0)
    assert traffic.tokens_per_s == 100.0
    assert traffic.requests_by_status == {"success": 2.0}
    assert traffic.ttft == (None, None, None)  # no new observation between the two
    first = traffic_between(None, before)
    assert (
        first.tokens_per_s is None
        and first.ttft[0] is not None
        and first.ttft[0].value == pytest.approx(0.1 + 0.12 * 19 / 23)
    )
    assert not first.ttft[0].at_most  # between 0.1 and 0.22 s: a value worth showing


def test_requests_all_in_the_first_duration_bucket_are_only_known_to_be_within_it() -> None:
    """40 ms requests in a histogram whose first bucket is 0-2 s: p50 is not 1 s, it is "≤ 2 s"."""
    family = "dynamo_frontend_request_duration_seconds_bucket"
    bounds = ("0", "2", "5", "10", "+Inf")

    def page(count: int) -> str:
        return "".join(f'{family}{{model="tiny",le="{le}"}} {0 if le == "0" else count}\n' for le in bounds)

    traffic = traffic_between(parse(page(10), at=0.0), parse(page(30), at=2.0))
    p50 = traffic.duration[0]
    assert p50 is not None and p50.at_most and p50.upper == 2.0


def test_names_from_the_store_reach_the_screen_escaped(tmp_path, open_dynamo):
    hostile = {**CARD, "card_json": {**CARD["card_json"], "display_name": "tiny\x1b]2;PWNED\x07"}}
    root = _store(
        tmp_path / "kv",
        ("instances", f"dynamo/backend/generate/{HEX}", json.dumps(INSTANCE).encode()),
        ("mdc", f"dynamo/backend/generate/{HEX}", json.dumps(hostile).encode()),
    )
    (tmp_path / "state").mkdir()
    deck = open_dynamo(tmp_path / "state", discovery=f"file:{root}")
    deck.wait_for(f"{HEX} · {int(HEX, 16)}")  # it opened on the Fleet: a 1.x store, no state files
    deck.press("4")
    screen = deck.wait_for("PWNED")
    assert "\x1b" not in screen and "\x07" not in screen
    assert "tiny\\e]2;PWNED\\x07" in screen


def test_a_large_fleet_is_asked_a_batch_of_workers_at_a_time(tmp_path):
    dead = f"127.0.0.1:{free_port()}"
    card = json.loads(json.dumps(CARD).replace("192.0.2.2:8082", dead))
    entries = []
    for n in range(WORKER_BATCH * 2 + 50):
        instance_id = f"{int(HEX, 16) + n:x}"
        rest = f"dynamo/backend/generate/{instance_id}"
        entries.append(
            ("instances", rest, json.dumps({**INSTANCE, "instance_id": int(instance_id, 16)}).encode())
        )
        entries.append(("mdc", rest, json.dumps({**card, "instance_id": int(instance_id, 16)}).encode()))
    root = _store(tmp_path, *entries)
    source = WorkersSource(StoreSource(LiveStore("file", str(root), "layout")))

    async def three_fetches() -> list[int]:
        try:
            return [len((await source.fetch()).loads) for _ in range(3)]
        finally:
            await source.aclose()

    assert asyncio.run(three_fetches()) == [WORKER_BATCH, WORKER_BATCH * 2, WORKER_BATCH * 2 + 50]
    view = asyncio.run(_one_fetch(source))
    assert {load.health for load in view.loads.values()} == {"not reachable (connection refused)"}


async def _one_fetch(source: WorkersSource) -> WorkersView:
    try:
        return await source.fetch()
    finally:
        await source.aclose()
