"""Dynamo 1.x as values: store entries, instances, model cards, worker load, frontend and planner.

Everything here is built from what the discovery store, the frontend and the workers answered,
by pure functions, so the panels and the tests see the same immutable snapshots.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from deck.prometheus import Estimate, Scrape, estimate, mean, rate, rate_by

__all__ = [
    "STALE_AFTER",
    "BusyThreshold",
    "Entry",
    "FrontendView",
    "Instance",
    "LiveStore",
    "ModelCard",
    "ModelStatus",
    "Planner",
    "PlannerView",
    "StoreView",
    "Traffic",
    "WorkerLoad",
    "WorkersView",
    "build_store_view",
    "id_text",
    "planner_from_entries",
    "traffic_between",
    "worker_load",
]

#: An entry not re-touched for this long has missed two of its owner's touches (every ~3.3 s):
#: the owner is most likely gone. Dynamo itself expires entries at 10 s, so this leaves the
#: operator a few seconds to see it before it disappears.
STALE_AFTER = 7.0
_SYSTEM_URL = re.compile(r"^(https?://[^/\s]+)/v1/metadata/")


def id_text(instance_id: int) -> str:
    """The id both ways: workers label themselves in hex, the frontend labels them in decimal."""
    return f"{instance_id:x} · {instance_id}"


@dataclass(frozen=True)
class LiveStore:
    """Where the discovery store is: `file` and a folder, or `etcd` and an endpoint."""

    kind: str  # "file" or "etcd"
    location: str
    how: str  # why this one: "layout", "$DYN_FILE_KV", "default", ...

    @property
    def label(self) -> str:
        """`file:/tmp/kv` or `etcd:http://host:2379`, as the layout option is written."""
        return f"{self.kind}:{self.location}"


@dataclass(frozen=True)
class Entry:
    """One key of the store with its decoded JSON value (None when the value is not JSON)."""

    key: str  # etcd form: v1/instances/{ns}/{component}/{endpoint}/{hex}
    value: Any
    touched: float | None  # when the owner last touched it (file mtime); None for etcd (a lease)
    problem: str | None = None


@dataclass(frozen=True)
class Instance:
    """One served endpoint of one worker process, as the store lists it."""

    namespace: str
    component: str
    endpoint: str
    instance_id: int
    address: str
    device: str
    touched: float | None

    @property
    def is_worker(self) -> bool:
        """Workers are counted by their `generate` endpoint (each also serves a kv query one)."""
        return self.endpoint == "generate"


@dataclass(frozen=True)
class ModelCard:
    """A model deployment card (`v1/mdc/...`): what one worker serves, and with what limits."""

    namespace: str
    component: str
    endpoint: str
    instance_id: int
    name: str
    worker_type: str
    kv_blocks: int | None
    block_size: int | None
    max_seqs: int | None
    context: int | None
    system_url: str | None  # the worker's system port, found in the card's file URLs


@dataclass(frozen=True)
class StoreView:
    """Everything the store lists, grouped for the fleet and models views."""

    store: LiveStore
    instances: tuple[Instance, ...]
    cards: tuple[ModelCard, ...]
    problems: tuple[str, ...] = ()
    error: str | None = None  # the store itself could not be read
    at: float = 0.0  # when it was read (unix time), for the entries' ages

    def age(self, entry: Instance | ModelCard) -> float | None:
        """Seconds since the owner last touched the entry (a card: its worker's instance entry);
        None in etcd, where a lease keeps it."""
        touched = entry.touched if isinstance(entry, Instance) else self._touched.get(entry.instance_id)
        return None if touched is None else max(0.0, self.at - touched)

    @cached_property
    def _touched(self) -> Mapping[int, float | None]:
        return {i.instance_id: i.touched for i in self.workers}

    def stale(self, entry: Instance | ModelCard) -> bool:
        """Not touched for STALE_AFTER seconds: the owner is most likely gone (SIGKILL)."""
        age = self.age(entry)
        return age is not None and age > STALE_AFTER

    @cached_property
    def stale_workers(self) -> int:
        """Workers whose entries went stale."""
        return sum(1 for w in self.workers if self.stale(w))

    @cached_property
    def workers(self) -> tuple[Instance, ...]:
        """One instance per worker process (its `generate` endpoint)."""
        return tuple(i for i in self.instances if i.is_worker)

    @property
    def namespaces(self) -> tuple[str, ...]:
        """Every namespace with an instance, sorted."""
        return tuple(sorted({i.namespace for i in self.instances}))

    @cached_property
    def cards_by_instance(self) -> Mapping[int, ModelCard]:
        """The model card each worker published."""
        return {c.instance_id: c for c in self.cards}

    def card(self, instance_id: int) -> ModelCard | None:
        """The model card a worker published, if any."""
        return self.cards_by_instance.get(instance_id)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) else default


def _address(transport: Any) -> str:
    """`host:port` of the request plane (`{"tcp": "host:port/hex/ns/c/e"}`), else the transport's kind."""
    if isinstance(transport, Mapping):
        tcp = transport.get("tcp")
        if isinstance(tcp, str):
            return tcp.split("/", 1)[0]
        return ",".join(str(k) for k in transport)
    return ""


def _instance(entry: Entry) -> Instance:
    value = entry.value
    if not isinstance(value, Mapping):
        raise ValueError("not a JSON object")
    instance_id = _int(value.get("instance_id"))
    if instance_id is None:
        raise ValueError("no instance_id")
    return Instance(
        namespace=_text(value.get("namespace"), "?"),
        component=_text(value.get("component"), "?"),
        endpoint=_text(value.get("endpoint"), "?"),
        instance_id=instance_id,
        address=_address(value.get("transport")),
        device=_text(value.get("device_type")),
        touched=entry.touched,
    )


def _system_url(card: Any) -> str | None:
    """The worker's system port: the config file's URL, else the first `http://host:port/v1/metadata/...`
    URL anywhere in the card."""
    try:
        match = _SYSTEM_URL.match(card["model_info"]["hf_config_json"]["path"])
    except (KeyError, TypeError):
        match = None
    if match:
        return match.group(1)
    stack = [card]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            match = _SYSTEM_URL.match(item)
            if match:
                return match.group(1)
    return None


def _card(entry: Entry) -> ModelCard:
    value = entry.value
    if not isinstance(value, Mapping):
        raise ValueError("not a JSON object")
    instance_id = _int(value.get("instance_id"))
    if instance_id is None:
        raise ValueError("no instance_id")
    card = value.get("card_json")
    card = card if isinstance(card, Mapping) else {}
    runtime = card.get("runtime_config")
    runtime = runtime if isinstance(runtime, Mapping) else {}
    context = _int(card.get("context_length")) or _int(card.get("architectural_max_context_length"))
    return ModelCard(
        namespace=_text(value.get("namespace"), "?"),
        component=_text(value.get("component"), "?"),
        endpoint=_text(value.get("endpoint"), "?"),
        instance_id=instance_id,
        name=_text(card.get("display_name")) or _text(card.get("slug"), "?"),
        worker_type=_text(card.get("worker_type"), "?"),
        kv_blocks=_int(runtime.get("total_kv_blocks")),
        block_size=_int(card.get("kv_cache_block_size")),
        max_seqs=_int(runtime.get("max_num_seqs")),
        context=context,
        system_url=_system_url(card),
    )


Parsed = Instance | ModelCard | str  # a str says why the entry cannot be used


def _parse_entry(entry: Entry) -> Parsed:
    bucket = entry.key.split("/", 2)[1] if entry.key.count("/") >= 2 else ""
    if entry.problem is not None:
        return f"{entry.key}: {entry.problem}"
    try:
        return _instance(entry) if bucket == "instances" else _card(entry)
    except ValueError as exc:
        return f"{entry.key}: {exc}"


def build_store_view(
    store: LiveStore, entries: Iterable[Entry], at: float, memo: dict[str, tuple[Entry, Parsed]] | None = None
) -> StoreView:
    """Instances and model cards out of the store's entries; a bad entry is named, never fatal.

    `memo` (kept by the caller between reads) skips entries that are the same objects as before.
    """
    known = {} if memo is None else memo
    seen: dict[str, tuple[Entry, Parsed]] = {}
    for entry in entries:
        if not entry.key.startswith(("v1/instances/", "v1/mdc/")):
            continue
        old = known.get(entry.key)
        seen[entry.key] = old if old is not None and old[0] is entry else (entry, _parse_entry(entry))
    if memo is not None:
        memo.clear()
        memo.update(seen)
    parsed = [p for _, p in seen.values()]
    instances = sorted(
        (p for p in parsed if isinstance(p, Instance)),
        key=lambda i: (i.namespace, i.component, i.endpoint, i.instance_id),
    )
    cards = sorted(
        (p for p in parsed if isinstance(p, ModelCard)), key=lambda c: (c.name, c.namespace, c.instance_id)
    )
    problems = sorted(p for p in parsed if isinstance(p, str))
    return StoreView(store, tuple(instances), tuple(cards), tuple(problems), at=at)


def decode_json(content: bytes) -> tuple[Any, str | None]:
    """A store value: the JSON, or None and why not."""
    try:
        return json.loads(content), None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"not JSON ({exc})"


# ---- frontend -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BusyThreshold:
    """The frontend's overload thresholds for one model (None: not set)."""

    model: str
    decode_blocks: float | None
    prefill_tokens: float | None
    prefill_tokens_frac: float | None


@dataclass(frozen=True)
class ModelStatus:
    """What the frontend says of one model: ready, and its workers per type."""

    model: str
    ready: bool | None
    workers: Mapping[str, int]  # worker type -> count, from /v1/models/{id}/ready
    missing: tuple[str, ...] = ()


#: p50, p90 and p99 of a latency histogram, each with the bucket it was interpolated in.
Quantiles = tuple[Estimate | None, Estimate | None, Estimate | None]


@dataclass(frozen=True)
class Traffic:
    """Frontend figures between its last two scrapes; None where there is nothing to tell yet."""

    inflight: float | None = None
    queued: float | None = None
    requests_by_status: Mapping[str, float] = field(default_factory=dict)  # per second
    tokens_per_s: float | None = None
    ttft: Quantiles = (None, None, None)  # p50, p90, p99
    itl: Quantiles = (None, None, None)
    duration: Quantiles = (None, None, None)


@dataclass(frozen=True)
class FrontendView:
    """The frontend at one moment: health, models, thresholds, traffic, per-worker gauges."""

    url: str
    health: str  # "healthy", "unhealthy", or why it could not be asked
    reachable: bool
    models: tuple[ModelStatus, ...] = ()
    thresholds: tuple[BusyThreshold, ...] = ()
    traffic: Traffic = field(default_factory=Traffic)
    scrape: Scrape | None = None  # the latest /metrics, for per-worker gauges
    problems: tuple[str, ...] = ()
    routed: frozenset[int] = frozenset()  # instance ids its /health lists

    def worker_gauge(self, name: str, instance_id: int) -> float | None:
        """A per-worker gauge the frontend keeps (workers labelled in decimal)."""
        if self.scrape is None:
            return None
        return self.scrape.sum(name, {"worker_id": str(instance_id)})

    def threshold(self, model: str) -> BusyThreshold | None:
        """The thresholds of one model, if the frontend knows it."""
        return next((t for t in self.thresholds if t.model == model), None)


# ---- workers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerLoad:
    """One worker process's own figures (its system port's /health and /metrics)."""

    instance_id: int
    url: str | None
    health: str  # "ready", "notready" (503; not "down" by itself), "no system port", or an error
    running: float | None = None
    waiting: float | None = None
    kv_usage: float | None = None  # 0..1
    inflight: float | None = None
    ttft: float | None = None  # mean time to first token of the requests since the last look


@dataclass(frozen=True)
class WorkersView:
    """Every worker's own figures, keyed by instance id."""

    loads: Mapping[int, WorkerLoad]


# ---- planner --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planner:
    """A planner's decision for one namespace (etcd `v1/{ns}/planner/*`): -1 or None is undecided."""

    namespace: str
    prefill: int | None
    decode: int | None
    decision: int | None
    scaled: int | None

    @property
    def pending(self) -> bool:
        """A decision the deployment has not acknowledged (applied) yet."""
        return self.decision is not None and self.decision >= 0 and self.decision != self.scaled


@dataclass(frozen=True)
class PlannerView:
    """Planners found in etcd, or why none could be read."""

    etcd: str
    planners: tuple[Planner, ...]
    error: str | None = None


_PLANNER_KEY = re.compile(r"^v1/(?P<ns>[^/]+)/planner/(?P<name>[a-z_]+)$")
_PLANNER_FIELDS = {
    "num_prefill_workers": "prefill",
    "num_decode_workers": "decode",
    "decision_id": "decision",
    "scaled_decision_id": "scaled",
}


def planner_from_entries(etcd: str, entries: Iterable[tuple[str, bytes]]) -> PlannerView:
    """Planner decisions out of raw etcd keys and values (plain integer text)."""
    found: dict[str, dict[str, int | None]] = {}
    for key, value in entries:
        match = _PLANNER_KEY.match(key)
        if match is None or match["name"] not in _PLANNER_FIELDS:
            continue
        try:
            number: int | None = int(value.decode("ascii").strip())
        except (UnicodeDecodeError, ValueError):
            number = None
        found.setdefault(match["ns"], {})[_PLANNER_FIELDS[match["name"]]] = number
    planners = tuple(
        Planner(
            ns,
            fields.get("prefill"),
            fields.get("decode"),
            fields.get("decision"),
            fields.get("scaled"),
        )
        for ns, fields in sorted(found.items())
    )
    return PlannerView(etcd, planners)


_QUANTILES = (0.5, 0.9, 0.99)


def _quantiles(family: str, after: Scrape, before: Scrape | None) -> Quantiles:
    p50, p90, p99 = (estimate(q, after, family, since=before) for q in _QUANTILES)
    return p50, p90, p99


def traffic_between(before: Scrape | None, after: Scrape | None) -> Traffic:
    """Gauges from the latest scrape; rates and quantiles over the time between the last two."""
    if after is None:
        return Traffic()
    rates: Mapping[str, float] = {}
    tokens = None
    if before is not None:
        rates = rate_by("status", before, after, "dynamo_frontend_requests_total")
        tokens = rate(before, after, "dynamo_frontend_output_tokens_total")
    return Traffic(
        inflight=after.sum("dynamo_frontend_inflight_requests"),
        queued=after.sum("dynamo_frontend_queued_requests"),
        requests_by_status=rates,
        tokens_per_s=tokens,
        ttft=_quantiles("dynamo_frontend_time_to_first_token_seconds", after, before),
        itl=_quantiles("dynamo_frontend_inter_token_latency_seconds", after, before),
        duration=_quantiles("dynamo_frontend_request_duration_seconds", after, before),
    )


def _mean(values: Iterable[float]) -> float | None:
    """The mean over a worker's engines (data-parallel ranks), None without any."""
    found = list(values)
    return sum(found) / len(found) if found else None


def worker_load(
    instance_id: int, url: str | None, health: str, scrape: Scrape | None, before: Scrape | None = None
) -> WorkerLoad:
    """A worker's figures out of its own metrics page (and the one before, for recent latency)."""
    if scrape is None:
        return WorkerLoad(instance_id, url, health)
    return WorkerLoad(
        instance_id,
        url,
        health,
        running=scrape.sum("vllm:num_requests_running"),
        waiting=scrape.sum("vllm:num_requests_waiting"),
        kv_usage=_mean(s.value for s in scrape.select("vllm:kv_cache_usage_perc")),
        inflight=scrape.sum("dynamo_component_inflight_requests", {"dynamo_endpoint": "generate"}),
        ttft=mean(scrape, "vllm:time_to_first_token_seconds", since=before),
    )
