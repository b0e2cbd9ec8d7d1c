"""Snapshots as tagged JSON: compact records for the flight recorder, and safe to read from anyone.

Plain JSON stays plain; everything else carries an explicit tag under the key "$" (a tuple, a
dataclass, an enum, ...). Decoding never imports a module and never runs a class's code: it
rebuilds only dataclasses and enums of modules already loaded under the allowed prefixes (the
layout's plugins), and refuses anything else with a message that says what and where.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import enum
import functools
import json
import sys
from collections.abc import Iterable, Mapping
from typing import Any, Final

from deck._errors import DeckError

__all__ = ["MASK", "Decoder", "RecordingError", "dumps", "encode", "is_secret", "plugin_prefixes"]

#: What a secret's value becomes on screen, in a recording and in logs.
MASK: Final = "••••••"

_SECRET_WORDS: Final = (
    "api_key",
    "apikey",
    "token",
    "password",
    "passwd",
    "secret",
    "authorization",
    "credential",
    "private_key",
    "cookie",
)

_PLAIN: Final = frozenset({str, int, float, bool})
_FIELDS: dict[type, tuple[tuple[str, bool], ...]] = {}  # a dataclass's fields, and which hold secrets


class RecordingError(DeckError):
    """A recording cannot be written or read: corrupt, from a newer deck, or unsafe to open."""


@functools.lru_cache(maxsize=4096)
def is_secret(key: object) -> bool:
    """Whether a key names a secret (api_key, token, password, ...), whatever its case."""
    name = str(key).lower().replace("-", "_")
    return any(word in name for word in _SECRET_WORDS)


def _masked(key: object, value: Any) -> Any:
    return MASK if value not in (None, "") and is_secret(key) else encode(value)


def _dataclass_fields(value: Any, names: tuple[tuple[str, bool], ...]) -> dict[str, Any]:
    return {
        name: MASK if secret and getattr(value, name) not in (None, "") else encode(getattr(value, name))
        for name, secret in names
    }


def _type_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _fields(cls: type) -> tuple[tuple[str, bool], ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple((f.name, is_secret(f.name)) for f in dataclasses.fields(cls))
    return names


def encode(value: Any) -> Any:
    """A JSON-ready form of a snapshot, with secrets masked and every non-JSON type tagged."""
    kind = type(value)
    if kind in _PLAIN or value is None:
        return value
    if isinstance(value, enum.Enum):
        return {"$": "enum", "type": _type_name(kind), "value": encode(value.value)}
    if kind is list:
        return [encode(item) for item in value]
    if kind is tuple:
        return {"$": "tuple", "items": [encode(item) for item in value]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"$": "dc", "type": _type_name(kind), "fields": _dataclass_fields(value, _fields(kind))}
    if isinstance(value, Mapping):
        if all(type(key) is str for key in value) and "$" not in value:
            return {key: _masked(key, item) for key, item in value.items()}
        return {"$": "dict", "items": [[encode(k), _masked(k, v)] for k, v in value.items()]}
    if isinstance(value, (set, frozenset)):
        items = sorted((encode(item) for item in value), key=repr)
        return {"$": "frozenset" if isinstance(value, frozenset) else "set", "items": items}
    if isinstance(value, (bytes, bytearray)):
        return {"$": "bytes", "b64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, datetime.datetime):
        return {"$": "datetime", "iso": value.isoformat()}
    for plain in (str, int, float):  # subclasses of the plain types
        if isinstance(value, plain):
            return plain(value)
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict) and not isinstance(value, type) and kind.__module__ != "builtins":
        # a plain class (a plugin's cache or index): its attributes, rebuilt without its __init__
        return {
            "$": "obj",
            "type": _type_name(kind),
            "attrs": {k: _masked(k, v) for k, v in attributes.items()},
        }
    return {"$": "text", "text": repr(value)[:500]}


def dumps(value: Any) -> bytes:
    """Encode and serialise in one step (compact JSON, UTF-8)."""
    return json.dumps(encode(value), separators=(",", ":"), ensure_ascii=False).encode()


def plugin_prefixes(modules: Iterable[str]) -> tuple[str, ...]:
    """The module prefixes a recording may rebuild types from: deck's own and the plugins' packages."""
    prefixes = {"deck"}
    for module in modules:
        prefixes.add(module.rsplit(".", 1)[0] if "." in module else module)
    return tuple(sorted(prefixes))


def _plain_class(cls: type) -> bool:
    """A class whose instances are only their attributes: no slots, no custom attribute hooks."""
    hooks: tuple[Any, ...] = (getattr(cls, "__setattr__", None), getattr(cls, "__new__", None))
    return "__slots__" not in vars(cls) and hooks == (object.__setattr__, object.__new__)


def _core(module: str) -> bool:
    """deck's own modules (not its built-in plugins'): their classes are never rebuilt from attributes."""
    return (module == "deck" or module.startswith("deck.")) and not module.startswith("deck.plugins.")


class Decoder:
    """Rebuilds encoded snapshots; only dataclasses and enums of allowed, loaded modules."""

    def __init__(self, prefixes: Iterable[str]) -> None:
        self.prefixes = tuple(prefixes)
        self._types: dict[str, type] = {}

    def decode(self, data: Any, where: str = "") -> Any:
        """The snapshot `data` encodes; RecordingError (naming `where`) if it is not allowed."""
        try:
            return self._decode(data)
        except RecordingError as exc:
            raise RecordingError(exc.message, where=where or None, hint=exc.hint) from None
        except RecursionError:
            raise RecordingError("a snapshot is nested too deeply", where=where or None) from None

    def _decode(self, data: Any) -> Any:
        if isinstance(data, list):
            return [self._decode(item) for item in data]
        if not isinstance(data, dict):
            return data
        tag = data.get("$")
        if tag is None:
            return {key: self._decode(value) for key, value in data.items()}
        if tag == "tuple":
            return tuple(self._decode(item) for item in self._list(data, "items"))
        if tag in ("set", "frozenset"):
            items = [self._decode(item) for item in self._list(data, "items")]
            return frozenset(items) if tag == "frozenset" else set(items)
        if tag == "dict":
            return {self._decode(k): self._decode(v) for k, v in self._pairs(data)}
        if tag == "dc":
            return self._dataclass(data)
        if tag == "obj":
            return self._object(data)
        if tag == "enum":
            cls = self._type(data.get("type"), enum.Enum)
            try:
                return cls(self._decode(data.get("value")))
            except ValueError as exc:
                raise RecordingError(f"{data.get('type')}: {exc}") from None
        if tag == "bytes":
            return base64.b64decode(str(data.get("b64", "")), validate=True)
        if tag == "datetime":
            try:
                return datetime.datetime.fromisoformat(str(data.get("iso")))
            except ValueError as exc:
                raise RecordingError(f"a date: {exc}") from None
        if tag == "text":
            return str(data.get("text", ""))
        raise RecordingError(f"unknown type tag {str(tag)[:40]!r}")

    def _list(self, data: Mapping[str, Any], key: str) -> list[Any]:
        items = data.get(key)
        if not isinstance(items, list):
            raise RecordingError(f"a {data.get('$')} without its {key}")
        return items

    def _pairs(self, data: Mapping[str, Any]) -> list[tuple[Any, Any]]:
        pairs = self._list(data, "items")
        if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
            raise RecordingError("a mapping whose items are not pairs")
        return [(p[0], p[1]) for p in pairs]

    def _dataclass(self, data: Mapping[str, Any]) -> Any:
        cls = self._type(data.get("type"), None)
        fields = data.get("fields")
        if not isinstance(fields, dict):
            raise RecordingError(f"{data.get('type')}: no fields")
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(fields) - set(known))
        if unknown:
            raise RecordingError(f"{_type_name(cls)} has no field {unknown[0]!r} (a newer plugin?)")
        # object.__new__ and object.__setattr__: no code of the class runs while rebuilding
        obj = object.__new__(cls)
        for name, spec in known.items():
            if name in fields:
                value = self._decode(fields[name])
            elif spec.default is not dataclasses.MISSING:
                value = spec.default
            elif spec.default_factory is not dataclasses.MISSING:
                value = spec.default_factory()
            else:
                raise RecordingError(f"{_type_name(cls)}: field {name!r} is missing")
            object.__setattr__(obj, name, value)
        return obj

    def _object(self, data: Mapping[str, Any]) -> Any:
        cls = self._type(data.get("type"), object)
        if _core(cls.__module__) or dataclasses.is_dataclass(cls) or issubclass(cls, enum.Enum):
            raise RecordingError(
                f"refusing to rebuild {data.get('type')} from attributes: not a plugin's plain class"
            )
        attributes = data.get("attrs")
        if not isinstance(attributes, dict) or any(str(k).startswith("__") for k in attributes):
            raise RecordingError(f"{data.get('type')}: attributes that are not plain names")
        obj = object.__new__(cls)  # no code of the class runs: not even __init__
        obj.__dict__.update({key: self._decode(value) for key, value in attributes.items()})
        return obj

    def _type(self, name: object, base: type | None) -> Any:
        if not isinstance(name, str):
            raise RecordingError("a tagged value without its type")
        cls = self._types.get(name)
        if cls is None:
            cls = self._types[name] = self._resolve(name)
        if base is None and not dataclasses.is_dataclass(cls):
            raise RecordingError(f"{name} is not a dataclass")
        if base is enum.Enum and not issubclass(cls, enum.Enum):
            raise RecordingError(f"{name} is not an enum")
        return cls

    def _resolve(self, name: str) -> type:
        module_name, _, qualname = name.partition(":")
        allowed = any(module_name == p or module_name.startswith(p + ".") for p in self.prefixes)
        hint = f"this layout's plugins are {', '.join(self.prefixes)}"
        if not allowed:
            raise RecordingError(
                f"refusing to rebuild {name[:120]}: not a type of this layout's plugins", hint=hint
            )
        module = sys.modules.get(module_name)
        if module is None:
            raise RecordingError(f"refusing to rebuild {name[:120]}: its module is not loaded", hint=hint)
        found: Any = module
        for part in qualname.split("."):
            if not part.isidentifier() or part.startswith("__"):
                raise RecordingError(f"refusing to rebuild {name[:120]}: not a plain class name")
            found = getattr(found, part, None)
        if not isinstance(found, type) or found.__module__ != module_name:
            raise RecordingError(f"refusing to rebuild {name[:120]}: not a class defined there", hint=hint)
        if not (dataclasses.is_dataclass(found) or issubclass(found, enum.Enum) or _plain_class(found)):
            raise RecordingError(f"refusing to rebuild {name[:120]}: not a dataclass, enum or plain class")
        return found
