"""Reading the `declare` block of a layout into specs, with errors that point at the bad value.

Every check raises OptionError with the path inside the option, which the layout loader turns
into file:line, so `deck --check` finds every mistake before a command is ever run.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from deck import OptionError
from deck.plugins.declare.model import (
    ActionSpec,
    ExecSpec,
    HttpSpec,
    Kind,
    PromSpec,
    Rule,
    SourceSpec,
    Threshold,
    is_secret,
    operators,
)

__all__ = [
    "RESERVED_KEYS",
    "check_path",
    "env_name",
    "read_actions",
    "read_columns",
    "read_match",
    "read_path",
    "read_sources",
    "read_thresholds",
]

KINDS: Final[tuple[Kind, ...]] = ("exec", "http", "prometheus")
PARSERS: Final[Mapping[str, tuple[str, ...]]] = {
    "exec": ("lines", "csv", "json", "jsonl", "regex"),
    "http": ("json", "jsonl", "lines", "csv", "regex"),
    "prometheus": ("prometheus",),
}
_DEFAULT_PARSER: Final = {"exec": "lines", "http": "json", "prometheus": "prometheus"}
_SOURCE_KEYS: Final = (
    *KINDS,
    "parse",
    "interval",
    "timeout",
    "max_bytes",
    "columns",
    "header",
    "pattern",
    "rows",
    "fields",
    "headers",
    "select",
    "labels",
    "quantiles",
)
_ONLY_FOR: Final = {
    "columns": ("csv", "json", "jsonl", "regex"),
    "header": ("csv",),
    "pattern": ("regex",),
    "rows": ("json", "jsonl"),
    "fields": ("json", "jsonl"),
    "select": ("prometheus",),
    "labels": ("prometheus",),
    "quantiles": ("prometheus",),
}
_ACTION_KEYS: Final = (
    "key",
    "exec",
    "title",
    "source",
    "confirm",
    "mutating",
    "destructive",
    "timeout",
    "max_bytes",
)
#: Keys the deck, or the table under the cursor, already answers: a declared action never shadows them.
RESERVED_KEYS: Final = frozenset(
    {"r", "/", "esc", "enter", "?", ":", "up", "down", "left", "right", "j", "k", "page up", "page down"}
    | {"home", "end", "s", "q", "tab", "shift tab", "<", ">", "I", "g", "G", " ", "+", "-", "f2"}
    | {"[", "]", "ctrl r", "ctrl c"}
    | set("0123456789")
)
_NAME: Final = re.compile(r"[a-z][a-z0-9_-]{0,39}")
_ENV: Final = re.compile(r"env:([A-Za-z_][A-Za-z0-9_]*)")
DEFAULT_TIMEOUT: Final = 10.0
DEFAULT_MAX_BYTES: Final = 1 << 20


def _fail(path: tuple[str | int, ...], message: str, hint: str | None = None) -> OptionError:
    return OptionError(message, path=path, hint=hint or "see docs/layouts.md, 'Panels without Python'")


def _mapping(value: Any, path: tuple[str | int, ...], what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(path, f"{what} must be a mapping, got {type(value).__name__}")
    return value


def _number(data: Mapping[str, Any], key: str, path: tuple[str | int, ...], default: float) -> float:
    value = data.get(key, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        raise _fail((*path, key), f"{key} must be a number > 0, got {value!r}")
    return float(value)


def _strings(value: Any, path: tuple[str | int, ...], what: str, *, empty: bool = False) -> tuple[str, ...]:
    if not isinstance(value, list) or (not value and not empty):
        raise _fail(path, f"{what} must be a {'' if empty else 'non-empty '}list of text")
    for index, item in enumerate(value):
        if not isinstance(item, (str, int, float)) or isinstance(item, bool):
            raise _fail((*path, index), f"{what}: every item must be text, got {item!r}")
    return tuple(str(item) for item in value)


def _argv(value: Any, path: tuple[str | int, ...]) -> tuple[str, ...]:
    if isinstance(value, str):
        raise _fail(
            path,
            "exec takes an argv list, never a shell string",
            f"write it as a list, e.g. exec: {value.split()!r}",
        )
    argv = _strings(value, path, "exec")
    if "\0" in "".join(argv):
        raise _fail(path, "exec arguments cannot hold NUL characters")
    return argv


def _url(value: Any, path: tuple[str | int, ...]) -> str:
    if (
        not isinstance(value, str)
        or urlsplit(value).scheme not in ("http", "https")
        or not urlsplit(value).netloc
    ):
        raise _fail(path, f"expected an http:// or https:// URL, got {value!r}")
    parts = urlsplit(value)
    if parts.password or any(is_secret(name) for name, _ in parse_qsl(parts.query)):
        raise _fail(
            path,
            "the URL carries a secret (a password or a secret-named query parameter), which would be "
            "shown and logged; pass it in a header from the environment instead",
            "e.g. headers: {Authorization: env:MY_TOKEN}",
        )
    return value


def _headers(value: Any, path: tuple[str | int, ...]) -> tuple[tuple[str, str], ...]:
    headers = []
    for name, header in _mapping(value, path, "headers").items():
        if not isinstance(header, str):
            raise _fail((*path, name), f"header {name!r} must be text or env:NAME, got {header!r}")
        if is_secret(name) and not _ENV.fullmatch(header):
            raise _fail(
                (*path, name),
                f"header {name!r} carries a secret: write env:NAME and export it, never the value itself",
                f"e.g. {name}: env:{re.sub(r'[^A-Z0-9]+', '_', str(name).upper())}",
            )
        headers.append((str(name), header))
    return tuple(headers)


def env_name(header: str) -> str | None:
    """The variable an `env:NAME` header value names, or None for a literal."""
    match = _ENV.fullmatch(header)
    return match.group(1) if match else None


def read_sources(value: Any, earlier: Mapping[str, Any] | None = None) -> dict[str, SourceSpec]:
    """The `sources:` mapping, checked: name -> spec."""
    sources = {}
    for name, data in _mapping(value, (), "sources").items():
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise _fail(
                (str(name),),
                f"source name {name!r} must be lowercase letters, digits, '-' or '_' (at most 40)",
            )
        sources[name] = _source(name, _mapping(data, (name,), f"source {name!r}"))
    return sources


def _source(name: str, data: dict[str, Any]) -> SourceSpec:
    path: tuple[str | int, ...] = (name,)
    kind, parse = _kind_and_parser(name, data, path)
    timeout = _number(data, "timeout", path, DEFAULT_TIMEOUT)
    max_bytes = int(_number(data, "max_bytes", path, DEFAULT_MAX_BYTES))
    spec: dict[str, Any] = {}
    if kind == "exec":
        spec["exec"] = ExecSpec(_argv(data["exec"], (*path, "exec")), timeout, max_bytes)
    else:
        headers = _headers(data.get("headers", {}), (*path, "headers"))
        spec["http"] = HttpSpec(_url(data[kind], (*path, kind)), headers, timeout, max_bytes)
    if kind == "prometheus":
        spec["prometheus"] = _prometheus(data, path)
    if parse == "regex":
        spec["pattern"] = _pattern(data.get("pattern"), (*path, "pattern"))
    spec.update(_shape(data, path))
    return SourceSpec(
        name=name, kind=kind, interval=_number(data, "interval", path, 5.0), parse=parse, **spec
    )


def _kind_and_parser(name: str, data: dict[str, Any], path: tuple[str | int, ...]) -> tuple[Kind, str]:
    """Which kind of source this is and how its output parses; every key must belong to them."""
    for key in data:
        if key not in _SOURCE_KEYS:
            raise _fail(
                (*path, key), f"source {name!r} has no setting {key!r} (known: {', '.join(_SOURCE_KEYS)})"
            )
    kinds = [k for k in KINDS if k in data]
    if len(kinds) != 1:
        raise _fail(path, f"source {name!r} needs exactly one of exec, http or prometheus")
    kind: Kind = kinds[0]
    parse = data.get("parse", _DEFAULT_PARSER[kind])
    if parse not in PARSERS[kind]:
        raise _fail(
            (*path, "parse"), f"{kind} sources parse as one of {', '.join(PARSERS[kind])}, got {parse!r}"
        )
    for key, parsers in _ONLY_FOR.items():
        if key in data and parse not in parsers:
            raise _fail((*path, key), f"{key!r} applies only to parse: {' or '.join(parsers)}")
    if "headers" in data and kind == "exec":
        raise _fail((*path, "headers"), "headers apply only to http and prometheus sources")
    return kind, str(parse)


def _shape(data: dict[str, Any], path: tuple[str | int, ...]) -> dict[str, Any]:
    """The settings that shape parsed output into rows: columns, header, rows, fields."""
    spec: dict[str, Any] = {}
    if "columns" in data:
        spec["columns"] = _strings(data["columns"], (*path, "columns"), "columns")
    if "header" in data:
        if not isinstance(data["header"], bool):
            raise _fail((*path, "header"), "header must be true or false")
        spec["header"] = data["header"]
    if "rows" in data:
        if not isinstance(data["rows"], str):
            raise _fail((*path, "rows"), f"rows must be a path like 'data.items', got {data['rows']!r}")
        spec["rows"] = check_path(data["rows"], (*path, "rows"))
    if "fields" in data:
        fields = _mapping(data["fields"], (*path, "fields"), "fields")
        for field_name, field_path in fields.items():
            if not isinstance(field_path, str):
                raise _fail(
                    (*path, "fields", field_name), f"field {field_name!r} must be a path, got {field_path!r}"
                )
            check_path(field_path, (*path, "fields", field_name))
        spec["fields"] = tuple((str(k), str(v)) for k, v in fields.items())
    return spec


def _pattern(value: Any, path: tuple[str | int, ...]) -> re.Pattern[str]:
    if not isinstance(value, str):
        raise _fail(path, "parse: regex needs a pattern with named groups, e.g. '(?P<name>\\S+)'")
    try:
        pattern = re.compile(value)
    except re.error as exc:
        raise _fail(path, f"not a regular expression: {exc}") from None
    if not pattern.groupindex:
        raise _fail(path, "the pattern needs named groups, e.g. (?P<name>...): each becomes a column")
    return pattern


def _prometheus(data: Mapping[str, Any], path: tuple[str | int, ...]) -> PromSpec:
    select = _strings(data.get("select", ["*"]), (*path, "select"), "select")
    labels = _mapping(data.get("labels", {}), (*path, "labels"), "labels")
    for label, glob in labels.items():
        if not isinstance(glob, (str, int, float)) or isinstance(glob, bool):
            raise _fail((*path, "labels", label), f"label {label!r} must match text, got {glob!r}")
    quantiles = data.get("quantiles", [0.5, 0.9, 0.99])
    if not isinstance(quantiles, list) or not all(
        isinstance(q, (int, float)) and not isinstance(q, bool) and 0 < q < 1 for q in quantiles
    ):
        raise _fail(
            (*path, "quantiles"), f"quantiles must be a list of numbers between 0 and 1, got {quantiles!r}"
        )
    return PromSpec(
        select=select,
        labels=tuple((str(k), str(v)) for k, v in labels.items()),
        quantiles=tuple(float(q) for q in quantiles),
    )


_PATH_STEP: Final = re.compile(r"(?:[^.\[\]]+|\*)?(?:\[(?:\d+|-\d+|\*)\])*")


def check_path(text: str, path: tuple[str | int, ...]) -> str:
    """A JSON path of the documented subset ('a.b[0].c', 'items[*].name'), or an error."""
    if text in ("", "."):
        return ""
    if not all(step and _PATH_STEP.fullmatch(step) for step in text.split(".")):
        raise _fail(
            path, f"{text!r} is not a path: use names, [index] and * joined by dots, e.g. 'data.items'"
        )
    return text


def read_actions(value: Any, earlier: Mapping[str, Any] | None = None) -> tuple[ActionSpec, ...]:
    """The `actions:` mapping, checked: each a key, an argv with {field} placeholders, and flags.

    `earlier` holds the checked `sources`, which an action's `source` must name.
    """
    sources: Mapping[str, SourceSpec] = (earlier or {}).get("sources") or {}
    actions = []
    keys: dict[str, str] = {}
    for name, data in _mapping(value, (), "actions").items():
        path: tuple[str | int, ...] = (str(name),)
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise _fail(path, f"action name {name!r} must be lowercase letters, digits, '-' or '_'")
        data = _mapping(data, path, f"action {name!r}")
        for key in data:
            if key not in _ACTION_KEYS:
                raise _fail(
                    (*path, key), f"action {name!r} has no setting {key!r} (known: {', '.join(_ACTION_KEYS)})"
                )
        binding = data.get("key")
        if not isinstance(binding, str) or not binding:
            raise _fail((*path, "key"), f"action {name!r} needs a key, e.g. key: R")
        if binding in RESERVED_KEYS:
            raise _fail((*path, "key"), f"key {binding!r} already has a meaning in every table; pick another")
        if binding in keys:
            raise _fail((*path, "key"), f"key {binding!r} is already bound to action {keys[binding]!r}")
        keys[binding] = name
        if "exec" not in data:
            raise _fail(path, f"action {name!r} needs exec: an argv list with {{field}} placeholders")
        argv = _argv(data["exec"], (*path, "exec"))
        for index, part in enumerate(argv):
            _placeholders(part, (*path, "exec", index))
        source = data.get("source")
        if source is not None and (not isinstance(source, str) or source not in sources):
            known = ", ".join(sources) or "none"
            raise _fail(
                (*path, "source"), f"action {name!r}: no declared source {source!r} (declared: {known})"
            )
        flags = {
            flag: data.get(flag, default)
            for flag, default in (("confirm", True), ("mutating", True), ("destructive", False))
        }
        for flag, flag_value in flags.items():
            if not isinstance(flag_value, bool):
                raise _fail((*path, flag), f"{flag} must be true or false, got {flag_value!r}")
        title = data.get("title", name.replace("-", " ").replace("_", " ").capitalize())
        if not isinstance(title, str):
            raise _fail((*path, "title"), f"title must be text, got {title!r}")
        actions.append(
            ActionSpec(
                id=f"declare.{name}",
                title=title,
                key=binding,
                argv=argv,
                source=source,
                timeout=_number(data, "timeout", path, 60.0),
                max_bytes=int(_number(data, "max_bytes", path, DEFAULT_MAX_BYTES)),
                **flags,
            )
        )
    return tuple(actions)


def _placeholders(text: str, path: tuple[str | int, ...]) -> None:
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise _fail(path, f"{text!r}: {exc} (write {{{{ and }}}} for literal braces)") from None
    for _, field_name, spec, conversion in parsed:
        if field_name is None:
            continue
        if not field_name or not re.fullmatch(r"[A-Za-z_][\w-]*", field_name) or spec or conversion:
            raise _fail(path, f"{text!r}: a placeholder is a column name in braces, like {{pid}}")


def read_thresholds(value: Any, earlier: Mapping[str, Any] | None = None) -> dict[str, Threshold]:
    """`thresholds:` of a panel: column -> {warn: rules, bad: rules}."""
    thresholds = {}
    for column, data in _mapping(value, (), "thresholds").items():
        data = _mapping(data, (str(column),), f"thresholds of {column!r}")
        levels: dict[str, tuple[Rule, ...]] = {}
        for level, rules in data.items():
            if level not in ("warn", "bad"):
                raise _fail((str(column), level), f"thresholds name warn or bad, got {level!r}")
            items = rules if isinstance(rules, list) else [rules]
            levels[level] = tuple(_rule(item, (str(column), level)) for item in items)
        thresholds[str(column)] = Threshold(**levels)
    return thresholds


def _rule(value: Any, path: tuple[str | int, ...]) -> Rule:
    """`90` means `>= 90`; `"> 90"`, `"< 10"`, `"== failed"`, `"!= ok"`; bare text means `==`."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _fail(path, f"a threshold is a number or a rule like '> 90' or '== failed', got {value!r}")
    if isinstance(value, (int, float)):
        return Rule(">=", float(value))
    text = value.strip()
    op = next((o for o in operators() if text.startswith(o)), None)
    if op is None:
        return Rule("==", text)
    operand = text[len(op) :].strip()
    if not operand:
        raise _fail(path, f"{value!r} compares with nothing; write e.g. '{op} 90'")
    try:
        return Rule(op, float(operand))
    except ValueError:
        if op not in ("==", "!="):
            raise _fail(path, f"{value!r}: {op} compares numbers; use == or != for text") from None
        return Rule(op, operand)


def read_path(value: Any, earlier: Mapping[str, Any] | None = None) -> str:
    """A panel's `path` option: a JSON path of the documented subset."""
    return check_path(value, ())


def read_columns(value: Any, earlier: Mapping[str, Any] | None = None) -> tuple[str, ...]:
    """A panel's `columns` option: column names, in order."""
    return _strings(value, (), "columns")


def read_match(value: Any, earlier: Mapping[str, Any] | None = None) -> dict[str, str]:
    """A panel's `match` option: column -> glob its value must match."""
    globs = _mapping(value, (), "match")
    for column, glob in globs.items():
        if isinstance(glob, bool) or not isinstance(glob, (str, int, float)):
            raise _fail((str(column),), f"match {column!r} needs a glob like 'gpu-*', got {glob!r}")
    return {str(column): str(glob) for column, glob in globs.items()}
