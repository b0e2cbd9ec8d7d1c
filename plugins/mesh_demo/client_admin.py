"""Admin commands applied to the simulation, and the submit → verify → apply → audit path."""

from __future__ import annotations

from collections.abc import Callable

from . import client_chains as chains
from . import client_daemons as daemons
from . import client_migrations as migrations
from . import client_nodes as nodes
from . import client_placement as placement
from .client_crypto import SignedCommand, Verifier
from .client_state import ChainState, DaemonState, MigrationState, NodeState
from .client_world import NODES, World
from .model import AuditEntry, Outcome, OutcomeStatus
from .model_commands import CLUSTER, COMMANDS, AdminCommand, CommandError

__all__ = [
    "CUTOVER_READY",
    "DRAIN_WINDOW_MAX",
    "FREEZE_TTL_MAX",
    "apply_command",
    "check",
    "cutover_migration",
    "dropped_chains",
    "new_home",
    "resolve_daemon",
    "resolve_migration",
    "resolve_node",
    "restart_one",
    "submit",
]

DRAIN_WINDOW_MAX = 86_400
FREEZE_TTL_MAX = 86_400
#: Phases in which the target holds the daemon's whole state, so a cutover can be forced.
CUTOVER_READY = frozenset({"Restore", "Replay", "Cutover"})


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


def new_home(world: World, command: AdminCommand) -> tuple[DaemonState, NodeState]:
    """The daemon an invalidated placement or an eviction moves, and the peer it lands on."""
    daemon = resolve_daemon(world, command)
    where = command.name
    if command.name == "force-evict" and daemon.group_kind != "replica":
        raise CommandError(f"{daemon.name} is not a replica; force-evict moves replicas", where=where)
    if daemon.kind == "agent":
        raise CommandError(f"{daemon.name} is pinned to {daemon.node}", where=where)
    movable = ("running", "crash-loop") if command.name == "force-evict" else ("running",)
    if daemon.state not in movable:
        raise CommandError(f"{daemon.name} {daemon.id} is {daemon.state}; wait until it runs", where=where)
    source = world.node(daemon.node)
    target = None if source is None else placement.next_peer(world, source, take=False)
    if source is None or target is None:
        raise CommandError(f"no schedulable peer that {daemon.node} does not avoid", where=where)
    return daemon, target


def dropped_chains(world: World, command: AdminCommand) -> tuple[NodeState, list[ChainState]]:
    """The node whose replicas are dropped and the chains that lose one; refuses a last replica."""
    node = resolve_node(world, command)
    held = chains.holds_here(world, node.id)
    last = [c.name for c in held if c.holders == [node.id]]
    if last:
        raise CommandError(f"{node.id} holds the last replica of {', '.join(last)}", where=command.name)
    return node, held


def cutover_migration(world: World, command: AdminCommand) -> MigrationState:
    """An active migration whose state is already on its target."""
    migration = resolve_migration(world, command)
    if migration.phase not in CUTOVER_READY:
        raise CommandError(
            f"{migration.id} is at {migration.phase}: its state is not on {migration.target} yet "
            "(kill the migration instead)",
            where=command.name,
        )
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
    if command.name in ("invalidate-placement", "force-evict"):
        new_home(world, command)
    if command.name == "drop-replicas":
        dropped_chains(world, command)
    if command.name == "force-cutover":
        cutover_migration(world, command)
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


def _clear_avoid(world: World, command: AdminCommand) -> str:
    node = resolve_node(world, command)
    forgotten = placement.clear(world, node)
    if not forgotten:
        return f"{node.id} avoided no peer"
    return f"{node.id} no longer avoids {', '.join(forgotten)}"


def _drop_replicas(world: World, command: AdminCommand) -> str:
    node, held = dropped_chains(world, command)
    if not held:
        return f"{node.id} held no replicas"
    for chain in held:
        chains.drop_holder(world, chain, node.id)
        if chain.leader is not None:
            leader = world.node(chain.leader)
            if leader is not None:
                placement.avoid(world, leader, node.id)
    names = ", ".join(c.name for c in held)
    return f"{node.id} dropped {len(held)} replicas ({names}); they re-replicate elsewhere"


def _invalidate_placement(world: World, command: AdminCommand) -> str:
    daemon, target = new_home(world, command)
    source = daemon.node
    moving = migrations.relocate(world, daemon, target)
    return f"{daemon.name} {daemon.id} re-placed: {moving.id} moves it {source} → {target.id}"


def _flush_avoid(world: World, command: AdminCommand) -> str:
    flushed = {node.id: placement.clear(world, node) for node in world.nodes}
    entries = sum(len(peers) for peers in flushed.values())
    world.note("admin", f"avoid lists flushed on every node ({entries} entries)", level="WARN")
    return f"{entries} avoid entries flushed on {sum(1 for p in flushed.values() if p)} nodes"


def _force_evict(world: World, command: AdminCommand) -> str:
    daemon, target = new_home(world, command)
    replacement = daemons.evict(world, daemon, target.id)
    return f"{daemon.name} {daemon.id} evicted from {daemon.node}; {replacement.id} starting on {target.id}"


def _force_cutover(world: World, command: AdminCommand) -> str:
    migration = cutover_migration(world, command)
    where = migrations.cut_over(world, migration)
    return f"{migration.id} cut over at {where}: {migration.daemon} runs on {migration.target}"


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
    "clear-avoid": _clear_avoid,
    "drop-replicas": _drop_replicas,
    "invalidate-placement": _invalidate_placement,
    "flush-avoid": _flush_avoid,
    "force-evict": _force_evict,
    "force-cutover": _force_cutover,
}


def submit(
    world: World, verifier: Verifier, signed: SignedCommand, now: float, *, via: str | None = None
) -> Outcome:
    """Verify, apply when verified, and audit whatever happened; `via` names the peer that relayed
    the command (None: this deck's console)."""
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
        via=via,
    )
    world.audit.append(entry)
    world.commands_applied += 1
    node = command.target if world.node(command.target) is not None else None
    relayed = f" (relayed by {via})" if via else ""
    world.note(
        "admin",
        f"{signed.operator}: {command.name} {command.target} {status}{relayed} — {reason}",
        node=node,
        level="INFO" if status == "accepted" else "WARN",
    )
    return Outcome(status, reason, entry)
