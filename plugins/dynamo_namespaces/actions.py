"""What the operator can do: pick a namespace, add or remove a worker, read a full command."""

from __future__ import annotations

import asyncio
import time
from typing import Literal

from deck import Action, ActionContext, ActionError, Context

from .client import (
    SCALABLE_COMPONENTS,
    Plan,
    PlanError,
    StateError,
    StateSnapshot,
    Watcher,
    apply_plan,
    lock_path,
    plan_add,
    plan_remove,
)
from .client_live import StoreError, get_busy_thresholds, set_busy_threshold
from .model_command import command_text
from .model_live import StoreView
from .panels_live import ModelRow
from .source import SOURCE, FolderView
from .source_live import FRONTEND, STORE

__all__ = ["PANEL_TYPES", "DynamoActions", "LiveActions"]

#: Every legacy dynamo panel type: namespace, add and remove work from each of them.
PANEL_TYPES = ("dynamo.overview", "dynamo.components", "dynamo.watchers", "dynamo.gpus", "dynamo.state")

Verb = Literal["add", "remove"]

#: What add and remove really do: deck edits the file; Dynamo's own watcher acts on it.
WHAT_SCALING_DOES = "Recorded in the state file; Dynamo's own watcher starts or stops the process."


def _shown(ctx: Context) -> FolderView | None:
    """The view the panels show (not a newer one still on its way)."""
    value = ctx.result(SOURCE).value
    return value if isinstance(value, FolderView) else None


def _namespace_label(loaded: StateSnapshot | StateError, width: int, current: str | None) -> str:
    """A short line: the picker leaves about 20 columns for it."""
    mark = "●" if loaded.namespace == current else " "
    detail = "✗ unreadable" if isinstance(loaded, StateError) else f"{len(loaded.watchers)} watchers"
    return f"{mark} {loaded.namespace:<{width}} {detail}"


def _question(plan: Plan) -> str:
    lines = [plan.describe(), "", WHAT_SCALING_DOES, ""]
    lines += [f"note: {note}" for note in plan.notes]
    lines += [
        f"namespace {plan.namespace} · {plan.path}",
        f"written only if still version {plan.version.short}, under {lock_path(plan.path).name}",
    ]
    return "\n".join(lines)


class DynamoActions:
    """The plugin's actions on state files; what they change reaches the source as its parameter."""

    def actions(self) -> list[Action]:
        """n, a and x on every legacy panel, Enter on watchers; the dynamo layout moves remove to r.

        `r` is the deck's refresh everywhere by default. The seed's keys (n namespace, a add,
        r remove) live in layouts/dynamo.yaml, which binds r to remove and moves refresh to R.
        """
        found = [
            Action(
                "dynamo.namespace",
                "Namespace",
                self.choose_namespace,
                keys=("n",),
                scope=PANEL_TYPES,
                description="choose the Dynamo namespace the dashboard shows",
            ),
            Action(
                "dynamo.add",
                "Add worker",
                self.add,
                keys=("a",),
                scope=PANEL_TYPES,
                mutating=True,
                description="record a new VllmWorker or PrefillWorker watcher on the first free GPU in the "
                "state file (Dynamo's watcher starts the process)",
            ),
            Action(
                "dynamo.remove",
                "Remove worker",
                self.remove,
                keys=("x",),
                scope=PANEL_TYPES,
                mutating=True,
                destructive=True,
                description="remove the newest VllmWorker or PrefillWorker watcher from the state file "
                "(Dynamo's watcher stops the process)",
            ),
        ]
        found.append(
            Action(
                "dynamo.watchers.command",
                "Full command",
                self.show_command,
                keys=("enter",),
                scope="dynamo.watchers",
                description="show the selected watcher's whole command and its decoded --worker-env",
            )
        )
        return found

    # ---- namespace -----------------------------------------------------------------------------

    def select(self, ctx: Context, namespace: str) -> None:
        """Show `namespace` from now on."""
        ctx.retarget(SOURCE, namespace=namespace)

    async def pick(self, ctx: Context, view: FolderView) -> str | None:
        """Ask which namespace to show; None when the operator cancels."""
        first: dict[str, StateSnapshot | StateError] = {}
        for loaded in view.files:
            first.setdefault(loaded.namespace, loaded)
        width = max(len(namespace) for namespace in first)
        options = [(_namespace_label(loaded, width, view.namespace), ns) for ns, loaded in first.items()]
        chosen = await ctx.choose(f"Choose a namespace ({view.state_dir})", options)
        if chosen is not None:
            self.select(ctx, chosen)
        return chosen

    async def start(self, ctx: Context, timeout: float = 30.0) -> None:
        """Open on the mode found: the state files when there are any, else the live fleet."""
        deadline = time.monotonic() + timeout
        while _shown(ctx) is None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        view = _shown(ctx)
        if view is not None and view.files:
            await self._pick_on_start(ctx, view)
            return
        while not ctx.result(STORE).has_value and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        store = ctx.result(STORE).value
        fleet = ctx.panels("dynamo.fleet")
        if isinstance(store, StoreView) and store.error is None and fleet:
            ctx.focus_panel(fleet[0])

    async def _pick_on_start(self, ctx: Context, view: FolderView) -> None:
        """With several namespaces and none configured, ask once the folder has been read."""
        if len(view.namespaces) < 2 or ctx.params(SOURCE)["namespace"] is not None:
            return
        chosen = await self.pick(ctx, view)
        if chosen is None:
            ctx.notify(f"showing namespace {view.namespace}; n chooses another", "info")
        else:
            ctx.notify(f"showing namespace {chosen}", "ok")

    async def choose_namespace(self, ctx: ActionContext) -> str | None:
        """The n key."""
        view = _shown(ctx)
        if view is None or not view.files:
            problem = view.problem if view is not None else None
            detail = f": {problem.details[0]}" if problem is not None and problem.details else ""
            raise ActionError(f"no namespaces to choose from{detail}")
        chosen = await self.pick(ctx, view)
        return None if chosen is None else f"showing namespace {chosen}"

    # ---- scaling -------------------------------------------------------------------------------

    async def add(self, ctx: ActionContext) -> str | None:
        """The a key: choose a component, confirm the exact watcher and GPU, write."""
        return await self._scale(ctx, "add")

    async def remove(self, ctx: ActionContext) -> str | None:
        """The remove key: choose a component, confirm the exact watcher removed, write."""
        return await self._scale(ctx, "remove")

    async def _scale(self, ctx: ActionContext, verb: Verb) -> str | None:
        state = self._readable(ctx, verb)
        component = await ctx.choose(f"{verb.capitalize()} which worker?", list(SCALABLE_COMPONENTS))
        if component is None:
            return None
        plan = plan_add(state, component) if verb == "add" else plan_remove(state, component)
        if isinstance(plan, PlanError):
            raise ActionError(plan.message)
        confirmed = await ctx.confirm(
            _question(plan),
            title=f"{verb.capitalize()} {component}",
            destructive=verb == "remove",
            ok=verb.capitalize(),
        )
        if not confirmed:
            ctx.notify(f"{verb} {component}: cancelled, nothing written", "info")
            return None
        result = await ctx.run_blocking(apply_plan, plan)
        ctx.refresh(SOURCE)  # after a write, and after a refusal, show what is there now
        if not result.ok:
            raise ActionError(result.message)
        return result.message

    def _readable(self, ctx: ActionContext, verb: Verb) -> StateSnapshot:
        view = _shown(ctx)
        if view is None:
            raise ActionError("the state folder has not been read yet")
        problem = view.problem
        if problem is not None or view.snapshot is None:
            detail = f": {problem.details[0]}" if problem is not None and problem.details else ""
            headline = problem.headline if problem is not None else "no state"
            raise ActionError(f"cannot {verb}: {headline}{detail}")
        return view.snapshot

    # ---- watchers ------------------------------------------------------------------------------

    def show_command(self, ctx: ActionContext) -> None:
        """Enter on a watcher: its whole command in a scrollable viewer."""
        watcher = ctx.selection
        if not isinstance(watcher, Watcher):
            raise ActionError("select a watcher first")
        ctx.show_text(f"Command of {watcher.key}", command_text(watcher))


# ---- Dynamo 1.x ----------------------------------------------------------------------------------


def _fraction(text: str) -> str | None:
    """Validate a busy threshold: a fraction of the KV blocks, above 0 and at most 1."""
    try:
        value = float(text)
    except ValueError:
        return "a number between 0 and 1, e.g. 0.9"
    if not 0 < value <= 1:
        return "a fraction above 0 and at most 1 (of the worker's KV blocks)"
    return None


class LiveActions:
    """The one live change Dynamo 1.x allows from here: the frontend's busy threshold."""

    def __init__(self, frontend: str) -> None:
        self.frontend = frontend

    def actions(self) -> list[Action]:
        """b on the models panel."""
        return [
            Action(
                "dynamo.busy_threshold",
                "Busy threshold",
                self.busy_threshold,
                keys=("b",),
                scope="dynamo.models",
                mutating=True,
                description="set the frontend's busy threshold (active decode blocks) of the selected model",
            )
        ]

    async def busy_threshold(self, ctx: ActionContext) -> str | None:
        """Show the value the frontend uses now, ask for the new one, confirm, POST, read back."""
        row = ctx.selection
        if not isinstance(row, ModelRow):
            raise ActionError("select a model first")
        try:
            current = await ctx.run_blocking(get_busy_thresholds, self.frontend)
        except StoreError as exc:
            raise ActionError(str(exc)) from None
        found = next((t for t in current if t.model == row.name), None)
        now = "not set" if found is None or found.decode_blocks is None else f"{found.decode_blocks:g}"
        text = await ctx.prompt(
            f"Busy threshold of {row.name}: active decode blocks, 0-1 (now {now})",
            default="" if found is None or found.decode_blocks is None else f"{found.decode_blocks:g}",
            validate=_fraction,
        )
        if text is None:
            return None
        value = float(text)
        question = (
            f"Set the busy threshold of {row.name} from {now} to {value:g}?\n\n"
            f"The frontend at {self.frontend} marks a worker busy above this share of its KV\n"
            "blocks in use; it changes routing and overload behaviour for every client."
        )
        if not await ctx.confirm(question, title="Busy threshold", ok="Set"):
            ctx.notify(f"busy threshold of {row.name}: cancelled, unchanged", "info")
            return None
        try:
            applied = await ctx.run_blocking(set_busy_threshold, self.frontend, row.name, value)
        except StoreError as exc:
            raise ActionError(str(exc)) from None
        ctx.refresh(FRONTEND)
        return f"busy threshold of {row.name}: {applied.decode_blocks:g} (the frontend now uses it)"
