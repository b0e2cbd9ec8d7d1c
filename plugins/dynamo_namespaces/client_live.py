"""Talking to a Dynamo 1.x deployment, read-only: the discovery store, the frontend, the workers.

The store is Dynamo's own: a folder of percent-encoded file names (`file`) or etcd keys under
`v1/` read through etcd's v3 JSON gateway (`etcd`). HTTP goes through httpx. The one write is
`POST /busy_threshold` on the frontend, which the operator confirms.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import httpx

from deck.prometheus import MetricsError, Scrape, parse

from .model_live import BusyThreshold, Entry, FrontendView, LiveStore, ModelStatus, decode_json

__all__ = [
    "DEFAULT_ETCD",
    "DEFAULT_FRONTEND",
    "FRONTEND_FAMILIES",
    "WORKER_FAMILIES",
    "FileStore",
    "StoreError",
    "etcd_range",
    "get_busy_thresholds",
    "get_frontend",
    "get_worker",
    "http_problem",
    "locate_store",
    "read_etcd_store",
    "set_busy_threshold",
]

logger = logging.getLogger(__name__)

DEFAULT_ETCD = "http://localhost:2379"
DEFAULT_FRONTEND = "http://localhost:8000"
_BUCKETS = ("instances", "mdc")

#: The metric families the views read; the rest of a page is never parsed.
FRONTEND_FAMILIES = (
    "dynamo_frontend_inflight_requests",
    "dynamo_frontend_queued_requests",
    "dynamo_frontend_requests_total",
    "dynamo_frontend_output_tokens_total",
    "dynamo_frontend_time_to_first_token_seconds",
    "dynamo_frontend_inter_token_latency_seconds",
    "dynamo_frontend_request_duration_seconds",
    "dynamo_frontend_model_ready",
    "dynamo_frontend_worker_active_decode_blocks",
)
WORKER_FAMILIES = (
    "vllm:num_requests_running",
    "vllm:num_requests_waiting",
    "vllm:kv_cache_usage_perc",
    "dynamo_component_inflight_requests",
    "vllm:time_to_first_token_seconds",
)


class StoreError(Exception):
    """The store cannot be read at all (missing folder, etcd down): said in the views."""


def locate_store(option: str | None, environ: Mapping[str, str] | None = None) -> LiveStore:
    """The store the layout names (`file:<dir>` or `etcd:<url>`), else the one Dynamo would use.

    Without an option: etcd when $DYN_DISCOVERY_BACKEND says so or $ETCD_ENDPOINTS is set,
    else the file store at $DYN_FILE_KV, else $TMPDIR/dynamo_store_kv (Dynamo's defaults).
    """
    env = os.environ if environ is None else environ
    if option:
        kind, sep, location = option.partition(":")
        if not sep or kind not in ("file", "etcd") or not location:
            raise ValueError(f"discovery must be file:<folder> or etcd:<url>, not {option!r}")
        if kind == "file":
            location = str(Path(location).expanduser())
        return LiveStore(kind, location, "layout")
    if env.get("DYN_DISCOVERY_BACKEND") == "etcd" or env.get("ETCD_ENDPOINTS"):
        endpoint = (env.get("ETCD_ENDPOINTS") or DEFAULT_ETCD).split(",")[0]
        return LiveStore("etcd", endpoint, "$ETCD_ENDPOINTS" if env.get("ETCD_ENDPOINTS") else "default")
    if env.get("DYN_FILE_KV"):
        return LiveStore("file", env["DYN_FILE_KV"], "$DYN_FILE_KV")
    tmp = env.get("TMPDIR") or tempfile.gettempdir()
    return LiveStore("file", str(Path(tmp, "dynamo_store_kv")), "default")


class FileStore:
    """Reads the file store; a file is read again only when it was replaced (a new inode)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[str, tuple[int, Entry]] = {}  # path -> (inode, the entry last read)

    def read(self) -> list[Entry]:
        """Every instance and model card entry, with the time its owner last touched it (mtime).

        Owners touch their entries (the mtime moves every few seconds) but never rewrite them in
        place, so a file is read again only when its inode changed, and an entry whose mtime did
        not move is the same object as last time. Only instance entries are stat'ed: a model
        card is touched with its worker's instance entry.
        """
        if not (self.root / "v1").is_dir():
            what = "does not exist" if not self.root.exists() else "has no v1/ folder"
            raise StoreError(f"no Dynamo 1.x file store: {self.root} {what}")
        cache: dict[str, tuple[int, Entry]] = {}
        for bucket in _BUCKETS:
            folder = self.root / "v1" / bucket
            try:
                listing = os.scandir(folder)
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise StoreError(f"cannot list {folder}: {exc.strerror or exc}") from None
            with listing:
                for item in listing:
                    if not item.name.startswith(".tmp_"):  # Dynamo's own write in progress
                        self._read_entry(bucket, item, cache)
        self._cache = cache
        return [entry for _, entry in cache.values()]

    def _read_entry(self, bucket: str, item: os.DirEntry[str], cache: dict[str, tuple[int, Entry]]) -> None:
        try:
            inode = item.inode()
            touched = item.stat().st_mtime if bucket == "instances" else None
        except OSError:  # expired and deleted between the listing and now
            return
        known = self._cache.get(item.path)
        if known is not None and known[0] == inode:
            entry = known[1]
            if entry.touched != touched:
                entry = Entry(entry.key, entry.value, touched, entry.problem)
        else:
            try:
                value, problem = decode_json(Path(item.path).read_bytes())
            except OSError:
                return
            entry = Entry(f"v1/{bucket}/{unquote(item.name)}", value, touched, problem)
        cache[item.path] = (inode, entry)

    @staticmethod
    def file_name(key_rest: str) -> str:
        """Dynamo's file name for a key below the bucket: everything but letters and digits encoded."""
        return quote(key_rest, safe="").replace("_", "%5F").replace("-", "%2D").replace(".", "%2E")


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _prefix_end(prefix: str) -> str:
    """etcd's range end for "every key starting with prefix": the prefix with its last byte + 1."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def etcd_range(client: httpx.Client, url: str, prefix: str) -> list[tuple[str, bytes]]:
    """Every key under a prefix through etcd's JSON gateway (`POST /v3/kv/range`)."""
    body = {"key": _b64(prefix), "range_end": _b64(_prefix_end(prefix))}
    try:
        response = client.post(f"{url.rstrip('/')}/v3/kv/range", json=body)
        response.raise_for_status()
        answer = response.json()
    except httpx.HTTPError as exc:
        raise StoreError(f"etcd at {url}: {http_problem(exc)}") from None
    except ValueError:
        raise StoreError(f"etcd at {url}: the answer is not JSON") from None
    found = []
    for kv in answer.get("kvs", ()) if isinstance(answer, dict) else ():
        try:
            found.append((base64.b64decode(kv["key"]).decode(), base64.b64decode(kv.get("value", ""))))
        except (KeyError, TypeError, ValueError):
            logger.debug("skipped an unreadable etcd key: %r", kv)
    return found


def read_etcd_store(client: httpx.Client, url: str) -> list[Entry]:
    """The instance and model card entries of an etcd store; raises StoreError when unreadable."""
    entries = []
    for bucket in _BUCKETS:
        for key, raw in etcd_range(client, url, f"v1/{bucket}/"):
            value, problem = decode_json(raw)
            entries.append(Entry(key, value, None, problem))
    return entries


def http_problem(exc: BaseException) -> str:
    """A short reason for a failed request, for the views."""
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, httpx.ConnectError):
        return "not reachable (connection refused)"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer (timed out)"
    return str(exc) or type(exc).__name__


async def _json(client: httpx.AsyncClient, url: str) -> tuple[int, Any]:
    response = await client.get(url)
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, None


def _thresholds(answer: Any) -> tuple[BusyThreshold, ...]:
    rows = answer.get("thresholds") if isinstance(answer, Mapping) else None
    found = []
    for row in rows if isinstance(rows, list) else ():
        if isinstance(row, Mapping) and isinstance(row.get("model"), str):
            found.append(
                BusyThreshold(
                    row["model"],
                    _number(row.get("active_decode_blocks_threshold")),
                    _number(row.get("active_prefill_tokens_threshold")),
                    _number(row.get("active_prefill_tokens_threshold_frac")),
                )
            )
    return tuple(found)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _model_status(model: str, status: int, answer: Any) -> ModelStatus:
    if status == 404 or not isinstance(answer, Mapping):
        return ModelStatus(model, None, {})
    workers: dict[str, int] = {}
    missing: list[str] = []
    namespaces = answer.get("namespaces")
    for ns in namespaces.values() if isinstance(namespaces, Mapping) else ():
        if not isinstance(ns, Mapping):
            continue
        types = ns.get("worker_types")
        for kind, info in types.items() if isinstance(types, Mapping) else ():
            count = info.get("workers") if isinstance(info, Mapping) else None
            if isinstance(count, int):
                workers[kind] = workers.get(kind, 0) + count
        gone = ns.get("missing_worker_types")
        missing += [str(g) for g in gone] if isinstance(gone, list) else []
    ready = answer.get("ready")
    return ModelStatus(model, ready if isinstance(ready, bool) else None, workers, tuple(missing))


def _routed(answer: Any) -> frozenset[int]:
    """The instance ids the frontend's /health lists: the workers it routes to."""
    listed = answer.get("instances") if isinstance(answer, Mapping) else None
    ids = (i.get("instance_id") for i in listed if isinstance(i, Mapping)) if isinstance(listed, list) else ()
    return frozenset(i for i in ids if isinstance(i, int))


async def get_frontend(client: httpx.AsyncClient, url: str, at: float) -> FrontendView:
    """The frontend's health, models with their readiness, thresholds and metrics, in parallel.

    Traffic is left empty (it needs the previous scrape). Raises httpx.HTTPError when the
    frontend cannot be reached at all.
    """
    base = url.rstrip("/")
    health, models, thresholds, metrics = await asyncio.gather(
        _json(client, f"{base}/health"),
        _json(client, f"{base}/v1/models"),
        _json(client, f"{base}/busy_threshold"),
        client.get(f"{base}/metrics"),
    )
    problems: list[str] = []
    status = health[1].get("status") if isinstance(health[1], Mapping) else None
    health_text = status if isinstance(status, str) else f"HTTP {health[0]}"
    data = models[1].get("data") if isinstance(models[1], Mapping) else None
    ids = [m["id"] for m in data if isinstance(m, Mapping) and isinstance(m.get("id"), str)] if data else []
    ready = await asyncio.gather(*(_json(client, f"{base}/v1/models/{quote(m, safe='')}/ready") for m in ids))
    statuses = tuple(_model_status(m, code, answer) for m, (code, answer) in zip(ids, ready))
    scrape = None
    try:
        scrape = (
            parse(metrics.text, at=at, families=FRONTEND_FAMILIES) if metrics.status_code == 200 else None
        )
    except MetricsError as exc:
        problems.append(f"{base}/metrics: {exc}")
    return FrontendView(
        url,
        health_text,
        True,
        statuses,
        _thresholds(thresholds[1]),
        scrape=scrape,
        problems=tuple(problems),
        routed=_routed(health[1]),
    )


async def get_worker(client: httpx.AsyncClient, url: str) -> tuple[str, Scrape | None]:
    """A worker's own health and metrics from its system port; health is "ready", "notready" or why not."""
    base = url.rstrip("/")
    try:
        status, answer = await _json(client, f"{base}/health")
    except httpx.HTTPError as exc:
        return http_problem(exc), None
    said = answer.get("status") if isinstance(answer, Mapping) else None
    health = said if isinstance(said, str) else f"HTTP {status}"
    try:
        response = await client.get(f"{base}/metrics")
        scrape = parse(response.text, families=WORKER_FAMILIES) if response.status_code == 200 else None
    except (httpx.HTTPError, MetricsError) as exc:
        logger.debug("metrics of %s: %s", base, exc)
        scrape = None
    return health, scrape


def get_busy_thresholds(url: str, timeout: float = 5.0) -> tuple[BusyThreshold, ...]:
    """The frontend's thresholds now (read right before asking the operator to change one)."""
    try:
        response = httpx.get(f"{url.rstrip('/')}/busy_threshold", timeout=timeout)
        response.raise_for_status()
        return _thresholds(response.json())
    except httpx.HTTPError as exc:
        raise StoreError(f"frontend at {url}: {http_problem(exc)}") from None
    except ValueError:
        raise StoreError(f"frontend at {url}: /busy_threshold did not answer JSON") from None


def set_busy_threshold(url: str, model: str, decode_blocks: float, timeout: float = 5.0) -> BusyThreshold:
    """`POST /busy_threshold` for one model; the frontend answers with the values it now uses."""
    body = {"model": model, "active_decode_blocks_threshold": decode_blocks}
    try:
        response = httpx.post(f"{url.rstrip('/')}/busy_threshold", json=body, timeout=timeout)
        response.raise_for_status()
        answer = response.json()
    except httpx.HTTPError as exc:
        raise StoreError(f"frontend at {url}: {http_problem(exc)}") from None
    except ValueError:
        raise StoreError(f"frontend at {url}: the answer is not JSON") from None
    found = _thresholds(answer) if isinstance(answer, Mapping) and "thresholds" in answer else ()
    if not found and isinstance(answer, Mapping):
        found = _thresholds({"thresholds": [answer]})
    chosen = next((t for t in found if t.model == model), None)
    if chosen is None:
        raise StoreError(f"frontend at {url}: the answer does not mention {model!r}")
    return chosen
