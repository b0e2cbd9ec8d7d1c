"""Falcon keys: move through the nodes, cycle the sort, refresh now, pause and resume a node."""

from __future__ import annotations

from collections.abc import Callable

from deck import GLOBAL, Action, ActionContext, ActionError
from deck.plugins.falcon_nodes.client import FalconError
from deck.plugins.falcon_nodes.model import NodeStatus
from deck.plugins.falcon_nodes.panels import NodesPanel
from deck.plugins.falcon_nodes.source import STATUS_SOURCE, FalconSession

__all__ = ["PANEL_TYPES", "falcon_actions"]

#: The plugin's panel types; each gets its own "r" (refresh now, skipping the reconnect wait).
PANEL_TYPES = ("falcon.summary", "falcon.nodes", "falcon.log")


def _nodes_panel(ctx: ActionContext) -> NodesPanel:
    for panel in ctx.panels("falcon.nodes"):
        if isinstance(panel, NodesPanel):
            return panel
    raise ActionError("this layout has no falcon.nodes panel")


def _selected(ctx: ActionContext) -> NodeStatus:
    node = ctx.selection
    if not isinstance(node, NodeStatus):
        raise ActionError("select a node first")
    return node


def _describe(node: NodeStatus) -> str:
    epoch = f", epoch {node.current_epoch}/{node.total_epochs}" if node.total_epochs else ""
    return f"{node.name} ({node.status}{epoch})"


class FalconActions:
    """The handlers, bound to the plugin's session."""

    def __init__(self, session: FalconSession) -> None:
        self.session = session

    def step(self, step: int) -> Callable[[ActionContext], None]:
        """A handler moving the table's selection by `step` rows."""

        def handler(ctx: ActionContext) -> None:
            _nodes_panel(ctx).move(step)

        return handler

    def cycle_sort(self, ctx: ActionContext) -> str:
        mode = self.session.cycle_sort()
        for panel in ctx.panels("falcon.nodes"):
            if isinstance(panel, NodesPanel):
                panel.resort()
        return f"nodes sorted by {mode.value}"

    def refresh(self, ctx: ActionContext) -> str:
        self.session.retry_now()
        ctx.refresh()
        return "refreshing the Falcon status and log now"

    def confirm(self, verb: str) -> Callable[[ActionContext], str | None]:
        """The confirmation question naming the selected node (none without a node)."""

        def question(ctx: ActionContext) -> str | None:
            node = ctx.selection
            return f"{verb} node {_describe(node)}?" if isinstance(node, NodeStatus) else None

        return question

    async def pause(self, ctx: ActionContext) -> str:
        return await self._command(ctx, self.session.pause)

    async def resume(self, ctx: ActionContext) -> str:
        return await self._command(ctx, self.session.resume)

    async def _command(self, ctx: ActionContext, command: Callable[[str], str]) -> str:
        node = _selected(ctx)
        try:
            message = await ctx.run_blocking(command, node.name)
        except FalconError as exc:
            raise ActionError(str(exc)) from None
        ctx.refresh(STATUS_SOURCE)
        return message


def falcon_actions(session: FalconSession) -> list[Action]:
    """Every Falcon action, with its default keys."""
    handlers = FalconActions(session)
    refresh = [
        Action(
            f"falcon.refresh_{scope.removeprefix('falcon.')}",
            "Refresh",
            handlers.refresh,
            keys=("r",),
            scope=scope,
            description="poll the run and the log now, retrying a lost connection at once",
        )
        for scope in PANEL_TYPES
    ]
    return [
        Action(
            "falcon.next_node",
            "Next node",
            handlers.step(1),
            keys=("ctrl n", "j"),
            description="select the next node in the table (its log follows)",
        ),
        Action(
            "falcon.prev_node",
            "Prev node",
            handlers.step(-1),
            keys=("ctrl p", "k"),
            description="select the previous node in the table (its log follows)",
        ),
        Action(
            "falcon.sort",
            "Sort",
            handlers.cycle_sort,
            keys=("s",),
            scope=GLOBAL,
            description="sort the nodes by name, then status, then loss",
        ),
        *refresh,
        Action(
            "falcon.pause",
            "Pause",
            handlers.pause,
            keys=("p",),
            scope="falcon.nodes",
            mutating=True,
            confirm=handlers.confirm("Pause"),
            description="ask the selected node to pause (when the node supports it)",
        ),
        Action(
            "falcon.resume",
            "Resume",
            handlers.resume,
            keys=("u",),
            scope="falcon.nodes",
            mutating=True,
            confirm=handlers.confirm("Resume"),
            description="ask the selected paused node to continue",
        ),
    ]
