"""What the operator can do: drill down, jump to logs, pause, export, and signed admin commands.

Every admin command is simulated first: its blast radius is the confirmation's text (red for
break-glass commands). Confirmed, it is signed with the operator's key and submitted; the mesh
verifies, applies and audits it, and the outcome lands in the status line.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from deck import GLOBAL, Action, ActionContext, ActionError

from .actions_details import describe
from .actions_export import export_table
from .client import MeshClient
from .client_admin import DRAIN_WINDOW_MAX, FREEZE_TTL_MAX
from .model import (
    AdapterView,
    AuditEntry,
    BlastRadius,
    BlobView,
    ChainView,
    DaemonView,
    GroupView,
    MigrationView,
    NodeView,
    NrpcCall,
)
from .model_commands import CLUSTER, COMMANDS, AdminCommand
from .panels import Exportable
from .panels_flow import NrpcPanel
from .panels_logs import ID_PREFIX, LogsPanel
from .source import SOURCE

__all__ = ["DETAIL_SCOPES", "build_actions", "parse_seconds"]

Handler = Callable[[ActionContext], Awaitable[Any] | Any]
T = TypeVar("T")

DETAIL_SCOPES = (
    "mesh.map",
    "mesh.nodes",
    "mesh.daemons",
    "mesh.groups",
    "mesh.chains",
    "mesh.dataforts",
    "mesh.blobs",
    "mesh.nrpc",
    "mesh.migrations",
    "mesh.audit",
)
_DURATION = re.compile(r"^\s*(\d+)\s*([smh]?)\s*$", re.IGNORECASE)
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600}


def parse_seconds(text: str, *, high: int) -> int:
    """Whole seconds from "90", "90s", "5m" or "2h", between 1 and `high`; ValueError says why not."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError("give whole seconds, or minutes or hours: 90, 90s, 5m, 2h")
    seconds = int(match.group(1)) * _UNIT[match.group(2).lower()]
    if not 1 <= seconds <= high:
        raise ValueError(f"must be between 1 s and {high // 3600} h, got {seconds} s")
    return seconds


def _validator(high: int) -> Callable[[str], str | None]:
    def validate(text: str) -> str | None:
        try:
            parse_seconds(text, high=high)
        except ValueError as error:
            return str(error)
        return None

    return validate


def _selected(ctx: ActionContext, kind: type[T], what: str) -> T:
    item = ctx.selection
    if not isinstance(item, kind):
        raise ActionError(f"select {what} first")
    return item


def _blast_text(blast: BlastRadius, command: AdminCommand, client: MeshClient) -> str:
    lines = []
    if blast.break_glass:
        lines += ["BREAK-GLASS. Simulated blast radius:", ""]
    elif command.destructive:
        lines += ["DESTRUCTIVE. Simulated blast radius:", ""]
    lines.append(blast.summary)
    lines += [f"  • {detail}" for detail in blast.details]
    touched = [
        (len(blast.nodes), "node"),
        (len(blast.daemons), "daemon"),
        (len(blast.migrations), "migration"),
        (len(blast.chains), "chain"),
    ]
    named = [f"{count} {noun}{'s' if count != 1 else ''}" for count, noun in touched if count]
    operator = client.operator
    lines += [
        "",
        f"Touches {', '.join(named) if named else 'nothing else'}.",
        f"Signed as {operator.operator_id} (key {operator.fingerprint[:8]}) and audited.",
    ]
    return "\n".join(lines)


async def run_command(ctx: ActionContext, client: MeshClient, command: AdminCommand, verb: str) -> str:
    """Simulate, confirm with the blast radius, sign and submit; the outcome goes to the status line."""
    blast = client.simulate(command)
    if not blast.valid:
        raise ActionError(f"{command.name} {command.target}: {blast.summary}")
    confirmed = await ctx.confirm(
        _blast_text(blast, command, client),
        title=command.title if command.target == CLUSTER else f"{command.title}: {command.target}",
        destructive=command.break_glass or command.destructive,
        ok=verb,
    )
    if not confirmed:
        ctx.notify(f"{command.title} {command.target}: cancelled, nothing was sent", "info")
        return ""
    outcome = client.submit(command)
    ctx.refresh(SOURCE)
    text = f"{command.name} {command.target} {outcome.status}: {outcome.reason} (AUDIT #{outcome.audit.seq})"
    if not outcome.accepted:
        raise ActionError(text)
    return text


# ---- admin commands ---------------------------------------------------------------------------------


def _drain(client: MeshClient) -> Handler:
    async def handler(ctx: ActionContext) -> str:
        node = _selected(ctx, NodeView, "a node")
        answer = await ctx.prompt(
            f"Drain {node.id} over how long? (90s, 5m, 1h)",
            default="5m",
            validate=_validator(DRAIN_WINDOW_MAX),
        )
        if answer is None:
            ctx.notify(f"Drain {node.id}: cancelled, nothing was sent", "info")
            return ""
        window = parse_seconds(answer, high=DRAIN_WINDOW_MAX)
        return await run_command(ctx, client, AdminCommand.drain(node.id, window), "Drain")

    return handler


def _selection_command(
    client: MeshClient, kind: type[T], what: str, make: Callable[[T], AdminCommand], verb: str
) -> Handler:
    """A command on the selected row of one kind (a daemon, a migration)."""

    async def handler(ctx: ActionContext) -> str:
        return await run_command(ctx, client, make(_selected(ctx, kind, what)), verb)

    return handler


def _cluster_command(client: MeshClient, make: Callable[[], AdminCommand], verb: str) -> Handler:
    async def handler(ctx: ActionContext) -> str:
        return await run_command(ctx, client, make(), verb)

    return handler


def _freeze(client: MeshClient) -> Handler:
    async def handler(ctx: ActionContext) -> str:
        answer = await ctx.prompt(
            "Freeze the cluster for how long? (90s, 5m, 1h)",
            default="5m",
            validate=_validator(FREEZE_TTL_MAX),
        )
        if answer is None:
            ctx.notify("Freeze cluster: cancelled, nothing was sent", "info")
            return ""
        ttl = parse_seconds(answer, high=FREEZE_TTL_MAX)
        return await run_command(ctx, client, AdminCommand.freeze(ttl), "Freeze")

    return handler


def _thaw(client: MeshClient) -> Handler:
    async def handler(ctx: ActionContext) -> str:
        live = client
        if live.snapshot().frozen_until is None:
            raise ActionError("the cluster is not frozen")
        return await run_command(ctx, live, AdminCommand.thaw(), "Thaw")

    return handler


# ---- views ------------------------------------------------------------------------------------------


def _details(client: MeshClient) -> Handler:
    def handler(ctx: ActionContext) -> None:
        snapshot = client.snapshot()
        item = ctx.selection
        if isinstance(item, NodeView):
            item = snapshot.node(item.id) or item
        elif isinstance(item, DaemonView):
            item = snapshot.daemon(item.id) or item
        described = describe(item, snapshot)
        if described is None:
            raise ActionError("nothing selected")
        title, value = described
        ctx.show_json(f"{title}  (Esc closes)", value)

    return handler


def _ident(item: Any) -> tuple[str, str] | None:
    """The ids whose log lines belong to a selected row, and how to name them."""
    if isinstance(item, (NodeView, DaemonView)):
        return item.id, item.id
    if isinstance(item, GroupView):
        return ",".join(item.members), item.name
    if isinstance(item, MigrationView):
        return item.daemon_id, f"{item.daemon} ({item.id})"
    if isinstance(item, NrpcCall):
        return item.caller, item.caller
    if isinstance(item, AuditEntry):
        return item.target, item.target
    if isinstance(item, ChainView) and item.holders:
        return ",".join(item.holders), item.name
    if isinstance(item, (AdapterView, BlobView)):
        return item.node, item.node
    return None


def _main_logs(ctx: ActionContext) -> LogsPanel:
    found = [p for p in ctx.panels("mesh.logs") if isinstance(p, LogsPanel) and p.follow == "none"]
    if not found:
        raise ActionError("this layout has no LOGS panel")
    return found[0]


def _logs_for_selection(ctx: ActionContext) -> str:
    logs = _main_logs(ctx)
    if ctx.panel is logs:
        logs.apply_filter("")
        return "LOGS: every line again"
    target = _ident(ctx.selection)
    if target is None:
        raise ActionError("select a node, daemon, group or migration first")
    ids, name = target
    ctx.focus_panel(logs)
    logs.apply_filter(ID_PREFIX + ids)
    return f"LOGS for {name} ({len(logs.log)} lines; l again shows all)"


def _pause(ctx: ActionContext) -> str:
    panel = ctx.panel
    if not isinstance(panel, (LogsPanel, NrpcPanel)):
        raise ActionError("p pauses LOGS and NRPC")
    paused = panel.toggle_pause()
    return f"{panel.title}: {'paused (p resumes)' if paused else 'live again'}"


def _cycle_level(ctx: ActionContext) -> str:
    panel = ctx.panel
    if not isinstance(panel, LogsPanel):
        raise ActionError("v changes the level on LOGS")
    return f"{panel.title}: showing {panel.cycle_level().upper()} and above"


def _export(client: MeshClient) -> Handler:
    async def handler(ctx: ActionContext) -> str:
        panel = ctx.panel
        if not isinstance(panel, Exportable):
            raise ActionError("focus a mesh table to export it (Tab moves the focus)")
        columns, rows = panel.export_rows()
        title = (
            f"mesh-demo {getattr(panel, 'title', panel.export_name)} · {time.strftime('%Y-%m-%d %H:%M:%S')}"
        )
        path = await ctx.run_blocking(
            export_table, panel.export_name, title, columns, rows, directory=client.export_dir
        )
        return f"exported {len(rows)} rows to {path}"

    return handler


def build_actions(client: MeshClient) -> list[Action]:
    """Every mesh action; `client` returns the live client once the sources exist."""

    def admin(
        action_id: str,
        key: str,
        scope: str | None,
        handler: Handler,
        description: str,
        *,
        title: str,
        destructive: bool = False,
    ) -> Action:
        return Action(
            action_id,
            title,
            handler,
            keys=(key,),
            scope=scope or GLOBAL,
            mutating=True,
            destructive=destructive,
            description=description,
        )

    def node(action_id: str, title: str, key: str, name: str, description: str = "") -> Action:
        def make(selected: NodeView) -> AdminCommand:
            return AdminCommand(name, selected.id)

        return admin(
            action_id,
            key,
            "mesh.nodes",
            _selection_command(client, NodeView, "a node", make, title.split()[0]),
            description or f"{title} the selected node (signed, audited)",
            title=title,
            destructive=COMMANDS[name].destructive,
        )

    def on(kind: type[T], what: str, make: Callable[[T], AdminCommand], verb: str) -> Handler:
        return _selection_command(client, kind, what, make, verb)

    details = [
        Action(
            f"{scope}.details",
            "Details",
            _details(client),
            keys=("enter",),
            scope=scope,
            description="everything about the selected row, as foldable JSON",
        )
        for scope in DETAIL_SCOPES
    ]
    return [
        *details,
        node("mesh.cordon", "Cordon", "c", "cordon"),
        node("mesh.uncordon", "Uncordon", "u", "uncordon"),
        admin(
            "mesh.drain",
            "d",
            "mesh.nodes",
            _drain(client),
            "stop the node's workload over a window you give, then keep it drained",
            title="Drain",
        ),
        node("mesh.maintenance_on", "Maint on", "m", "maintenance-on"),
        node("mesh.maintenance_off", "Maint off", "M", "maintenance-off"),
        node("mesh.restart_daemons", "Restart daemons", "R", "restart-daemons"),
        node(
            "mesh.clear_avoid",
            "Clear avoid list",
            "a",
            "clear-avoid",
            "the selected node forgets the peers it avoids; it may place work on them again",
        ),
        node(
            "mesh.drop_replicas",
            "Drop replicas",
            "D",
            "drop-replicas",
            "the selected node deletes its chain replicas; each chain re-replicates elsewhere",
        ),
        admin(
            "mesh.invalidate_placement",
            "i",
            "mesh.daemons",
            on(DaemonView, "a daemon", lambda d: AdminCommand.invalidate_placement(d.id), "Re-place"),
            "forget where the selected daemon is placed: it migrates to the next peer its node allows",
            title="Invalidate placement",
        ),
        admin(
            "mesh.force_restart",
            "X",
            "mesh.daemons",
            on(DaemonView, "a daemon", lambda d: AdminCommand.force_restart(d.id), "Force-restart"),
            "break-glass: kill and restart the selected daemon now, without draining",
            title="Force-restart",
            destructive=True,
        ),
        admin(
            "mesh.force_evict",
            "E",
            "mesh.daemons",
            on(DaemonView, "a replica", lambda d: AdminCommand.force_evict(d.id), "Evict"),
            "break-glass: kill the selected replica now; a new one starts on another peer",
            title="Force-evict replica",
            destructive=True,
        ),
        admin(
            "mesh.kill_migration",
            "X",
            "mesh.migrations",
            on(MigrationView, "a migration", lambda m: AdminCommand.kill_migration(m.id), "Kill"),
            "break-glass: abort the selected migration; its daemon stays on the source",
            title="Kill migration",
            destructive=True,
        ),
        admin(
            "mesh.force_cutover",
            "C",
            "mesh.migrations",
            on(MigrationView, "a migration", lambda m: AdminCommand.force_cutover(m.id), "Cut over"),
            "break-glass: switch the selected migration's daemon to its target now, skipping the rest",
            title="Force cutover",
            destructive=True,
        ),
        admin(
            "mesh.freeze",
            "F",
            None,
            _freeze(client),
            "break-glass: no migrations or chain repairs anywhere until the TTL or a thaw",
            title="Freeze cluster",
        ),
        admin(
            "mesh.thaw",
            "T",
            None,
            _thaw(client),
            "break-glass: lift the freeze now; parked migrations resume",
            title="Thaw cluster",
        ),
        admin(
            "mesh.flush_avoid",
            "A",
            None,
            _cluster_command(client, AdminCommand.flush_avoid, "Flush"),
            "break-glass: every node forgets the peers it avoids; placements may land on them at once",
            title="Flush avoid lists",
        ),
        Action(
            "mesh.logs_for",
            "Logs for selection",
            _logs_for_selection,
            keys=("l",),
            description="jump to LOGS showing only the selected node's, daemon's or group's lines",
        ),
        Action(
            "mesh.export",
            "Export table",
            _export(client),
            keys=("e",),
            description="write the focused mesh table to deck-<tab>-<time>.txt in export_dir",
            mutating=True,  # it writes a file: --read-only blocks it
        ),
        Action("mesh.logs.pause", "Pause", _pause, keys=("p",), scope="mesh.logs"),
        Action("mesh.logs.level", "Level", _cycle_level, keys=("v",), scope="mesh.logs"),
        Action("mesh.nrpc.pause", "Pause", _pause, keys=("p",), scope="mesh.nrpc"),
    ]
