"""Immutable values describing a Dynamo namespace state file, safe to hand to any thread."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Literal

__all__ = [
    "SCALABLE_COMPONENTS",
    "ComponentSummary",
    "ErrorKind",
    "FileVersion",
    "GpuSlot",
    "StateError",
    "StateSnapshot",
    "Watcher",
    "freeze",
    "thaw",
]

# Dynamo's LocalConnector can only add these (anything else: "Component X not supported").
SCALABLE_COMPONENTS: tuple[str, ...] = ("VllmWorker", "PrefillWorker")

ErrorKind = Literal["missing", "unreadable", "syntax", "structure"]


def freeze(value: Any) -> Any:
    """Return parsed JSON as read-only views (dict -> mappingproxy, list -> tuple)."""
    if isinstance(value, dict):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, list):
        return tuple(freeze(item) for item in value)
    return value


def thaw(value: Any) -> Any:
    """Return plain dicts and lists again, e.g. for json.dumps."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [thaw(item) for item in value]
    return value


@dataclass(frozen=True)
class FileVersion:
    """What a file was when read: stat fields for cheap polling, sha256 for exact comparison."""

    mtime_ns: int
    size: int
    inode: int
    sha256: str

    @property
    def stat_key(self) -> tuple[int, int, int]:
        """The (mtime_ns, size, inode) triple a poller compares with a fresh stat."""
        return (self.mtime_ns, self.size, self.inode)

    @property
    def short(self) -> str:
        """A short content id for messages."""
        return self.sha256[:12]

    def same_content(self, other: FileVersion | None) -> bool:
        """True when both versions hold the same bytes (stat fields may differ)."""
        return other is not None and other.sha256 == self.sha256


@dataclass(frozen=True)
class Watcher:
    """One entry of `components`: a circus watcher running one component instance."""

    key: str
    watcher_name: str
    component: str
    index: int | None  # 0 = base entry, N = `{ns}_{Component}_N`, None = suffix is not a number
    cmd: str
    allocated_gpus: tuple[str, ...]
    has_lease: bool
    lease: int | None
    raw: Mapping[str, Any] = field(repr=False)

    @property
    def is_base(self) -> bool:
        """The base entry is instance 0 and the template for added instances."""
        return self.index == 0

    @property
    def released(self) -> bool:
        """A base entry Dynamo "removed": kept as template, `lease` null, no GPUs."""
        return self.has_lease and self.lease is None and not self.allocated_gpus


@dataclass(frozen=True)
class ComponentSummary:
    """All watchers of one component type; `count` leaves out released base entries."""

    component: str
    watchers: tuple[Watcher, ...]
    count: int
    gpus: tuple[str, ...]
    scalable: bool


@dataclass(frozen=True)
class GpuSlot:
    """One GPU id and the watchers holding it; `listed` is False when not in gpu_info."""

    gpu: str
    holders: tuple[str, ...]
    listed: bool = True

    @property
    def free(self) -> bool:
        """No watcher holds this GPU."""
        return not self.holders


@dataclass(frozen=True)
class StateSnapshot:
    """A parsed state file at one version; `data` is the whole document, read-only."""

    ok: ClassVar[bool] = True

    path: Path
    namespace: str
    circus_endpoint: str | None
    watchers: tuple[Watcher, ...]
    components: tuple[ComponentSummary, ...]
    gpus: tuple[GpuSlot, ...]
    total_gpus: int | None
    gpu_info: tuple[str, ...]
    service_config_text: str | None
    data: Mapping[str, Any] = field(repr=False)
    version: FileVersion
    warnings: tuple[str, ...] = ()

    @cached_property
    def _by_key(self) -> Mapping[str, Watcher]:
        return MappingProxyType({w.key: w for w in self.watchers})

    def watcher(self, key: str) -> Watcher | None:
        """The watcher stored under `key`, if any."""
        return self._by_key.get(key)

    def component(self, name: str) -> ComponentSummary | None:
        """The summary of component type `name`, if the file has any of its watchers."""
        return next((c for c in self.components if c.component == name), None)

    @property
    def free_gpus(self) -> tuple[str, ...]:
        """Listed GPUs no watcher holds, numerically ordered."""
        return tuple(slot.gpu for slot in self.gpus if slot.listed and slot.free)

    @cached_property
    def _service_config(self) -> tuple[Mapping[str, Any] | None, str | None]:
        text = self.service_config_text
        if text is None:
            return None, "environment.DYNAMO_SERVICE_CONFIG is missing"
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError) as exc:
            return None, f"environment.DYNAMO_SERVICE_CONFIG is not valid JSON: {exc}"
        if not isinstance(parsed, dict):
            kind = type(parsed).__name__
            return None, f"environment.DYNAMO_SERVICE_CONFIG must be an object, got {kind}"
        return freeze(parsed), None

    @property
    def service_config(self) -> Mapping[str, Any] | None:
        """DYNAMO_SERVICE_CONFIG decoded on first use; None when absent or invalid."""
        return self._service_config[0]

    @property
    def service_config_error(self) -> str | None:
        """Why `service_config` is None, if it is."""
        return self._service_config[1]

    @cached_property
    def pretty_json(self) -> str:
        """The document as indented JSON with real (unescaped) characters, for display."""
        return json.dumps(thaw(self.data), indent=2, ensure_ascii=False)


@dataclass(frozen=True)
class StateError:
    """A state file that cannot be used, with the reason; never raised, always returned."""

    ok: ClassVar[bool] = False

    path: Path
    problem: str
    kind: ErrorKind
    namespace: str  # the file stem: the content could not tell
    version: FileVersion | None = None

    @property
    def message(self) -> str:
        """The file and the problem, for a status line or stderr."""
        return f"{self.path}: {self.problem}"

    def __str__(self) -> str:
        return self.message
