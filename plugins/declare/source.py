"""Declared sources: run the command or fetch the URL, parse what came back into a snapshot."""

from __future__ import annotations

import glob
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from deck import Source, prometheus
from deck.plugins.declare.client import FetchError, http_get, run_command
from deck.plugins.declare.model import Snapshot, SourceSpec, mask_secrets, mask_text
from deck.plugins.declare.model_layout import env_name
from deck.plugins.declare.source_parse import ParseError, parse_text

__all__ = ["DeclaredSource", "source_name"]

PROM_COLUMNS = ("metric", "labels", "value", "rate")


def source_name(name: str) -> str:
    """The scheduler's name of a declared source (panels and `ctx.refresh` use it)."""
    return f"declare.{name}"


def _took(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _capped(spec_bytes: int) -> str:
    size = f"{spec_bytes // (1 << 20)} MiB" if spec_bytes >= 1 << 20 else f"{spec_bytes} bytes"
    return f"output cut at {size} (max_bytes)"


class DeclaredSource:
    """One declared source; its `fetch` runs in a worker thread, never two at once."""

    def __init__(self, spec: SourceSpec, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.spec = spec
        self._clock = clock
        self._client: httpx.Client | None = None
        self._scrape: prometheus.Scrape | None = None
        self._closing = threading.Event()

    def source(self) -> Source[Snapshot]:
        """The Source the scheduler runs (its timeout leaves the fetch's own timeout room to act)."""
        return Source(
            source_name(self.spec.name),
            self.fetch,
            interval=self.spec.interval,
            timeout=self.spec.timeout + 5,
            description=f"{self.spec.kind} source {self.spec.name!r} declared in the layout",
        )

    def close(self) -> None:
        """Kill a command still running and close the HTTP connection pool, if one was opened."""
        self._closing.set()
        if self._client is not None:
            self._client.close()
            self._client = None

    def fetch(self) -> Snapshot:
        """The next snapshot; raises with a message the panel shows when the source fails."""
        try:
            if self.spec.kind == "exec":
                return self._exec()
            return self._http()
        except (ParseError, prometheus.MetricsError) as exc:
            raise FetchError(str(exc)) from None

    def _exec(self) -> Snapshot:
        target = self.spec.exec
        assert target is not None
        output = run_command(
            target.argv, timeout=target.timeout, max_bytes=target.max_bytes, stop=self._closing
        )
        text = output.stdout.decode("utf-8", "replace")
        if output.capped:
            text = text[: text.rfind("\n") + 1]  # a cut line would parse as garbage
        columns, rows, document = parse_text(self.spec, text)
        return Snapshot(
            columns,
            rows,
            document,
            tuple(mask_text(line) for line in text.splitlines()),
            note=_capped(target.max_bytes) if output.capped else "",
        )

    def _http(self) -> Snapshot:
        target = self.spec.http
        assert target is not None
        headers = {}
        for name, value in target.headers:
            variable = env_name(value)
            if variable is not None and variable not in os.environ:
                raise FetchError(f"header {name}: the environment variable {variable} is not set")
            headers[name] = os.environ[variable] if variable is not None else value
        if self._client is None:
            self._client = httpx.Client(follow_redirects=True)
        reply = http_get(
            self._client, target.url, headers=headers, timeout=target.timeout, max_bytes=target.max_bytes
        )
        if reply.capped:
            raise FetchError(f"the answer is larger than {target.max_bytes} bytes (max_bytes)")
        text = reply.body.decode("utf-8", "replace")
        meta = (("status", str(reply.status)), ("took", _took(reply.seconds)))
        if self.spec.kind == "prometheus":
            columns, rows = self._metrics(text)
            return Snapshot(columns, rows, [dict(row) for row in rows], meta=meta)
        columns, rows, document = parse_text(self.spec, text)
        lines = tuple(mask_text(line) for line in text.splitlines())
        return Snapshot(columns, rows, document, lines, meta=meta)

    def _metrics(self, text: str) -> tuple[tuple[str, ...], tuple[Mapping[str, Any], ...]]:
        """One row per series (counters with their rate since the last scrape), plus quantile rows."""
        selection = self.spec.prometheus
        assert selection is not None
        before = self._scrape
        after = prometheus.parse(text, at=self._clock(), families=selection.select)
        self._scrape = after
        wanted = dict(selection.labels)
        rows: list[dict[str, Any]] = []
        histograms: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, str]] = {}
        for sample in after.select("*", wanted):
            if sample.name.endswith("_created"):
                continue
            labels = dict(sample.labels)
            if sample.type == "histogram" and sample.name.endswith("_bucket"):
                labels.pop("le", None)
                family = sample.name.removesuffix("_bucket")
                histograms[(family, tuple(sorted(labels.items())))] = labels
                continue
            exact = {k: glob.escape(v) for k, v in labels.items()}
            rate = (
                prometheus.rate(before, after, glob.escape(sample.name), exact)
                if before is not None and _cumulative(sample)
                else None
            )
            rows.append(_row(sample.name, labels, sample.value, rate))
        for (family, _), labels in histograms.items():
            exact = {k: glob.escape(v) for k, v in labels.items()}
            for q in selection.quantiles:
                value = prometheus.quantile(q, after, glob.escape(family), exact, since=before)
                rows.append(_row(family, {**labels, "quantile": f"{q:g}"}, value, None))
        return PROM_COLUMNS, tuple(rows)


def _cumulative(sample: prometheus.Sample) -> bool:
    """Counters, and the `_sum` and `_count` of histograms and summaries, only ever grow."""
    return sample.type == "counter" or (
        sample.type in ("histogram", "summary") and sample.name.endswith(("_sum", "_count"))
    )


def _row(name: str, labels: dict[str, str], value: float | None, rate: float | None) -> dict[str, Any]:
    """A series as a table row: its labels are also fields, for `{label}` in actions."""
    shown = mask_secrets(labels)
    text = ",".join(f"{k}={v}" for k, v in sorted(shown.items()))
    return {**shown, "metric": name, "labels": text, "value": value, "rate": rate}
