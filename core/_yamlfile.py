"""YAML documents that remember where every value came from, for errors that name file:line:col."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from deck._errors import DeckError
from deck._limits import MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_VALUES

__all__ = ["Document", "Path_", "did_you_mean", "load_document"]

Path_ = tuple[str | int, ...]

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pure-Python PyYAML
    _Loader = yaml.SafeLoader


@dataclass
class Document:
    """Plain data loaded from a YAML file, plus the position of every node by its path."""

    file: str
    data: Any
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path_, *, key: bool = False) -> str:
        """Return "file:line:col" of the value at `path` (or of its key), or of its nearest ancestor."""
        if key and path in self.key_marks:
            line, column = self.key_marks[path]
            return f"{self.file}:{line}:{column}"
        while path not in self.marks and path:
            path = path[:-1]
        line, column = self.marks.get(path, (1, 1))
        return f"{self.file}:{line}:{column}"


def did_you_mean(value: object, choices: Iterable[str]) -> str | None:
    """Return a "did you mean ...?" hint for a misspelt name, or None."""
    close = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def load_document(path: Path, error: type[DeckError], *, label: str | None = None) -> Document:
    """Parse `path` with the safe loader; syntax errors and duplicate keys raise `error`."""
    name = label or str(path)
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_YAML_BYTES + 1)
        if len(raw) > MAX_YAML_BYTES:
            raise error(f"file is larger than {MAX_YAML_BYTES:,} bytes; refusing to read it", where=name)
        text = raw.decode("utf-8")
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror or exc}", where=name) from None
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text ({exc.reason})", where=name) from None
    return parse_document(text, name, error)


def parse_document(text: str, name: str, error: type[DeckError]) -> Document:
    """Parse YAML `text` (named `name` in messages) into a Document, within deck's bounds."""
    if len(text) > MAX_YAML_BYTES:
        raise error(f"file is larger than {MAX_YAML_BYTES:,} bytes; refusing to read it", where=name)
    try:
        _scan(text, name, error)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise error(f"YAML syntax error: {exc.problem or exc.context}", where=where) from None
    except yaml.YAMLError as exc:
        raise error(f"YAML error: {exc}", where=name) from None
    except UnicodeError as exc:  # lone surrogates: text that no file could hold
        raise error(f"not valid text ({exc})", where=name) from None
    document = Document(file=name, data=None)
    if node is not None:
        try:
            _Measure(name, error).measure(node)
        except RecursionError:
            raise error("aliases nest too deeply; refusing to read further", where=name) from None
        document.data = _Converter(document, error).convert(node, ())
    return document


def _scan(text: str, name: str, error: type[DeckError]) -> None:
    """Refuse deep nesting and too many values from the event stream, before anything is built.

    (Composing very deep nesting crashes the parser; a large file costs time and memory to compose.)
    """
    depth = values = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            continue
        if not isinstance(event, (yaml.CollectionStartEvent, yaml.ScalarEvent, yaml.AliasEvent)):
            continue
        values += 1
        depth += isinstance(event, yaml.CollectionStartEvent)
        if depth > MAX_YAML_DEPTH or values > MAX_YAML_VALUES:
            mark = event.start_mark
            problem = (
                f"nested more than {MAX_YAML_DEPTH} levels deep"
                if depth > MAX_YAML_DEPTH
                else f"more than {MAX_YAML_VALUES:,} values"
            )
            where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
            raise error(f"{problem}; refusing to read further", where=where)


def _mark(name: str, node: yaml.Node) -> str:
    return f"{name}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"


class _Measure:
    """Sizes the composed graph before it is expanded: an alias bomb costs microseconds to refuse.

    Aliases make the graph share nodes, so each node is measured once (its size and depth once
    expanded), and a node inside itself is found before anything recurses forever.
    """

    def __init__(self, name: str, error: type[DeckError]) -> None:
        self.name = name
        self.error = error
        self.known: dict[int, tuple[int, int]] = {}
        self.open: set[int] = set()

    def measure(self, node: yaml.Node) -> tuple[int, int]:
        """(values, depth) of `node` once every alias in it is expanded."""
        known = self.known.get(id(node))
        if known is not None:
            return known
        if isinstance(node, yaml.ScalarNode):
            return 1, 0
        if id(node) in self.open:
            raise self.error("an alias refers to the value that contains it", where=_mark(self.name, node))
        self.open.add(id(node))
        children = (
            [c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode) else node.value
        )
        sizes = [self.measure(child) for child in children]
        self.open.discard(id(node))
        size = 1 + sum(s for s, _ in sizes)
        depth = 1 + max((d for _, d in sizes), default=0)
        if size > MAX_YAML_VALUES:
            raise self.error(
                f"more than {MAX_YAML_VALUES:,} values once aliases are expanded (an alias bomb?); "
                "refusing to read it",
                where=_mark(self.name, node),
            )
        if depth > MAX_YAML_DEPTH:
            raise self.error(
                f"nested more than {MAX_YAML_DEPTH} levels deep once aliases are expanded",
                where=_mark(self.name, node),
            )
        self.known[id(node)] = (size, depth)
        return size, depth


class _Converter:
    """Turns a measured graph of nodes into plain data, remembering where each value came from."""

    def __init__(self, doc: Document, error: type[DeckError]) -> None:
        self.doc = doc
        self.error = error

    def convert(self, node: yaml.Node, path: Path_) -> Any:
        doc = self.doc
        doc.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node, self.error, doc, path)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        return [self.convert(item, (*path, index)) for index, item in enumerate(node.value)]

    def mapping(self, node: yaml.MappingNode, path: Path_) -> dict[Any, Any]:
        doc = self.doc
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, self.error, doc, path)
            if key in result:
                raise self.error(f"{key!r} appears twice in this mapping", where=_mark(doc.file, key_node))
            key_path = (*path, str(key))
            doc.key_marks[key_path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.convert(value_node, key_path)
        return result


def _scalar(node: yaml.Node, error: type[DeckError], doc: Document, path: Path_) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        where = f"{doc.file}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"
        raise error("a mapping key must be a plain value", where=where)
    constructor = yaml.SafeLoader.yaml_constructors.get(node.tag)
    if constructor is None:
        return node.value
    try:
        return constructor(_SCALAR_LOADER, node)
    except (ArithmeticError, ValueError, TypeError, yaml.YAMLError) as exc:
        tag = node.tag.rsplit(":", 1)[-1]
        where = f"{doc.file}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"
        raise error(f"{node.value!r} is not a valid {tag} ({exc})", where=where) from None


_SCALAR_LOADER = yaml.SafeLoader("")
