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
from .model_command import command_text
from .source import SOURCE, FolderView

__all__ = ["PANEL_TYPES", "DynamoActions"]

#: Every legacy dynamo panel type: namespace, add and remove work from each of them.
PANEL_TYPES = ("dynamo.overview", "dynamo.components", "dynamo.watchers", "dynamo.gpus", "dynamo.state")

Verb = Literal["add", "remove"]


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
    lines = [plan.describe(), ""]
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
                description="add a VllmWorker or PrefillWorker watcher on the first free GPU",
            ),
            Action(
                "dynamo.remove",
                "Remove worker",
                self.remove,
                keys=("x",),
                scope=PANEL_TYPES,
                mutating=True,
                destructive=True,
                description="remove the newest VllmWorker or PrefillWorker watcher",
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

    async def pick_on_start(self, ctx: Context, timeout: float = 30.0) -> None:
        """With several namespaces and none configured, ask once the folder has been read."""
        if ctx.params(SOURCE)["namespace"] is not None:
            return
        deadline = time.monotonic() + timeout
        while _shown(ctx) is None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        view = _shown(ctx)
        if view is None or len(view.namespaces) < 2 or ctx.params(SOURCE)["namespace"] is not None:
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
