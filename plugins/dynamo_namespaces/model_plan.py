"""Dynamo's add/remove rules as pure functions: a snapshot in, a plan (or why not) out.

The rules follow ai-dynamo 0.3.2 `LocalConnector.add_component` / `remove_component`, with three
deliberate differences, each reported in the plan's notes when it matters:

* The free GPU is the numerically lowest ("2" before "10"); Dynamo sorts ids as strings.
* `--worker-env` carries only CUDA_VISIBLE_DEVICES and DYNAMO_SERVICE_CONFIG. Dynamo copies the
  whole environment of the process doing the add, which from a dashboard would leak the
  operator's variables (tokens, paths) into a shared file and into every worker.
* A watcher key whose suffix is not a number is skipped (Dynamo raises on it), and removing a
  base entry that is already released is refused instead of rewriting the same content.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

from .client_parse import numeric_suffix
from .model import SCALABLE_COMPONENTS, FileVersion, StateSnapshot

__all__ = [
    "AddPlan",
    "Plan",
    "PlanError",
    "RemovePlan",
    "apply_to_document",
    "plan_add",
    "plan_remove",
    "worker_command",
]


@dataclass(frozen=True)
class AddPlan:
    """Exactly what an add will write: the new watcher key, its GPU and command."""

    action: ClassVar[Literal["add"]] = "add"

    path: Path
    namespace: str
    component: str
    watcher_key: str
    index: int
    gpu: str
    cmd: str
    version: FileVersion
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line for a confirmation prompt."""
        return f"Add {self.watcher_key} on GPU {self.gpu}"

    def done_message(self) -> str:
        """The status line once written."""
        return f"Added {self.watcher_key} on GPU {self.gpu}"

    def entry(self) -> dict[str, Any]:
        """The new `components` entry, in Dynamo's key order."""
        resources = {"allocated_gpus": [self.gpu]}
        return {"watcher_name": self.watcher_key, "cmd": self.cmd, "resources": resources}


@dataclass(frozen=True)
class RemovePlan:
    """Exactly what a remove will write: the key deleted, or the base entry released."""

    action: ClassVar[Literal["remove"]] = "remove"

    path: Path
    namespace: str
    component: str
    watcher_key: str
    index: int
    freed_gpus: tuple[str, ...]
    version: FileVersion
    notes: tuple[str, ...] = ()

    @property
    def keeps_base(self) -> bool:
        """The base entry stays (its cmd is the template); only resources and lease change."""
        return self.index == 0

    def _freed(self) -> str:
        if not self.freed_gpus:
            return ""
        label = "GPU" if len(self.freed_gpus) == 1 else "GPUs"
        return f"{label} {', '.join(self.freed_gpus)}"

    def describe(self) -> str:
        """One line for a confirmation prompt."""
        freed = f", freeing {self._freed()}" if self.freed_gpus else ""
        if self.keeps_base:
            return (
                f"Release base entry {self.watcher_key}{freed}: "
                "resources cleared, lease null, entry kept as the template"
            )
        return f"Remove {self.watcher_key}{freed}"

    def done_message(self) -> str:
        """The status line once written."""
        parts = [f"{self._freed()} freed"] if self.freed_gpus else []
        if self.keeps_base:
            parts.append("base entry kept as the template")
        return f"Removed {self.watcher_key}" + (f" ({'; '.join(parts)})" if parts else "")


@dataclass(frozen=True)
class PlanError:
    """Why an add or remove cannot be done; nothing is written."""

    ok: ClassVar[bool] = False

    path: Path
    namespace: str
    component: str
    action: Literal["add", "remove"]
    message: str

    def __str__(self) -> str:
        return self.message


Plan = AddPlan | RemovePlan


def _quote(text: str) -> str:
    """Shell single quotes as Dynamo writes them, still correct if the text holds a quote."""
    return "'" + text.replace("'", "'\"'\"'") + "'"


def worker_command(base_cmd: str, gpu: str, service_config: str | None, watcher_key: str) -> str:
    """The base command cut at --worker-env, plus this worker's env and its watcher name."""
    env = {"CUDA_VISIBLE_DEVICES": gpu}
    if service_config is not None:
        env["DYNAMO_SERVICE_CONFIG"] = service_config
    template = base_cmd.split("--worker-env")[0].strip()
    worker_env = _quote(json.dumps([env]))
    return f"{template} --worker-env {worker_env} --custom-component-name {_quote(watcher_key)}"


def _instances(state: StateSnapshot, component: str) -> tuple[dict[int, str], list[str]]:
    """Numbered instances `{index: key}` (base = 0) and notes about skipped keys."""
    base = f"{state.namespace}_{component}"
    found: dict[int, str] = {0: base} if state.watcher(base) else {}
    notes = []
    for watcher in state.watchers:
        if not watcher.key.startswith(f"{base}_"):
            continue
        suffix = watcher.key[len(base) + 1 :]
        index = numeric_suffix(suffix)
        if index is None:
            notes.append(f"skipped {watcher.key}: suffix {suffix!r} is not a number")
        elif index > 0:
            found.setdefault(index, watcher.key)
    return found, notes


Action = Literal["add", "remove"]


def _refuse(state: StateSnapshot, component: str, action: Action, message: str) -> PlanError:
    return PlanError(state.path, state.namespace, component, action, message)


def _unscalable(state: StateSnapshot, component: str, action: Action) -> PlanError | None:
    if component in SCALABLE_COMPONENTS:
        return None
    allowed = " and ".join(SCALABLE_COMPONENTS)
    return _refuse(state, component, action, f"{component} cannot be scaled: only {allowed}")


def plan_add(state: StateSnapshot, component: str) -> AddPlan | PlanError:
    """Plan Dynamo's add: next index after the highest, first free GPU, base cmd as template."""
    refused = _unscalable(state, component, "add")
    if refused:
        return refused
    base_key = f"{state.namespace}_{component}"
    base = state.watcher(base_key)
    if base is None:
        message = f"no base entry {base_key} in {state.path.name}: its cmd is the template"
        return _refuse(state, component, "add", message)
    if not base.cmd:
        return _refuse(state, component, "add", f"base entry {base_key} has no cmd to copy")
    if not state.gpu_info:
        message = "no GPU inventory: environment.SYSTEM_RESOURCES.gpu_info is missing or empty"
        return _refuse(state, component, "add", message)
    free = state.free_gpus
    if not free:
        listed = len(state.gpu_info)
        message = f"no free GPU: {listed} of {listed} allocated"
        return _refuse(state, component, "add", message)
    instances, notes = _instances(state, component)
    index = max(instances, default=0) + 1
    key = f"{base_key}_{index}"
    gpu = free[0]
    dynamo_pick = min(free)
    if dynamo_pick != gpu:
        notes.append(f"Dynamo's planner would take GPU {dynamo_pick} (string order); deck: {gpu}")
    return AddPlan(
        path=state.path,
        namespace=state.namespace,
        component=component,
        watcher_key=key,
        index=index,
        gpu=gpu,
        cmd=worker_command(base.cmd, gpu, state.service_config_text, key),
        version=state.version,
        notes=tuple(notes),
    )


def plan_remove(state: StateSnapshot, component: str) -> RemovePlan | PlanError:
    """Plan Dynamo's remove: the highest index goes; a base entry is kept but released."""
    refused = _unscalable(state, component, "remove")
    if refused:
        return refused
    instances, notes = _instances(state, component)
    if not instances:
        message = f"no {component} watcher in namespace {state.namespace} to remove"
        return _refuse(state, component, "remove", message)
    index = max(instances)
    key = instances[index]
    watcher = state.watcher(key)
    assert watcher is not None
    if index == 0 and watcher.released:
        message = f"{key} is already released (no resources, lease null); nothing to remove"
        return _refuse(state, component, "remove", message)
    return RemovePlan(
        path=state.path,
        namespace=state.namespace,
        component=component,
        watcher_key=key,
        index=index,
        freed_gpus=watcher.allocated_gpus,
        version=state.version,
        notes=tuple(notes),
    )


def apply_to_document(document: dict[str, Any], plan: Plan) -> None:
    """Make the planned change on a freshly parsed document; every other key stays as it was."""
    components = document["components"]
    if isinstance(plan, AddPlan):
        components[plan.watcher_key] = plan.entry()
    elif plan.keeps_base:
        components[plan.watcher_key]["resources"] = {}
        components[plan.watcher_key]["lease"] = None
    else:
        del components[plan.watcher_key]
