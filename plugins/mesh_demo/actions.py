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

from deck import Action, ActionContext, ActionError

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
from .model_commands import CLUSTER, AdminCommand
from .panels_base import Exportable
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


def _blast_text(blast: BlastRadius, client: MeshClient) -> str:
    lines = []
    if blast.break_glass:
        lines += ["BREAK-GLASS. Simulated blast radius:", ""]
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
        _blast_text(blast, client),
        title=command.title if command.target == CLUSTER else f"{command.title}: {command.target}",
        destructive=command.break_glass,
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


def _node_command(client: MeshClient, make: Callable[[NodeView], AdminCommand], verb: str) -> Handler:
    async def handler(ctx: ActionContext) -> str:
        node = _selected(ctx, NodeView, "a node")
        return await run_command(ctx, client, make(node), verb)

    return handler


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


def _force_restart(client: MeshClient) -> Handler:
    async def handler(ctx: ActionContext) -> str:
        daemon = _selected(ctx, DaemonView, "a daemon")
        return await run_command(ctx, client, AdminCommand.force_restart(daemon.id), "Force-restart")

    return handler


def _kill_migration(client: MeshClient) -> Handler:
    async def handler(ctx: ActionContext) -> str:
        migration = _selected(ctx, MigrationView, "a migration")
        return await run_command(ctx, client, AdminCommand.kill_migration(migration.id), "Kill")

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

    def node(action_id: str, title: str, key: str, make: Callable[[NodeView], AdminCommand]) -> Action:
        verb = title.split()[0]
        return Action(
            action_id,
            title,
            _node_command(client, make, verb),
            keys=(key,),
            scope="mesh.nodes",
            mutating=True,
            description=f"{title} the selected node (signed, audited)",
        )

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
        node("mesh.cordon", "Cordon", "c", lambda n: AdminCommand.cordon(n.id)),
        node("mesh.uncordon", "Uncordon", "u", lambda n: AdminCommand.uncordon(n.id)),
        Action(
            "mesh.drain",
            "Drain",
            _drain(client),
            keys=("d",),
            scope="mesh.nodes",
            mutating=True,
            description="stop the node's workload over a window you give, then keep it drained",
        ),
        node("mesh.maintenance_on", "Maint on", "m", lambda n: AdminCommand.maintenance(n.id, True)),
        node("mesh.maintenance_off", "Maint off", "M", lambda n: AdminCommand.maintenance(n.id, False)),
        node("mesh.restart_daemons", "Restart daemons", "R", lambda n: AdminCommand.restart_daemons(n.id)),
        Action(
            "mesh.force_restart",
            "Force-restart",
            _force_restart(client),
            keys=("X",),
            scope="mesh.daemons",
            mutating=True,
            description="break-glass: kill and restart the selected daemon now, without draining",
        ),
        Action(
            "mesh.kill_migration",
            "Kill migration",
            _kill_migration(client),
            keys=("X",),
            scope="mesh.migrations",
            mutating=True,
            description="break-glass: abort the selected migration; its daemon stays on the source",
        ),
        Action(
            "mesh.freeze",
            "Freeze cluster",
            _freeze(client),
            keys=("F",),
            mutating=True,
            description="break-glass: no migrations or chain repairs anywhere until the TTL or a thaw",
        ),
        Action(
            "mesh.thaw",
            "Thaw cluster",
            _thaw(client),
            keys=("T",),
            mutating=True,
            description="break-glass: lift the freeze now; parked migrations resume",
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
