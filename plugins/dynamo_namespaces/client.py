"""Dynamo namespace state files: find, read, plan and apply scaling, as Dynamo's planner does.

One import point for the panels and the command line; the parts live in client_files (reading),
client_parse, model_plan and client_write.

Typical flow for a confirmed action::

    state = load_state(path)                  # StateSnapshot or StateError, never raises
    plan = plan_add(state, "VllmWorker")      # AddPlan or PlanError: show plan.describe()
    result = apply_plan(plan)                 # ApplyResult: result.message, result.state
"""

from __future__ import annotations

from .client_files import (
    DEFAULT_STATE_DIR,
    STATE_DIR_ENV,
    DirectoryStamp,
    directory_stamp,
    discover,
    find_namespace,
    load_state,
    lock_path,
    read_state,
    resolve_state_dir,
    state_files,
)
from .client_parse import gpu_sort_key, parse_state
from .client_write import DEFAULT_LOCK_TIMEOUT, ApplyResult, FailureReason, apply_plan, scale
from .model import (
    SCALABLE_COMPONENTS,
    ComponentSummary,
    ErrorKind,
    FileVersion,
    GpuSlot,
    StateError,
    StateSnapshot,
    Watcher,
)
from .model_plan import AddPlan, Plan, PlanError, RemovePlan, plan_add, plan_remove, worker_command

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "DEFAULT_STATE_DIR",
    "SCALABLE_COMPONENTS",
    "STATE_DIR_ENV",
    "AddPlan",
    "ApplyResult",
    "ComponentSummary",
    "DirectoryStamp",
    "ErrorKind",
    "FailureReason",
    "FileVersion",
    "GpuSlot",
    "Plan",
    "PlanError",
    "RemovePlan",
    "StateError",
    "StateSnapshot",
    "Watcher",
    "apply_plan",
    "directory_stamp",
    "discover",
    "find_namespace",
    "gpu_sort_key",
    "load_state",
    "lock_path",
    "parse_state",
    "plan_add",
    "plan_remove",
    "read_state",
    "resolve_state_dir",
    "scale",
    "state_files",
    "worker_command",
]
