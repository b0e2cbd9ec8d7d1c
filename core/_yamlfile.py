"""YAML documents that remember where every value came from, for errors that name file:line:col."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from deck._errors import DeckError

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
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror or exc}", where=name) from None
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text ({exc.reason})", where=name) from None
    return parse_document(text, name, error)


def parse_document(text: str, name: str, error: type[DeckError]) -> Document:
    """Parse YAML `text` (named `name` in messages) into a Document."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise error(f"YAML syntax error: {exc.problem or exc.context}", where=where) from None
    except yaml.YAMLError as exc:
        raise error(f"YAML error: {exc}", where=name) from None
    document = Document(file=name, data=None)
    if node is not None:
        document.data = _convert(node, (), document, error)
    return document


def _convert(node: yaml.Node, path: Path_, doc: Document, error: type[DeckError]) -> Any:
    doc.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, error, doc, path)
            if key in result:
                line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                raise error(f"{key!r} appears twice in this mapping", where=f"{doc.file}:{line}:{column}")
            key_path = (*path, str(key))
            doc.key_marks[key_path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = _convert(value_node, key_path, doc, error)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, index), doc, error) for index, item in enumerate(node.value)]
    return _scalar(node, error, doc, path)


def _scalar(node: yaml.Node, error: type[DeckError], doc: Document, path: Path_) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        where = f"{doc.file}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"
        raise error("a mapping key must be a plain value", where=where)
    constructor = yaml.SafeLoader.yaml_constructors.get(node.tag)
    if constructor is None:
        return node.value
    return constructor(_SCALAR_LOADER, node)


_SCALAR_LOADER = yaml.SafeLoader("")
