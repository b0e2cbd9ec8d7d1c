"""Turning a command's or server's text into rows: lines, csv, json, jsonl, regex, and JSON paths.

The JSON path language is a small documented subset (names, `[index]`, `[*]`/`*`, joined by
dots), enough to pick rows and fields out of a health or API answer without a dependency.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from deck.plugins.declare.model import SourceSpec, mask_secrets, mask_text

__all__ = ["ParseError", "Parsed", "parse_text", "pick"]

_STEP = re.compile(r"\[(\*|-?\d+)\]|([^.\[\]]+)")
#: Columns guessed from rows look at this many rows, so a huge answer costs no more.
_SCAN = 50

Parsed = tuple[tuple[str, ...], tuple[Mapping[str, Any], ...], Any]


class ParseError(Exception):
    """The text is not what the source declared (bad JSON, no row list); says where."""


def pick(document: Any, path: str) -> Any:
    """The value at `path` ('a.b[0]', 'items[*].name'); None where it does not exist.

    A `*` maps the rest of the path over every element of a list (or value of a mapping).
    """
    steps = [m.group(1) if m.group(1) is not None else m.group(2) for m in _STEP.finditer(path)]
    return _walk(document, steps)


def _walk(value: Any, steps: Sequence[str]) -> Any:
    for index, step in enumerate(steps):
        if step == "*":
            items = value.values() if isinstance(value, Mapping) else value if isinstance(value, list) else []
            return [_walk(item, steps[index + 1 :]) for item in items]
        if isinstance(value, Mapping):
            value = value.get(step)
        elif isinstance(value, list) and re.fullmatch(r"-?\d+", step):
            position = int(step)
            value = value[position] if -len(value) <= position < len(value) else None
        else:
            return None
    return value


def parse_text(spec: SourceSpec, text: str) -> Parsed:
    """Columns, rows and the whole document from one fetch's text, secrets masked."""
    if spec.parse == "lines":
        lines = [mask_text(line) for line in text.splitlines()]
        return ("line",), tuple({"line": line} for line in lines), lines
    if spec.parse == "csv":
        return _csv(spec, text)
    if spec.parse == "regex":
        assert spec.pattern is not None
        rows = tuple(
            mask_secrets(
                {name: _number(value) if value is not None else None for name, value in m.groupdict().items()}
            )
            for line in text.splitlines()
            if (m := spec.pattern.search(line))
        )
        return spec.columns or tuple(spec.pattern.groupindex), rows, list(rows)
    if spec.parse == "jsonl":
        document = [_json(line, f"line {number}") for number, line in _numbered(text)]
    else:
        document = _json(text, "the answer")
    document = mask_secrets(document)
    return _json_rows(spec, document)


def _numbered(text: str) -> Iterable[tuple[int, str]]:
    return ((n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip())


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"{what} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def _csv(spec: SourceSpec, text: str) -> Parsed:
    records = [[cell.strip() for cell in record] for record in csv.reader(io.StringIO(text)) if record]
    if spec.header and records:
        names, records = tuple(records[0]), records[1:]
    else:
        widest = max((len(r) for r in records), default=0)
        names = spec.columns or tuple(f"col{i + 1}" for i in range(widest))
    if spec.columns:
        names = spec.columns
    rows = tuple({name: _number(cell) for name, cell in zip(names, record)} for record in records)
    rows = tuple(mask_secrets(row) for row in rows)
    return names, rows, [dict(row) for row in rows]


def _number(text: str) -> Any:
    """A cell as a number when it reads as one, so sorting and thresholds work; else the text."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _json_rows(spec: SourceSpec, document: Any) -> Parsed:
    found = pick(document, spec.rows) if spec.rows else document
    if found is None and spec.rows:
        raise ParseError(f"the answer has nothing at rows path {spec.rows!r}")
    if isinstance(found, Mapping):
        items: list[Any] = (
            [found] if spec.fields else [{"key": key, "value": value} for key, value in found.items()]
        )
    elif isinstance(found, list):
        items = found
    else:
        items = [{"value": found}]
    if spec.fields:
        rows: tuple[Mapping[str, Any], ...] = tuple(
            {name: pick(item, path) for name, path in spec.fields} for item in items
        )
    else:
        rows = tuple(item if isinstance(item, Mapping) else {"value": item} for item in items)
    columns = spec.columns or _columns(rows)
    return columns, rows, document


def _columns(rows: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for row in rows[:_SCAN]:
        seen.update((str(key), None) for key in row)
    return tuple(seen)
