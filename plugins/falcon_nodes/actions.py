"""Falcon keys: open a node, cycle the sort, move through the nodes from the log, pause and resume."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from deck import Action, ActionContext, ActionError
from deck.plugins.falcon_nodes.client import FalconClient, FalconError
from deck.plugins.falcon_nodes.client_rundir import interrupt_driver
from deck.plugins.falcon_nodes.model import FalconStatus, NodeStatus
from deck.plugins.falcon_nodes.panels import DETAIL_SCREEN, NodeDetailPanel, NodesPanel
from deck.plugins.falcon_nodes.source import LOG_SOURCE, STATUS_SOURCE, FalconView

__all__ = ["falcon_actions"]

#: Panels showing one node (the log and the detail), where ctrl n / ctrl p move the selection.
NODE_PANELS = ("falcon.log", "falcon.node")


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


def step(rows: int) -> Callable[[ActionContext], None]:
    """A handler moving the node table's selection by `rows` (the log and detail follow)."""

    def handler(ctx: ActionContext) -> None:
        _nodes_panel(ctx).move(rows)

    return handler


def cycle_sort(ctx: ActionContext) -> str:
    """Sort the node table by the next order."""
    return f"nodes sorted by {_nodes_panel(ctx).cycle_sort().value}"


def open_node(ctx: ActionContext) -> str | None:
    """Show the detail of the selected node (its screen, or a text view without one)."""
    node = _selected(ctx)
    ctx.retarget(LOG_SOURCE, node=node.name)
    for panel in ctx.panels("falcon.node"):
        if isinstance(panel, NodeDetailPanel) and ctx.focus_panel(panel):
            return None
    if not ctx.show_screen(DETAIL_SCREEN):
        raise ActionError(f"this layout has no {DETAIL_SCREEN!r} screen with a falcon.node panel")
    return None


def _run_on_show(ctx: ActionContext) -> FalconStatus:
    view = ctx.result(STATUS_SOURCE).value
    status = view.status if isinstance(view, FalconView) else None
    if status is None or status.state is None:
        raise ActionError("only a falcon-sbi run read from its directory can be interrupted")
    return status


def interrupt_question(ctx: ActionContext) -> str | None:
    """Asked only for a run whose driver is a process here (the handler says why otherwise)."""
    view = ctx.result(STATUS_SOURCE).value
    status = view.status if isinstance(view, FalconView) else None
    if status is None or status.driver is None:
        return None
    name = Path(status.run_dir or "").name
    return f"Interrupt the run {name} (SIGINT to its driver, pid {status.driver[0]})?"


async def interrupt(ctx: ActionContext) -> str:
    """Stop the run on show the way Ctrl-C would: falcon ends it gracefully as "interrupted"."""
    status = _run_on_show(ctx)
    if status.ended_at is not None:
        raise ActionError(f"the run has already ended ({status.state})")
    if status.driver is None or status.run_dir is None:
        raise ActionError("the run's driver is not a process on this machine")
    pid, created = status.driver
    try:
        message = await ctx.run_blocking(interrupt_driver, Path(status.run_dir), pid, created)
    except (ProcessLookupError, PermissionError) as exc:
        raise ActionError(str(exc)) from None
    ctx.refresh(STATUS_SOURCE)
    return message


class NodeControls:
    """Pause and resume through the coordinator; the node's support is checked before asking."""

    def __init__(self, client: Callable[[], FalconClient | None]) -> None:
        self._client = client

    def confirm(self, verb: str) -> Callable[[ActionContext], str | None]:
        """The question naming the node, asked only once the node is known to support `verb`."""

        def question(ctx: ActionContext) -> str | None:
            node = ctx.selection
            if not isinstance(node, NodeStatus) or verb.lower() not in node.controls:
                return None  # the handler says why, without a dialog first
            return f"{verb} node {_describe(node)}?"

        return question

    def command(self, verb: str) -> Callable[[ActionContext], object]:
        """The handler sending `verb` to the selected node."""

        async def handler(ctx: ActionContext) -> str:
            node = _selected(ctx)
            if verb not in node.controls:
                raise ActionError(f"node {node.name!r} does not support {verb}")
            client = self._client()
            if client is None:
                raise ActionError("not connected to a coordinator")
            method = client.pause if verb == "pause" else client.resume
            try:
                message = await ctx.run_blocking(method, node.name)
            except FalconError as exc:
                raise ActionError(str(exc)) from None
            ctx.refresh(STATUS_SOURCE)
            return message

        return handler


def falcon_actions(client: Callable[[], FalconClient | None]) -> list[Action]:
    """Every Falcon action, with its default keys (none shadows a global key)."""
    controls = NodeControls(client)
    return [
        Action(
            "falcon.open_node",
            "Node detail",
            open_node,
            keys=("enter",),
            scope="falcon.nodes",
            description="open the selected node: status history, whole loss curve, error, log",
        ),
        Action(
            "falcon.next_node",
            "Next node",
            step(1),
            keys=("ctrl n",),
            scope=NODE_PANELS,
            description="show the next node of the table here",
        ),
        Action(
            "falcon.prev_node",
            "Prev node",
            step(-1),
            keys=("ctrl p",),
            scope=NODE_PANELS,
            description="show the previous node of the table here",
        ),
        Action(
            "falcon.sort",
            "Sort",
            cycle_sort,
            keys=("s",),
            scope="falcon.nodes",
            description="sort the nodes by name, then status, then loss",
        ),
        Action(
            "falcon.interrupt",
            "Interrupt run",
            interrupt,
            keys=("x",),
            scope=("falcon.nodes", "falcon.runs", "falcon.summary"),
            mutating=True,
            destructive=True,
            confirm=interrupt_question,
            description="stop a falcon-sbi run whose driver runs here with SIGINT (it ends 'interrupted')",
        ),
        Action(
            "falcon.pause",
            "Pause",
            controls.command("pause"),
            keys=("p",),
            scope=("falcon.nodes", "falcon.node"),
            mutating=True,
            confirm=controls.confirm("Pause"),
            description="ask the selected node to pause (when the node supports it)",
        ),
        Action(
            "falcon.resume",
            "Resume",
            controls.command("resume"),
            keys=("u",),
            scope=("falcon.nodes", "falcon.node"),
            mutating=True,
            confirm=controls.confirm("Resume"),
            description="ask the selected paused node to continue",
        ),
    ]
