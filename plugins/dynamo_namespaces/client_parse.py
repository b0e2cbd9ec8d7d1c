"""Bytes of a state file -> StateSnapshot or StateError; every defect becomes a message."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from .model import (
    SCALABLE_COMPONENTS,
    ComponentSummary,
    ErrorKind,
    FileVersion,
    GpuSlot,
    StateError,
    StateSnapshot,
    Watcher,
    freeze,
)

__all__ = ["gpu_sort_key", "numeric_suffix", "parse_state"]


class _Invalid(Exception):
    """A structural defect; turned into a StateError at the boundary."""


def gpu_sort_key(gpu: str) -> tuple[int, int, str]:
    """Order GPU ids numerically ("2" before "10"), non-numeric ids after, by text."""
    return (0, int(gpu), gpu) if gpu.isascii() and gpu.isdigit() else (1, 0, gpu)


def numeric_suffix(text: str) -> int | None:
    """The instance number of a watcher suffix, or None when it is not a plain number."""
    return int(text) if text.isascii() and text.isdigit() else None


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


def _syntax_problem(exc: json.JSONDecodeError) -> str:
    reason = exc.msg.split(" starting at")[0]
    truncated = reason.startswith("Unterminated") or exc.pos >= len(exc.doc.rstrip())
    what = "truncated JSON" if truncated else "invalid JSON"
    return f"{what} at line {exc.lineno} column {exc.colno} ({reason})"


def _gpu_ids(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _Invalid(f"{where} must be a list, got {_kind(value)}")
    ids: dict[str, None] = {}
    for position, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise _Invalid(f"{where}[{position}] must be a string or integer, got {_kind(item)}")
        ids[str(item)] = None
    return tuple(ids)


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid(f"{where} must be an object, got {_kind(value)}")
    return value


def _classify(key: str, prefix: str, bases: set[str]) -> tuple[str, int | None]:
    """Component type and instance index of a watcher key, as Dynamo names them."""
    rest = key[len(prefix) :] if key.startswith(prefix) else key
    head, sep, tail = rest.rpartition("_")
    if sep and head:
        index = numeric_suffix(tail)
        if index is not None:
            return head, index
        if head in bases:
            return head, None
    return rest, 0


def _watchers(
    components: dict[str, Any], frozen: Any, namespace: str, warnings: list[str]
) -> tuple[Watcher, ...]:
    prefix = f"{namespace}_"
    bases = {key[len(prefix) :] for key in components if key.startswith(prefix)}
    watchers = []
    for key, entry in components.items():
        where = f"components.{key}"
        entry = _object(entry, where)
        resources = _object(entry.get("resources", {}), f"{where}.resources")
        gpus = _gpu_ids(resources.get("allocated_gpus", []), f"{where}.resources.allocated_gpus")
        name = entry.get("watcher_name", key)
        if not isinstance(name, str):
            warnings.append(f"{key}: watcher_name is {_kind(name)}; using the key")
            name = key
        cmd = entry.get("cmd", "")
        if not isinstance(cmd, str):
            warnings.append(f"{key}: cmd is {_kind(cmd)}, not a string")
            cmd = ""
        lease = entry.get("lease")
        if not key.startswith(prefix):
            warnings.append(f"{key}: does not start with the namespace prefix {prefix!r}")
        component, index = _classify(key, prefix, bases)
        watchers.append(
            Watcher(
                key=key,
                watcher_name=name,
                component=component,
                index=index,
                cmd=cmd,
                allocated_gpus=gpus,
                has_lease="lease" in entry,
                lease=lease if isinstance(lease, int) and not isinstance(lease, bool) else None,
                raw=frozen[key],
            )
        )
    for watcher in watchers:
        if watcher.index is None and watcher.component in SCALABLE_COMPONENTS:
            suffix = watcher.key[len(f"{prefix}{watcher.component}_") :]
            warnings.append(
                f"{watcher.key}: suffix {suffix!r} is not a number; Dynamo's planner fails on "
                f"every add/remove of {watcher.component} while it exists, deck skips it"
            )
    return tuple(watchers)


def _summaries(watchers: tuple[Watcher, ...]) -> tuple[ComponentSummary, ...]:
    grouped: dict[str, list[Watcher]] = defaultdict(list)
    for watcher in watchers:
        grouped[watcher.component].append(watcher)
    order = [name for name in SCALABLE_COMPONENTS if name in grouped]
    order += [name for name in grouped if name not in SCALABLE_COMPONENTS]
    summaries = []
    for name in order:
        members = sorted(grouped[name], key=lambda w: (w.index is None, w.index or 0, w.key))
        gpus = {gpu: None for w in members for gpu in w.allocated_gpus}
        summaries.append(
            ComponentSummary(
                component=name,
                watchers=tuple(members),
                count=sum(not w.released for w in members),
                gpus=tuple(sorted(gpus, key=gpu_sort_key)),
                scalable=name in SCALABLE_COMPONENTS,
            )
        )
    return tuple(summaries)


def _gpu_map(
    watchers: tuple[Watcher, ...], gpu_info: tuple[str, ...], warnings: list[str]
) -> tuple[GpuSlot, ...]:
    holders: dict[str, list[str]] = defaultdict(list)
    for watcher in watchers:
        for gpu in watcher.allocated_gpus:
            holders[gpu].append(watcher.key)
    listed = set(gpu_info)
    slots = [GpuSlot(gpu, tuple(holders.get(gpu, ())), True) for gpu in gpu_info]
    for gpu in sorted(set(holders) - listed, key=gpu_sort_key):
        warnings.append(f"GPU {gpu} is allocated to {', '.join(holders[gpu])} but not in gpu_info")
        slots.append(GpuSlot(gpu, tuple(holders[gpu]), False))
    for slot in slots:
        if len(slot.holders) > 1:
            warnings.append(f"GPU {slot.gpu} is allocated to {len(slot.holders)} watchers")
    return tuple(slots)


def _environment(document: dict[str, Any], warnings: list[str]) -> tuple[Any, ...]:
    environment = _object(document.get("environment", {}), "environment")
    config = environment.get("DYNAMO_SERVICE_CONFIG")
    if config is not None and not isinstance(config, str):
        warnings.append(f"environment.DYNAMO_SERVICE_CONFIG is {_kind(config)}, not a string")
        config = None
    if "SYSTEM_RESOURCES" not in environment:
        warnings.append("environment.SYSTEM_RESOURCES is missing: GPU inventory unknown")
        return config, None, ()
    resources = _object(environment["SYSTEM_RESOURCES"], "environment.SYSTEM_RESOURCES")
    gpu_info = _gpu_ids(resources.get("gpu_info", []), "environment.SYSTEM_RESOURCES.gpu_info")
    total = resources.get("total_gpus")
    if isinstance(total, bool) or not isinstance(total, int):
        if total is not None:
            warnings.append(f"environment.SYSTEM_RESOURCES.total_gpus is {_kind(total)}")
        total = None
    elif total != len(gpu_info):
        warnings.append(f"total_gpus is {total} but gpu_info lists {len(gpu_info)} GPUs")
    return config, total, tuple(sorted(gpu_info, key=gpu_sort_key))


def _snapshot(path: Path, document: Any, version: FileVersion) -> StateSnapshot:
    document = _object(document, "top level")
    warnings: list[str] = []
    namespace = document.get("namespace")
    if not isinstance(namespace, str) or not namespace:
        warnings.append(f"namespace is {_kind(namespace)}; using the file name {path.stem!r}")
        namespace = path.stem
    endpoint = document.get("circus_endpoint")
    if "components" not in document:
        raise _Invalid("missing key 'components'")
    components = _object(document["components"], "components")
    frozen = freeze(document)
    watchers = _watchers(components, frozen["components"], namespace, warnings)
    config, total, gpu_info = _environment(document, warnings)
    return StateSnapshot(
        path=path,
        namespace=namespace,
        circus_endpoint=endpoint if isinstance(endpoint, str) else None,
        watchers=watchers,
        components=_summaries(watchers),
        gpus=_gpu_map(watchers, gpu_info, warnings),
        total_gpus=total,
        gpu_info=gpu_info,
        service_config_text=config,
        data=frozen,
        version=version,
        warnings=tuple(warnings),
    )


def parse_state(path: Path, content: bytes, version: FileVersion) -> StateSnapshot | StateError:
    """Parse and check one state file's bytes; never raises for bad content."""

    def error(problem: str, kind: ErrorKind) -> StateError:
        return StateError(path, problem, kind, path.stem, version)

    if not content.strip():
        problem = f"empty file ({len(content)} bytes; a writer may be part-way through)"
        return error(problem, "syntax")
    try:
        document = json.loads(content)
    except UnicodeDecodeError as exc:
        return error(f"not UTF-8 text (bad byte at offset {exc.start})", "syntax")
    except json.JSONDecodeError as exc:
        return error(_syntax_problem(exc), "syntax")
    except RecursionError:
        return error("JSON nested too deeply", "syntax")
    try:
        return _snapshot(path, document, version)
    except _Invalid as exc:
        return error(str(exc), "structure")
    except RecursionError:
        return error("JSON nested too deeply", "structure")
