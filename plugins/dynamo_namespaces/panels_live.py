"""The Dynamo 1.x views: deployment summary, fleet, models, worker load, frontend traffic, planner."""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

from deck import Panel, PanelContext, Result, TablePanel
from deck.prometheus import Estimate
from deck.widgets import Cell, Column, KeyValue, badge, progress_bar, sparkline

from .model_live import (
    STALE_AFTER,
    FrontendView,
    Instance,
    ModelCard,
    Planner,
    PlannerView,
    StoreView,
    WorkerLoad,
    WorkersView,
    id_text,
)
from .source_live import FRONTEND, PLANNER, STORE, WORKERS

__all__ = [
    "FleetPanel",
    "FleetRow",
    "LivePanel",
    "LoadPanel",
    "LoadRow",
    "ModelRow",
    "ModelsPanel",
    "PlannerPanel",
    "PlannerRow",
    "TrafficPanel",
    "store_segment",
]

#: Samples kept for the traffic sparklines (one per frontend fetch).
HISTORY = 120
_HEALTH = badge(
    {
        "ready": "good",
        "healthy": "good",
        "routed": "good",
        "notready": "warn",
        "stale": "bad",
        "gone?": "bad",
    },
    default="warn",
)


def _age(seconds: float | None) -> Cell:
    """Seconds since the owner touched the entry; red past Dynamo's TTL."""
    if seconds is None:
        return [("muted", "lease")]
    text = f"{seconds:.0f}s" if seconds < 100 else f"{seconds / 60:.0f}m"
    return [("bad", text)] if seconds > STALE_AFTER else text


def _number(value: float | None, digits: int = 0) -> Cell:
    if value is None or not math.isfinite(value):
        return [("muted", "—")]
    return f"{value:.{digits}f}"


def _seconds(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value * 1000:.0f}ms" if value < 1 else f"{value:.2f}s"


def _value(found: Estimate | None) -> float | None:
    return None if found is None else found.value


def _quantile(found: Estimate | None) -> str:
    """A latency quantile; one in the histogram's first bucket is only known to be within it."""
    if found is None:
        return "—"
    return f"≤{_seconds(found.upper)}" if found.at_most else _seconds(found.value)


class _Latest:
    """Keeps the latest value of each source a panel follows (view state stays in the panel)."""

    def __init__(self) -> None:
        self.store: StoreView | None = None
        self.frontend: FrontendView | None = None
        self.workers: WorkersView | None = None
        self.planner: PlannerView | None = None

    def take(self, result: Result[Any]) -> bool:
        """Remember a result; False when it carries no value yet."""
        if result.value is None:
            return False
        name = {STORE: "store", FRONTEND: "frontend", WORKERS: "workers", PLANNER: "planner"}[result.source]
        setattr(self, name, result.value)
        return True

    def load(self, instance_id: int) -> WorkerLoad | None:
        """A worker's own figures, if its port answered."""
        return self.workers.loads.get(instance_id) if self.workers is not None else None


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


# ---- summary --------------------------------------------------------------------------------


class LivePanel(Panel):
    """Where the store is and what it holds, the frontend's health and the planner's etcd."""

    sources = (STORE, FRONTEND, PLANNER)

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx)
        self.facts = KeyValue()
        self.widget = self.facts
        self.latest = _Latest()

    def update(self, result: Result[Any]) -> None:
        if self.latest.take(result):
            self.facts.pairs = self._pairs()

    def _pairs(self) -> list[tuple[str | None, Cell]]:
        pairs: list[tuple[str | None, Cell]] = []
        store = self.latest.store
        if store is not None:
            where: Cell = [("accent", store.store.label), ("muted", f"  ({store.store.how})")]
            pairs.append(("Store", where))
            if store.error is not None:
                pairs.append(("", [("warn", f"! {store.error}")]))
            else:
                stale = store.stale_workers
                models = len({c.name for c in store.cards})
                summary = " · ".join(
                    _plural(n, noun)
                    for n, noun in (
                        (len(store.workers), "worker"),
                        (len(store.instances), "instance"),
                        (models, "model"),
                        (len(store.namespaces), "namespace"),
                    )
                )
                role = "warn" if stale or store.problems else "good"
                extra = f" · {stale} stale" if stale else ""
                pairs.append(("Fleet", [(role, ("! " if role == "warn" else "✓ ") + summary + extra)]))
                pairs += [("Problem", [("warn", p)]) for p in store.problems[:3]]
        frontend = self.latest.frontend
        if frontend is not None:
            role = "good" if frontend.reachable and frontend.health == "healthy" else "bad"
            pairs.append(("Frontend", [("text", frontend.url + "  "), (role, frontend.health)]))
        planner = self.latest.planner
        if planner is not None:
            if planner.error is not None:
                pairs.append(("Planner", [("muted", f"none read: {planner.error}")]))
            else:
                pending = [p.namespace for p in planner.planners if p.pending]
                names = ", ".join(p.namespace for p in planner.planners) or "no planner keys"
                cell: Cell = [("text", names), ("muted", f"  (etcd {planner.etcd})")]
                if pending:
                    cell = [("warn", f"! {', '.join(pending)}: decision not applied yet  "), *cell]
                pairs.append(("Planner", cell))
        return pairs


# ---- fleet ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FleetRow:
    """One line of the fleet tree: a namespace, component, endpoint, or one instance of it."""

    path: tuple[str, ...]
    label: str
    instance: Instance | None = None
    count: int = 0
    health: str | None = None
    age: float | None = None  # seconds since the owner touched it (file store)
    stale: bool = False


def worker_health(
    instance: Instance, store: StoreView, load: WorkerLoad | None, frontend: FrontendView | None
) -> str | None:
    """stale, else the worker's own word when it is "ready", else "routed" when the frontend routes
    to it (a 1.6 worker answers 503 "notready" while serving), else what its port said."""
    if store.stale(instance):
        return "stale"
    if not instance.is_worker:
        return None
    if load is not None and load.health == "ready":
        return "ready"
    if frontend is not None and instance.instance_id in frontend.routed:
        return "routed"
    return load.health if load is not None else None


def fleet_rows(store: StoreView, latest: _Latest) -> list[FleetRow]:
    """namespaces → components → endpoints → instances; group lines count workers (instances for
    an endpoint)."""
    counts: Counter[tuple[str, ...]] = Counter()
    for i in store.instances:
        path = (i.namespace, i.component, i.endpoint)
        counts[path] += 1
        if i.is_worker:
            counts[path[:1]] += 1
            counts[path[:2]] += 1
    rows: list[FleetRow] = []
    last: tuple[str, ...] = ()
    for instance in store.instances:
        path = (instance.namespace, instance.component, instance.endpoint)
        for depth in range(3):
            group = path[: depth + 1]
            if group != last[: depth + 1]:
                rows.append(FleetRow(group, " " * depth + path[depth], count=counts[group]))
        last = path
        rows.append(
            FleetRow(
                (*path, str(instance.instance_id)),
                "    " + id_text(instance.instance_id),
                instance,
                health=worker_health(instance, store, latest.load(instance.instance_id), latest.frontend),
                age=store.age(instance),
                stale=store.stale(instance),
            )
        )
    return rows


def _row_age(row: FleetRow) -> Cell:
    """Seconds since the owner touched the entry (file store); etcd entries live by lease."""
    return _age(row.age) if row.instance is not None else ""


def _label(row: FleetRow) -> Cell:
    """The tree line: a group with its count (workers; instances of an endpoint), or an id."""
    roles = ("accent", "magenta", "text")
    if row.instance is None:
        count = _plural(row.count, "instance" if len(row.path) == 3 else "worker")
        return [(roles[len(row.path) - 1], row.label), ("muted", f"  {count}")]
    return [("bad" if row.stale else "text", row.label)]


def _fleet_health(value: str | None) -> Cell:
    return _HEALTH(value) if value else ""


class FleetPanel(TablePanel[FleetRow]):
    """Every namespace, component, endpoint and instance in the store, stale ones marked."""

    sources = (STORE, WORKERS, FRONTEND)
    columns = (
        Column("Name", lambda r: r, weight=3, min_width=24, render=_label, sortable=False),
        Column("Address", lambda r: r.instance.address if r.instance else "", weight=1, min_width=8),
        Column("Health", lambda r: r.health, width=10, render=_fleet_health, sortable=False),
        Column("Age", lambda r: r, width=5, align="right", render=_row_age, sortable=False),
    )

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx, row_id=lambda r: r.path, empty="no instances in the store")
        self.latest = _Latest()

    def update(self, result: Result[Any]) -> None:
        if not self.latest.take(result) or self.latest.store is None:
            return
        store = self.latest.store
        self.table.empty = store.error or "no instances in the store"
        self.table.update(fleet_rows(store, self.latest))

    @property
    def subtitle(self) -> str:
        store = self.latest.store
        if store is None or store.error is not None:
            return ""
        stale = store.stale_workers
        return f"{len(store.workers)} workers" + (f" · {stale} stale" if stale else "")


# ---- models ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelRow:
    """One model, with the cards of the workers serving it and what the frontend says."""

    name: str
    worker_type: str
    workers: int
    stale: int
    frontend_workers: int | None
    ready: bool | None
    kv_blocks: int | None
    max_seqs: int | None
    context: int | None
    threshold: float | None


def model_rows(store: StoreView, frontend: FrontendView | None) -> list[ModelRow]:
    """A row per (model, worker type), from the cards; readiness from the frontend."""
    groups: dict[tuple[str, str], list[ModelCard]] = {}
    for card in store.cards:
        groups.setdefault((card.name, card.worker_type), []).append(card)
    rows = []
    for (name, kind), cards in sorted(groups.items()):
        status = next((m for m in frontend.models if m.model == name), None) if frontend else None
        threshold = frontend.threshold(name) if frontend else None
        first = cards[0]
        rows.append(
            ModelRow(
                name=name,
                worker_type=kind,
                workers=sum(1 for c in cards if not store.stale(c)),
                stale=sum(1 for c in cards if store.stale(c)),
                frontend_workers=status.workers.get(kind) if status is not None else None,
                ready=status.ready if status is not None else None,
                kv_blocks=first.kv_blocks,
                max_seqs=first.max_seqs,
                context=first.context,
                threshold=threshold.decode_blocks if threshold is not None else None,
            )
        )
    return rows


def _ready(value: bool | None) -> Cell:
    if value is None:
        return [("muted", "—")]
    return [("good", "● ready")] if value else [("bad", "● not ready")]


def _workers(row: ModelRow) -> Cell:
    """Live cards in the store; the frontend's count beside it when the two disagree."""
    cells: list[tuple[str | None, str]] = [("text", str(row.workers))]
    if row.frontend_workers is not None and row.frontend_workers != row.workers:
        cells.append(("warn", f" fe {row.frontend_workers}"))
    if row.stale:
        cells.append(("bad", f" +{row.stale} stale"))
    return cells


class ModelsPanel(TablePanel[ModelRow]):
    """Model cards: display name, worker type, KV blocks, max seqs, context; ready and workers."""

    sources = (STORE, FRONTEND)
    columns = (
        Column("Model", lambda r: r.name, weight=2, min_width=6),
        Column("Type", lambda r: r.worker_type, width=10),
        Column("Ready", lambda r: r.ready, width=11, render=_ready),
        Column("Workers", lambda r: r, width=9, render=_workers, sort_key=lambda r: r.workers),
        Column("KV blocks", lambda r: r.kv_blocks, width=9, align="right"),
        Column("Max seqs", lambda r: r.max_seqs, width=8, align="right"),
        Column("Context", lambda r: r.context, width=7, align="right"),
        Column("Busy at", lambda r: r.threshold, width=7, align="right", render=lambda v: _number(v, 2)),
    )

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx, row_id=lambda r: (r.name, r.worker_type), empty="no model cards in the store")
        self.latest = _Latest()

    def update(self, result: Result[Any]) -> None:
        if not self.latest.take(result) or self.latest.store is None:
            return
        self.table.empty = self.latest.store.error or "no model cards in the store"
        self.table.update(model_rows(self.latest.store, self.latest.frontend))


# ---- load -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadRow:
    """One worker: its own figures next to what the frontend's router sees of it."""

    instance: Instance
    model: str
    load: WorkerLoad | None
    decode_blocks: float | None
    health: str | None


def load_rows(latest: _Latest) -> list[LoadRow]:
    """A row per worker process in the store."""
    store = latest.store
    if store is None:
        return []
    frontend = latest.frontend
    rows = []
    for worker in store.workers:
        card = store.card(worker.instance_id)
        load = latest.load(worker.instance_id)
        gauge = frontend.worker_gauge if frontend is not None else lambda name, instance_id: None
        rows.append(
            LoadRow(
                worker,
                card.name if card else "?",
                load,
                gauge("dynamo_frontend_worker_active_decode_blocks", worker.instance_id),
                worker_health(worker, store, load, frontend),
            )
        )
    return rows


def _kv(value: float | None) -> Cell:
    return progress_bar(value, 6)


class LoadPanel(TablePanel[LoadRow]):
    """Per worker: requests running and waiting, KV cache use, in flight, router view, health."""

    sources = (STORE, WORKERS, FRONTEND)
    columns = (
        Column("Worker", lambda r: f"{r.instance.instance_id:x}", width=16),
        Column("Model", lambda r: r.model, weight=1, min_width=6),
        Column("Run", lambda r: r.load.running if r.load else None, width=3, align="right", render=_number),
        Column("Wait", lambda r: r.load.waiting if r.load else None, width=4, align="right", render=_number),
        Column("KV cache", lambda r: r.load.kv_usage if r.load else None, width=12, render=_kv),
        Column(
            "Flight", lambda r: r.load.inflight if r.load else None, width=6, align="right", render=_number
        ),
        Column("Blocks", lambda r: r.decode_blocks, width=6, align="right", render=_number),
        Column("TTFT", lambda r: r.load.ttft if r.load else None, width=6, align="right", render=_seconds),
        Column("Health", lambda r: r.health, width=9, render=_HEALTH),
    )

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx, row_id=lambda r: r.instance.instance_id, empty="no workers in the store")
        self.latest = _Latest()

    def update(self, result: Result[Any]) -> None:
        if not self.latest.take(result) or self.latest.store is None:
            return
        self.table.empty = self.latest.store.error or "no workers in the store"
        self.table.update(load_rows(self.latest))


# ---- traffic --------------------------------------------------------------------------------


_SERIES = ("requests", "tokens", "ttft", "itl", "duration")


class TrafficPanel(Panel):
    """The frontend's request rate by status, tokens/s and latency quantiles, with sparklines."""

    sources = (FRONTEND,)

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx)
        self.facts = KeyValue()
        self.widget = self.facts
        self.history: dict[str, deque[float | None]] = {name: deque(maxlen=HISTORY) for name in _SERIES}
        self.current: FrontendView | None = None

    def update(self, result: Result[Any]) -> None:
        view = result.value
        if not isinstance(view, FrontendView) or view is self.current:
            return
        self.current = view
        traffic = view.traffic
        requests = sum(traffic.requests_by_status.values()) if traffic.requests_by_status else None
        p50s = (_value(traffic.ttft[0]), _value(traffic.itl[0]), _value(traffic.duration[0]))
        for name, value in zip(_SERIES, (requests, traffic.tokens_per_s, *p50s)):
            self.history[name].append(value)
        self.facts.pairs = self._pairs(view)

    def _spark(self, name: str) -> Cell:
        return sparkline(list(self.history[name]), 24)

    def _pairs(self, view: FrontendView) -> list[tuple[str | None, Cell]]:
        if not view.reachable:
            return [("Frontend", [("bad", f"✗ {view.url}: {view.health}")])]
        t = view.traffic
        by_status = " · ".join(
            f"{status or '?'} {r:.1f}/s" for status, r in sorted(t.requests_by_status.items())
        )
        pairs: list[tuple[str | None, Cell]] = [
            ("In flight", f"{_rate(t.inflight, 0)} · queued {_rate(t.queued, 0)}"),
            ("Requests", [*_as_list(self._spark("requests")), ("text", "  " + (by_status or "—"))]),
            ("Tokens/s", [*_as_list(self._spark("tokens")), ("text", "  " + _rate(t.tokens_per_s))]),
        ]
        for label, name, values in (
            ("TTFT", "ttft", t.ttft),
            ("ITL", "itl", t.itl),
            ("Duration", "duration", t.duration),
        ):
            quantiles = "  p50 {}  p90 {}  p99 {}".format(*(_quantile(v) for v in values))
            pairs.append((label, [*_as_list(self._spark(name)), ("text", quantiles)]))
        pairs += [("Problem", [("warn", p)]) for p in view.problems]
        return pairs


def _rate(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _as_list(cell: Cell) -> list[tuple[str | None, str]]:
    return [("text", cell)] if isinstance(cell, str) else list(cell)


# ---- planner --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannerRow:
    """A planner's targets next to the workers the store lists."""

    planner: Planner
    prefill_now: int
    decode_now: int


def planner_rows(planners: PlannerView, store: StoreView | None) -> list[PlannerRow]:
    """One row per namespace with planner keys; actual workers counted from the model cards."""
    rows = []
    for planner in planners.planners:
        cards = [
            c
            for c in (store.cards if store else ())
            if c.namespace == planner.namespace and store is not None and not store.stale(c)
        ]
        prefill = sum(1 for c in cards if c.worker_type == "prefill")
        decode = sum(1 for c in cards if c.worker_type in ("decode", "aggregated"))
        rows.append(PlannerRow(planner, prefill, decode))
    return rows


def _target(now: int, target: int | None) -> Cell:
    if target is None or target < 0:
        return [("muted", f"{now} / —")]
    return [("good" if now == target else "warn", f"{now} / {target}")]


def _decision(row: PlannerRow) -> Cell:
    p = row.planner
    text = f"{p.decision if p.decision is not None else '—'} → {p.scaled if p.scaled is not None else '—'}"
    if p.pending:
        return [("warn", f"! {text} not applied yet")]
    return (
        [("good", f"✓ {text} applied")] if p.decision is not None and p.decision >= 0 else [("muted", text)]
    )


class PlannerPanel(TablePanel[PlannerRow]):
    """Planner targets vs the workers running; a decision not yet applied is highlighted."""

    sources = (PLANNER, STORE)
    columns = (
        Column("Namespace", lambda r: r.planner.namespace, weight=1),
        Column(
            "Prefill now/target",
            lambda r: r,
            width=19,
            render=lambda r: _target(r.prefill_now, r.planner.prefill),
            sortable=False,
        ),
        Column(
            "Decode now/target",
            lambda r: r,
            width=18,
            render=lambda r: _target(r.decode_now, r.planner.decode),
            sortable=False,
        ),
        Column("Decision → scaled", lambda r: r, weight=2, render=_decision, sortable=False),
    )

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx, row_id=lambda r: r.planner.namespace, empty="no planner keys in etcd")
        self.latest = _Latest()

    def update(self, result: Result[Any]) -> None:
        if not self.latest.take(result) or self.latest.planner is None:
            return
        planners = self.latest.planner
        self.table.empty = planners.error or f"no planner keys in etcd at {planners.etcd}"
        self.table.update(planner_rows(planners, self.latest.store))


def store_segment(result: Result[StoreView]) -> Any:
    """The header's word on the 1.x store: where it is and its workers, or that there is none."""
    view = result.value
    if view is None:
        return ""
    if view.error is not None:
        return [("muted", "no 1.x store")]
    stale = [("bad", f" {view.stale_workers} stale")] if view.stale_workers else []
    return [("muted", f"{view.store.label} · "), ("accent", _plural(len(view.workers), "worker")), *stale]
