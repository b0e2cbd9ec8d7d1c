"""Prometheus text parsed once for every plugin: samples, selection, counter rates, histogram quantiles.

The text is parsed by `prometheus_client`'s own parser; this module narrows the page to the
families a caller asks for before parsing (the parser's cost is per line), and turns two scrapes
into rates and a histogram's buckets into quantiles the way Prometheus does.

    before = parse(page_1, at=10.0, families=["dynamo_frontend_*"])
    after = parse(page_2, at=12.0, families=["dynamo_frontend_*"])
    rate(before, after, "dynamo_frontend_requests_total", {"status": "success"})  # per second
    quantile(0.9, after, "dynamo_frontend_time_to_first_token_seconds", since=before)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from prometheus_client.parser import text_string_to_metric_families

from deck._errors import DeckError

__all__ = [
    "Estimate",
    "MetricsError",
    "Sample",
    "Scrape",
    "estimate",
    "mean",
    "parse",
    "quantile",
    "rate",
    "rate_by",
]

_PARSE_ERRORS = (ValueError, IndexError, TypeError, KeyError)
_NO_LABELS: Mapping[str, str] = {}
_FAMILY_SUFFIXES = frozenset({"", "_bucket", "_sum", "_count", "_total", "_created"})


class MetricsError(DeckError):
    """A metrics page is not valid Prometheus text."""


SeriesKey = tuple[str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True, slots=True)
class Sample:
    """One sample line: the name as exposed (`x_total`, `x_bucket`), labels, value, family type.

    The type is prometheus_client's: counter, gauge, histogram, summary, or unknown (untyped).
    """

    name: str
    labels: Mapping[str, str]
    value: float
    type: str

    @property
    def key(self) -> SeriesKey:
        """The series identity: name plus sorted labels, the same across scrapes."""
        return self.name, tuple(sorted(self.labels.items()))

    def matches(self, name: str, labels: Mapping[str, str]) -> bool:
        """Whether the name matches the glob and every label matches its glob (missing reads as "")."""
        if not fnmatchcase(self.name, name):
            return False
        return all(fnmatchcase(self.labels.get(k, ""), v) for k, v in labels.items())


@dataclass(frozen=True, slots=True)
class Scrape:
    """The samples of one page and when it was taken (a monotonic clock reading, for rates)."""

    samples: tuple[Sample, ...]
    at: float = 0.0
    _by_key: dict[SeriesKey, Sample] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_key.update((s.key, s) for s in self.samples)

    def select(self, name: str = "*", labels: Mapping[str, str] = _NO_LABELS) -> tuple[Sample, ...]:
        """The samples whose name matches the glob and whose labels match `labels` (values are globs)."""
        return tuple(s for s in self.samples if s.matches(name, labels))

    def sum(self, name: str, labels: Mapping[str, str] = _NO_LABELS) -> float | None:
        """The sum of the matching samples, None when nothing matches."""
        values = [s.value for s in self.select(name, labels)]
        return math.fsum(values) if values else None

    def sum_by(self, label: str, name: str, labels: Mapping[str, str] = _NO_LABELS) -> dict[str, float]:
        """The matching samples summed per value of one label."""
        sums: dict[str, float] = {}
        for s in self.select(name, labels):
            group = s.labels.get(label, "")
            sums[group] = sums.get(group, 0.0) + s.value
        return sums

    def previous(self, sample: Sample) -> Sample | None:
        """This scrape's sample of the same series, if it has one."""
        return self._by_key.get(sample.key)


def parse(text: str, *, at: float = 0.0, families: Sequence[str] = ("*",)) -> Scrape:
    """Parse a page, keeping only the families whose names (as written in the text) match a glob.

    Raises MetricsError naming the first line the parser refused.
    """
    lines = _family_lines(text, families)
    try:
        samples = tuple(_samples("\n".join(lines)))
    except _PARSE_ERRORS as exc:
        raise _locate(lines, exc) from None
    return Scrape(samples, at)


def _family_lines(text: str, families: Sequence[str]) -> list[str]:
    """The TYPE and sample lines of the wanted families; HELP and other comments are dropped.

    A family's lines run from its `# TYPE` line to the next one, so whole families are kept or
    skipped at the cost of one split of the page; lines before the first TYPE go one by one.
    """
    wanted = _matcher(families)
    head, *blocks = text.split("\n# TYPE ")
    lines = _untyped_lines(head.splitlines(), wanted)
    for block in blocks:
        name = block.split(None, 1)[0] if block.strip() else ""
        if not wanted(name):
            continue
        block_lines = block.splitlines()
        lines.append("# TYPE " + block_lines[0].strip())
        lines += [line for line in (raw.strip() for raw in block_lines[1:]) if line and line[0] != "#"]
    return lines


def _matcher(families: Sequence[str]) -> Callable[[str], bool]:
    """A test of a family name against the globs: a set lookup for plain names, fnmatch for the rest."""
    if "*" in families:
        return lambda name: True
    plain = frozenset(g for g in families if not any(c in g for c in "*?["))
    globs = [g for g in families if g not in plain]
    return lambda name: name in plain or any(fnmatchcase(name, g) for g in globs)


def _untyped_lines(raw_lines: Iterable[str], wanted: Callable[[str], bool]) -> list[str]:
    """Lines one by one (a page that starts without TYPE lines): each sample judged by its family."""
    lines: list[str] = []
    family = ""
    keep = False
    for raw in raw_lines:
        line = raw.strip()
        if not line:
            continue
        if line[0] == "#":
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] == "TYPE":
                family = parts[2]
                keep = wanted(family)
                if keep:
                    lines.append(line)
            continue
        name = line.split("{", 1)[0].split(None, 1)[0]
        if not (family and name.startswith(family) and name[len(family) :] in _FAMILY_SUFFIXES):
            family = ""
            keep = wanted(name)
        if keep:
            lines.append(line)
    return lines


def _samples(text: str) -> Iterable[Sample]:
    for family in text_string_to_metric_families(text):
        kind = family.type
        for s in family.samples:
            yield Sample(s.name, s.labels, float(s.value), kind)


def _locate(lines: list[str], exc: Exception) -> MetricsError:
    """Find the first line the parser refuses, to name it in the error."""
    for line in lines:
        try:
            list(text_string_to_metric_families(line))
        except _PARSE_ERRORS as line_exc:
            shown = line if len(line) <= 80 else line[:79] + "…"
            return MetricsError(f"not Prometheus text: {line_exc or 'unreadable line'}: {shown!r}")
    return MetricsError(f"not Prometheus text: {exc}")


def _counter_increase(before: float, after: float) -> float:
    """The increase of a counter between two readings; a drop means it restarted from zero."""
    return after - before if after >= before else after


def rate(before: Scrape, after: Scrape, name: str, labels: Mapping[str, str] = _NO_LABELS) -> float | None:
    """Per-second increase of the matching counters between two scrapes, summed; None without both."""
    rates = _series_rates(before, after, name, labels)
    return math.fsum(r for _, r in rates) if rates else None


def rate_by(
    label: str, before: Scrape, after: Scrape, name: str, labels: Mapping[str, str] = _NO_LABELS
) -> dict[str, float]:
    """Per-second increase of the matching counters, summed per value of one label."""
    sums: dict[str, float] = {}
    for sample, r in _series_rates(before, after, name, labels):
        group = sample.labels.get(label, "")
        sums[group] = sums.get(group, 0.0) + r
    return sums


def _series_rates(
    before: Scrape, after: Scrape, name: str, labels: Mapping[str, str]
) -> list[tuple[Sample, float]]:
    elapsed = after.at - before.at
    if elapsed <= 0:
        return []
    rates = []
    for sample in after.select(name, labels):
        old = before.previous(sample)
        if old is not None:
            rates.append((sample, _counter_increase(old.value, sample.value) / elapsed))
    return rates


def mean(
    scrape: Scrape,
    family: str,
    labels: Mapping[str, str] = _NO_LABELS,
    *,
    since: Scrape | None = None,
) -> float | None:
    """The mean observation of a histogram or summary (`_sum` / `_count`), over every matching
    series; with `since`, of the observations made after that earlier scrape. None without any."""
    total, count = scrape.sum(family + "_sum", labels), scrape.sum(family + "_count", labels)
    if total is None or count is None:
        return None
    if since is not None:
        total_before = since.sum(family + "_sum", labels) or 0.0
        count_before = since.sum(family + "_count", labels) or 0.0
        if count >= count_before:  # else the process restarted: everything counts
            total, count = total - total_before, count - count_before
    return total / count if count > 0 else None


@dataclass(frozen=True)
class Estimate:
    """A quantile interpolated within the bucket its rank falls in, and that bucket's bounds."""

    value: float
    lower: float
    upper: float

    @property
    def at_most(self) -> bool:
        """True when the rank falls in the first bucket above zero: the observations are then
        only known to be no more than `upper`, and `value` is interpolated from zero, a guess."""
        return self.lower == 0.0 < self.upper


def quantile(
    q: float,
    scrape: Scrape,
    family: str,
    labels: Mapping[str, str] = _NO_LABELS,
    *,
    since: Scrape | None = None,
) -> float | None:
    """The q-quantile of a histogram family, as Prometheus's histogram_quantile computes it.

    Buckets of every matching series are added up; with `since`, only observations made after
    that earlier scrape count. None when there is no observation to speak of.
    """
    found = estimate(q, scrape, family, labels, since=since)
    return None if found is None else found.value


def estimate(
    q: float,
    scrape: Scrape,
    family: str,
    labels: Mapping[str, str] = _NO_LABELS,
    *,
    since: Scrape | None = None,
) -> Estimate | None:
    """`quantile`, with the bucket it was interpolated in (so a display can say "≤ 2s")."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile must be within 0 and 1, not {q}")
    buckets = _buckets(scrape, family, labels)
    if since is not None:
        earlier = _buckets(since, family, labels)
        deltas = {le: count - earlier.get(le, 0.0) for le, count in buckets.items()}
        if all(d >= 0 for d in deltas.values()):
            buckets = deltas
    return _bucket_quantile(q, sorted(buckets.items()))


def _buckets(scrape: Scrape, family: str, labels: Mapping[str, str]) -> dict[float, float]:
    counts: dict[float, float] = {}
    for s in scrape.select(family + "_bucket", labels):
        le = s.labels.get("le")
        if le is None:
            continue
        try:
            bound = float(le)
        except ValueError:
            continue
        counts[bound] = counts.get(bound, 0.0) + s.value
    return counts


def _bucket_quantile(q: float, buckets: list[tuple[float, float]]) -> Estimate | None:
    """Linear interpolation within the bucket holding the rank (Prometheus's bucketQuantile)."""
    if len(buckets) < 2 or not math.isinf(buckets[-1][0]):
        return None
    counts = []
    highest = 0.0
    for _, count in buckets:
        highest = max(highest, count)  # counts must not fall with the bound
        counts.append(highest)
    total = counts[-1]
    if total <= 0 or math.isnan(total):
        return None
    rank = q * total
    index = next(i for i, c in enumerate(counts) if c >= rank)
    if index == len(buckets) - 1:
        top = buckets[-2][0]
        return Estimate(top, top, math.inf)
    upper = buckets[index][0]
    if index == 0 and upper <= 0:
        return Estimate(upper, upper, upper)
    lower = 0.0 if index == 0 else buckets[index - 1][0]
    below = 0.0 if index == 0 else counts[index - 1]
    in_bucket = counts[index] - below
    if in_bucket <= 0:
        return Estimate(upper, lower, upper)
    return Estimate(lower + (upper - lower) * (rank - below) / in_bucket, lower, upper)
