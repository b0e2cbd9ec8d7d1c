"""Admin commands applied to the simulation, and the submit → verify → apply → audit path."""

from __future__ import annotations

from collections.abc import Callable

from . import client_daemons as daemons
from . import client_migrations as migrations
from . import client_nodes as nodes
from .client_crypto import SignedCommand, Verifier
from .client_state import DaemonState, MigrationState, NodeState
from .client_world import NODES, World
from .model import AuditEntry, Outcome, OutcomeStatus
from .model_commands import CLUSTER, COMMANDS, AdminCommand, CommandError

__all__ = [
    "DRAIN_WINDOW_MAX",
    "FREEZE_TTL_MAX",
    "apply_command",
    "check",
    "resolve_daemon",
    "resolve_migration",
    "resolve_node",
    "restart_one",
    "submit",
]

DRAIN_WINDOW_MAX = 86_400
FREEZE_TTL_MAX = 86_400


def resolve_node(world: World, command: AdminCommand) -> NodeState:
    node = world.node(command.target)
    if node is None:
        last = world.nodes[-1].id
        raise CommandError(f"no node {command.target!r} (nodes are node-0 … {last})", where=command.name)
    return node


def resolve_daemon(world: World, command: AdminCommand) -> DaemonState:
    daemon = world.daemons.get(command.target)
    if daemon is None:
        raise CommandError(f"no daemon {command.target!r}", where=command.name)
    return daemon


def resolve_migration(world: World, command: AdminCommand) -> MigrationState:
    migration = next((m for m in world.migrations if m.id == command.target), None)
    if migration is None:
        raise CommandError(f"no migration {command.target!r}", where=command.name)
    if not migration.active:
        raise CommandError(f"{migration.id} already {migration.phase}", where=command.name)
    return migration


def check(world: World, command: AdminCommand) -> None:
    """Raise CommandError unless `command` names a known command, target and valid arguments."""
    spec = COMMANDS.get(command.name)
    if spec is None:
        raise CommandError(f"unknown command {command.name!r}")
    if spec.target == "node":
        resolve_node(world, command)
    elif spec.target == "daemon":
        resolve_daemon(world, command)
    elif spec.target == "migration":
        resolve_migration(world, command)
    elif command.target != CLUSTER:
        raise CommandError(f"target must be {CLUSTER!r}, got {command.target!r}", where=command.name)
    if command.name == "drain":
        command.seconds("window_s", low=1, high=DRAIN_WINDOW_MAX)
    if command.name == "freeze":
        command.seconds("ttl_s", low=1, high=FREEZE_TTL_MAX)


def apply_command(world: World, command: AdminCommand) -> str:
    """Apply a verified command; returns what happened in a few words."""
    check(world, command)
    return _APPLY[command.name](world, command)


def restart_one(world: World, daemon: DaemonState, *, forced: bool) -> float:
    """Restart a daemon, aborting its migration first if it is moving; returns its downtime."""
    migration = migrations.migration_of(world, daemon.id)
    if migration is not None:
        migrations.abort(world, migration, f"{daemon.name} restarted by operator")
    return daemons.restart(world, daemon, forced=forced)


def _cordon(world: World, command: AdminCommand) -> str:
    node = resolve_node(world, command)
    if node.cordoned:
        return f"{node.id} was already cordoned"
    node.cordoned = True
    world.touch(NODES)
    return f"{node.id} cordoned"


def _uncordon(world: World, command: AdminCommand) -> str:
    node = resolve_node(world, command)
    if not (node.cordoned or node.drained or node.draining_until is not None):
        return f"{node.id} was not cordoned"
    node.cordoned, node.drained, node.draining_until = False, False, None
    back = [d for d in world.daemons_on(node.id) if d.stopped_by_drain or d.state == "draining"]
    for daemon in back:
        daemons.resume(world, daemon)
    world.touch(NODES)
    return f"{node.id} uncordoned" + (f"; {len(back)} daemons starting" if back else "")


def _drain(world: World, command: AdminCommand) -> str:
    node = resolve_node(world, command)
    window = command.seconds("window_s", low=1, high=DRAIN_WINDOW_MAX)
    if node.drained or node.draining_until is not None:
        return f"{node.id} is already {'drained' if node.drained else 'draining'}"
    stopping = nodes.begin_drain(world, node, window)
    return f"{node.id} draining over {window} s; {len(stopping)} daemons to stop"


def _maintenance(on: bool) -> Callable[[World, AdminCommand], str]:
    def apply(world: World, command: AdminCommand) -> str:
        node = resolve_node(world, command)
        if node.maintenance == on:
            return f"{node.id} was already {'in' if on else 'out of'} maintenance"
        node.maintenance = on
        world.touch(NODES)
        return f"{node.id} {'entered' if on else 'left'} maintenance"

    return apply


def _restart_daemons(world: World, command: AdminCommand) -> str:
    node = resolve_node(world, command)
    targets = [d for d in world.daemons_on(node.id) if d.state != "stopped"]
    for daemon in targets:
        restart_one(world, daemon, forced=False)
    return f"{len(targets)} daemons on {node.id} restarting"


def _freeze(world: World, command: AdminCommand) -> str:
    ttl = command.seconds("ttl_s", low=1, high=FREEZE_TTL_MAX)
    migrations.freeze(world, ttl)
    return f"cluster frozen for {ttl} s"


def _thaw(world: World, command: AdminCommand) -> str:
    if not world.frozen:
        return "cluster was not frozen"
    resumed = migrations.thaw(world, "thawed by operator")
    return f"cluster thawed; {resumed} migrations resumed"


def _kill_migration(world: World, command: AdminCommand) -> str:
    migration = resolve_migration(world, command)
    phase = migration.phase
    migrations.abort(world, migration, "killed by operator")
    return f"{migration.id} aborted at {phase}; {migration.daemon} stays on {migration.source}"


def _force_restart(world: World, command: AdminCommand) -> str:
    daemon = resolve_daemon(world, command)
    restart_one(world, daemon, forced=True)
    return f"{daemon.name} {daemon.id} force-restarted on {daemon.node}"


_APPLY: dict[str, Callable[[World, AdminCommand], str]] = {
    "cordon": _cordon,
    "uncordon": _uncordon,
    "drain": _drain,
    "maintenance-on": _maintenance(True),
    "maintenance-off": _maintenance(False),
    "restart-daemons": _restart_daemons,
    "freeze": _freeze,
    "thaw": _thaw,
    "kill-migration": _kill_migration,
    "force-restart": _force_restart,
}


def submit(world: World, verifier: Verifier, signed: SignedCommand, now: float) -> Outcome:
    """Verify, apply when verified, and audit whatever happened."""
    command = signed.command
    status: OutcomeStatus
    reason = verifier.verify(signed, now)
    if reason is not None:
        status = "rejected"
    else:
        try:
            reason, status = apply_command(world, command), "accepted"
        except CommandError as error:
            reason, status = str(error), "failed"
    entry = AuditEntry(
        seq=world.audit.next_seq + 1,
        when=world.now,
        issued_at=signed.issued_at,
        outcome=status,
        operator=signed.operator,
        command=command.name,
        target=command.target,
        args=command.args,
        reason=reason,
    )
    world.audit.append(entry)
    world.commands_applied += 1
    node = command.target if world.node(command.target) is not None else None
    world.note(
        "admin",
        f"{signed.operator}: {command.name} {command.target} {status} — {reason}",
        node=node,
        level="INFO" if status == "accepted" else "WARN",
    )
    return Outcome(status, reason, entry)
