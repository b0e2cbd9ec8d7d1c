"""What a layout declares (sources, actions) and what a source produces (snapshots)."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

__all__ = [
    "MASK",
    "ActionSpec",
    "ExecSpec",
    "HttpSpec",
    "Kind",
    "PromSpec",
    "Rule",
    "Snapshot",
    "SourceSpec",
    "Threshold",
    "is_secret",
    "mask_secrets",
    "mask_text",
    "operators",
]

Kind = Literal["exec", "http", "prometheus"]

#: What a secret's value is shown as, in every view, export and log.
MASK: Final = "••••••"
_SECRET_WORDS: Final = (
    r"api[_-]?key|token|passw(?:or)?d|secret|authorization|cookie|credential|private[_-]?key"
)
_SECRET = re.compile(_SECRET_WORDS, re.I)
#: `token=abc`, `"password": "abc"`, `Authorization: Bearer abc` inside a line of text.
_SECRET_IN_TEXT = re.compile(
    rf"""((?:[\w-]*(?:{_SECRET_WORDS})[\w-]*)["']?\s*[:=]\s*)("[^"]*"|'[^']*'|(?:bearer|basic)\s+\S+|[^\s,;&}}]+)""",
    re.I,
)


def is_secret(name: object) -> bool:
    """True for a key or header name that says its value is a secret."""
    return isinstance(name, str) and _SECRET.search(name) is not None


def mask_text(line: str) -> str:
    """A line of text with the value after any secret-named key masked."""
    return _SECRET_IN_TEXT.sub(lambda m: m.group(1) + MASK, line)


def mask_secrets(value: Any) -> Any:
    """A copy of a JSON-like value with every value under a secret-named key masked."""
    if isinstance(value, Mapping):
        return {k: MASK if is_secret(k) and v is not None else mask_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(item) for item in value]
    return value


@dataclass(frozen=True)
class ExecSpec:
    """A command run without a shell: its argv, how long it may take, how much it may print."""

    argv: tuple[str, ...]
    timeout: float
    max_bytes: int


@dataclass(frozen=True)
class HttpSpec:
    """A GET: the URL and its headers, each a literal or `env:NAME` read at fetch time."""

    url: str
    headers: tuple[tuple[str, str], ...]
    timeout: float
    max_bytes: int


@dataclass(frozen=True)
class PromSpec:
    """Which series of a Prometheus endpoint to keep: name globs and label globs."""

    select: tuple[str, ...]
    labels: tuple[tuple[str, str], ...]
    quantiles: tuple[float, ...]


@dataclass(frozen=True)
class SourceSpec:
    """One declared source: where its data comes from and how its text becomes rows."""

    name: str
    kind: Kind
    interval: float
    parse: str
    exec: ExecSpec | None = None
    http: HttpSpec | None = None
    prometheus: PromSpec | None = None
    columns: tuple[str, ...] = ()
    header: bool = False
    pattern: re.Pattern[str] | None = None
    rows: str = ""
    fields: tuple[tuple[str, str], ...] = ()

    @property
    def timeout(self) -> float:
        """How long one fetch may take."""
        target = self.exec or self.http
        return target.timeout if target is not None else 10.0


@dataclass(frozen=True)
class ActionSpec:
    """A key bound to a command whose argv takes `{field}` values from the selected row."""

    id: str
    title: str
    key: str
    argv: tuple[str, ...]
    source: str | None
    confirm: bool
    mutating: bool
    destructive: bool
    timeout: float
    max_bytes: int


_OPS: Final[Mapping[str, Callable[[Any, Any], bool]]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}


@dataclass(frozen=True)
class Rule:
    """One comparison, like `>= 90` or `== failed`: numbers compare as numbers, the rest as text."""

    op: str
    operand: float | str

    def holds(self, value: Any) -> bool:
        """True when `value` meets the rule; a value of the wrong kind never does."""
        compare = _OPS[self.op]
        if isinstance(self.operand, float):
            try:
                number = float(value)
            except (TypeError, ValueError):
                return False
            return compare(number, self.operand)
        if self.op not in ("==", "!="):
            return False
        return compare(str(value).lower(), self.operand.lower())


@dataclass(frozen=True)
class Threshold:
    """When a cell turns `warn` or `bad`: any of its rules holding is enough; bad wins."""

    warn: tuple[Rule, ...] = ()
    bad: tuple[Rule, ...] = ()

    def role(self, value: Any) -> str | None:
        """The theme role for `value`, or None when it is fine."""
        if value is None:
            return None
        if any(rule.holds(value) for rule in self.bad):
            return "bad"
        if any(rule.holds(value) for rule in self.warn):
            return "warn"
        return None


def operators() -> tuple[str, ...]:
    """The comparison operators a rule may start with, longest first."""
    return tuple(_OPS)


@dataclass(frozen=True)
class Snapshot:
    """One fetch: rows for tables and charts, the whole document, the raw lines, and facts about it
    (`meta`: an HTTP answer's status and time taken).

    Values under secret-named keys are already masked; text is still raw (views sanitise it).
    """

    columns: tuple[str, ...]
    rows: tuple[Mapping[str, Any], ...]
    document: Any = None
    lines: tuple[str, ...] = ()
    meta: tuple[tuple[str, str], ...] = ()
    note: str = ""
