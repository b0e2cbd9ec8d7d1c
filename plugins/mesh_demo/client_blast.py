"""Blast radius: what a command would touch, in plain words, without changing anything."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from . import client_chains as chains
from . import client_daemons as daemons
from . import client_migrations as migrations
from . import client_nrpc as nrpc
from . import client_placement as placement
from .client_admin import (
    DRAIN_WINDOW_MAX,
    FREEZE_TTL_MAX,
    check,
    cutover_migration,
    dropped_chains,
    new_home,
    resolve_daemon,
    resolve_migration,
    resolve_node,
)
from .client_blobs import GiB
from .client_state import DaemonState
from .client_world import World
from .model import BlastRadius
from .model_commands import AdminCommand, CommandError

__all__ = ["blast_radius"]


@dataclass
class _Effects:
    """Collects the lines and the ids they name, without duplicates."""

    summary: str = ""
    details: list[str] = field(default_factory=list)
    ids: dict[str, list[str]] = field(
        default_factory=lambda: {"nodes": [], "daemons": [], "migrations": [], "chains": []}
    )

    def add(self, line: str, **named: list[str]) -> None:
        self.details.append(line)
        for kind, idents in named.items():
            bucket = self.ids[kind]
            bucket.extend(i for i in idents if i not in bucket)


def blast_radius(world: World, command: AdminCommand) -> BlastRadius:
    """Describe `command`'s effect on the mesh as it is now; the mesh is left untouched."""
    effects = _Effects()
    try:
        check(world, command)
        _EXPLAIN[command.name](world, command, effects)
    except CommandError as error:
        return BlastRadius(
            command.name, command.target, command.break_glass, False, str(error), (), (), (), (), ()
        )
    ids = effects.ids
    return BlastRadius(
        command=command.name,
        target=command.target,
        break_glass=command.break_glass,
        valid=True,
        summary=effects.summary,
        details=tuple(effects.details),
        nodes=tuple(ids["nodes"]),
        daemons=tuple(ids["daemons"]),
        migrations=tuple(ids["migrations"]),
        chains=tuple(ids["chains"]),
    )


def _cordon(world: World, command: AdminCommand, e: _Effects) -> None:
    node = resolve_node(world, command)
    if node.cordoned:
        e.summary = f"{node.id} is already cordoned; nothing changes"
        return
    e.summary = f"Cordon {node.id}: it stops receiving new placements"
    e.add(f"{len(world.daemons_on(node.id))} daemons on {node.id} keep running", nodes=[node.id])
    if node.index == 0:
        e.add(f"new migrations stop: {node.id} is their source")
    else:
        e.add(f"the migration rotation skips {node.id}")
    for m in world.migrations:
        if m.active and m.target == node.id:
            e.add(f"in-flight {m.id} still lands on {node.id}", migrations=[m.id])


def _uncordon(world: World, command: AdminCommand, e: _Effects) -> None:
    node = resolve_node(world, command)
    if not (node.cordoned or node.drained or node.draining_until is not None):
        e.summary = f"{node.id} is not cordoned; nothing changes"
        return
    e.summary = f"Uncordon {node.id}: it accepts placements again"
    e.ids["nodes"].append(node.id)
    if node.draining_until is not None:
        e.add(f"the drain of {node.id} in progress is cancelled")
    back = [d for d in world.daemons_on(node.id) if d.stopped_by_drain or d.state == "draining"]
    if back:
        e.add(
            f"{len(back)} daemons stopped by the drain start again: {_names(back)}",
            daemons=[d.id for d in back],
        )


def _drain(world: World, command: AdminCommand, e: _Effects) -> None:
    node = resolve_node(world, command)
    window = command.seconds("window_s", low=1, high=DRAIN_WINDOW_MAX)
    if node.drained or node.draining_until is not None:
        e.summary = f"{node.id} is already {'drained' if node.drained else 'draining'}"
        return
    e.summary = f"Drain {node.id} over {window} s: cordon it, then stop its workload daemons"
    e.ids["nodes"].append(node.id)
    victims = daemons.drainable(world, node.id)
    if victims:
        e.add(
            f"{len(victims)} daemons stop one by one within {window} s: {_names(victims)}",
            daemons=[d.id for d in victims],
        )
        _group_effects(world, victims, "until the node is uncordoned", e)
    else:
        e.add(f"no workload daemons run on {node.id}; its node_agent stays")
    for chain in chains.holds_here(world, node.id):
        e.add(f"once drained, chain {chain.name} re-replicates off {node.id}", chains=[chain.name])


def _maintenance_on(world: World, command: AdminCommand, e: _Effects) -> None:
    node = resolve_node(world, command)
    if node.maintenance:
        e.summary = f"{node.id} is already in maintenance; nothing changes"
        return
    e.summary = f"{node.id} enters maintenance: no new placements, replicas move off"
    e.add(f"{len(world.daemons_on(node.id))} daemons on {node.id} keep running", nodes=[node.id])
    if node.index in nrpc.RESPONDERS:
        others = [world.nodes[i] for i in nrpc.RESPONDERS if i != node.index]
        live = [n.id for n in others if nrpc.serves(n)]
        where = f"route to {', '.join(live)}" if live else "fail: no responder left"
        e.add(f"{nrpc.METHOD} calls to {node.id} {where}")
    for chain in chains.holds_here(world, node.id):
        e.add(
            f"chain {chain.name} drops holder {node.id} and re-replicates elsewhere",
            chains=[chain.name],
        )


def _maintenance_off(world: World, command: AdminCommand, e: _Effects) -> None:
    node = resolve_node(world, command)
    if not node.maintenance:
        e.summary = f"{node.id} is not in maintenance; nothing changes"
        return
    e.summary = f"{node.id} leaves maintenance: it may hold replicas and serve calls again"
    e.ids["nodes"].append(node.id)


def _restart_daemons(world: World, command: AdminCommand, e: _Effects) -> None:
    node = resolve_node(world, command)
    targets = [d for d in world.daemons_on(node.id) if d.state != "stopped"]
    downtime = daemons.RESTART_SECONDS
    e.summary = f"Restart {len(targets)} daemons on {node.id}, each down ~{downtime:.1f} s"
    e.ids["nodes"].append(node.id)
    _restart_effects(world, targets, downtime, e)


def _freeze(world: World, command: AdminCommand, e: _Effects) -> None:
    ttl = command.seconds("ttl_s", low=1, high=FREEZE_TTL_MAX)
    verb = "Extend the freeze to" if world.frozen else "Freeze the cluster for"
    e.summary = f"{verb} {ttl} s from now: no placement changes anywhere"
    e.add(
        f"all {len(world.nodes)} nodes: no migrations and no chain repairs until thaw",
        nodes=[n.id for n in world.nodes],
    )
    for m in world.migrations:
        if m.active and not m.paused:
            e.add(
                f"{m.id} ({m.daemon}, {m.source} → {m.target}) parks at {m.phase} {m.progress:.0f}%",
                migrations=[m.id],
            )
    skipped = migrations.launches_within(world, ttl)
    if skipped and world.next_migration_at is not None:
        first = world.next_migration_at - world.now
        e.add(f"{skipped} scheduled migrations are skipped (next in {first:.0f} s)")
    for chain in world.chains:
        if len(chain.holders) < chain.desired and chain.repairing is None:
            held = f"{len(chain.holders)}/{chain.desired}"
            e.add(f"chain {chain.name} stays at {held} until thaw", chains=[chain.name])


def _thaw(world: World, command: AdminCommand, e: _Effects) -> None:
    if not world.frozen or world.frozen_until is None:
        e.summary = "the cluster is not frozen; nothing changes"
        return
    e.summary = f"Thaw the cluster now, {world.frozen_until - world.now:.0f} s before its TTL"
    e.ids["nodes"].extend(n.id for n in world.nodes)
    for m in world.migrations:
        if m.active and m.paused:
            e.add(f"{m.id} resumes at {m.phase} {m.progress:.0f}%", migrations=[m.id])
    for chain in world.chains:
        if len(chain.holders) < chain.desired:
            e.add(f"chain {chain.name} resumes its repair", chains=[chain.name])


def _kill_migration(world: World, command: AdminCommand, e: _Effects) -> None:
    m = resolve_migration(world, command)
    e.summary = f"Kill {m.id}: stop it at {m.phase} {m.progress:.0f}% (retry {m.retries})"
    e.add(
        f"{m.daemon} {m.daemon_id} rolls back and keeps running on {m.source}",
        daemons=[m.daemon_id],
        nodes=[m.source],
        migrations=[m.id],
    )
    e.add(f"the partial copy on {m.target} ({m.size / GiB:.1f} GiB) is discarded", nodes=[m.target])


def _force_restart(world: World, command: AdminCommand, e: _Effects) -> None:
    d = resolve_daemon(world, command)
    e.summary = (
        f"Force-restart {d.name} {d.id} on {d.node}: killed now without draining (restart #{d.restarts + 1})"
    )
    _restart_effects(world, [d], daemons.FORCED_RESTART_SECONDS, e)


def _clear_avoid(world: World, command: AdminCommand, e: _Effects) -> None:
    node = resolve_node(world, command)
    avoided = placement.avoided(world, node)
    if not avoided:
        e.summary = f"{node.id} avoids no peer; nothing changes"
        return
    e.summary = f"Clear {node.id}'s avoid list: it may place work on {len(avoided)} peers again"
    e.ids["nodes"].append(node.id)
    _avoid_effects(world, node.id, avoided, e)


def _avoid_effects(world: World, node_id: str, avoided: dict[str, float], e: _Effects) -> None:
    for peer, until in avoided.items():
        state = world.node(peer)
        health = state.health if state is not None else "gone"
        e.add(
            f"{node_id} stops avoiding {peer} ({health}; {until - world.now:.0f} s were left)", nodes=[peer]
        )
    if node_id == world.nodes[0].id:
        e.add("the next migrations may land on those peers")


def _flush_avoid(world: World, command: AdminCommand, e: _Effects) -> None:
    lists = {n.id: placement.avoided(world, n) for n in world.nodes}
    lists = {node: avoided for node, avoided in lists.items() if avoided}
    if not lists:
        e.summary = "no node avoids any peer; nothing changes"
        return
    entries = sum(len(avoided) for avoided in lists.values())
    e.summary = f"Flush every avoid list: {entries} entries on {len(lists)} nodes, all at once"
    e.ids["nodes"].extend(lists)
    for node_id, avoided in lists.items():
        _avoid_effects(world, node_id, avoided, e)
    e.add("placements and chain repairs may land at once on peers that failed recently")


def _drop_replicas(world: World, command: AdminCommand, e: _Effects) -> None:
    node, held = dropped_chains(world, command)
    if not held:
        e.summary = f"{node.id} holds no replicas; nothing changes"
        return
    e.summary = f"Drop the {len(held)} chain replicas on {node.id}: their data there is deleted"
    e.ids["nodes"].append(node.id)
    for chain in held:
        left = len(chain.holders) - 1
        others = [h for h in chain.holders if h != node.id]
        lead = f"; leader moves to {others[0]}" if chain.leader == node.id else ""
        e.add(
            f"chain {chain.name} drops to {left}/{chain.desired} held and re-replicates elsewhere{lead}",
            chains=[chain.name],
        )
    e.add(f"the chain leaders avoid {node.id} for {placement.AVOID_SECONDS:.0f} s")


def _invalidate_placement(world: World, command: AdminCommand, e: _Effects) -> None:
    daemon, target = new_home(world, command)
    e.summary = f"Re-place {daemon.name} {daemon.id}: it migrates {daemon.node} → {target.id}"
    e.add(
        f"{daemon.name} keeps running on {daemon.node} until the cutover, then runs on {target.id}",
        daemons=[daemon.id],
        nodes=[daemon.node, target.id],
    )
    skipped = placement.avoided(world, world.node(daemon.node) or target)
    if skipped:
        e.add(f"{daemon.node} avoids {', '.join(skipped)}; the placement skips them")
    if daemon.group_kind != "standalone":
        e.add(f"{daemon.group}: one member moves; the others stay where they are")


def _force_evict(world: World, command: AdminCommand, e: _Effects) -> None:
    daemon, target = new_home(world, command)
    e.summary = f"Force-evict {daemon.name} {daemon.id} from {daemon.node}: killed now, without draining"
    e.add(
        f"a new replica starts on {target.id} (up in ~{daemons.START_SECONDS:.0f} s)",
        daemons=[daemon.id],
        nodes=[daemon.node, target.id],
    )
    _group_effects(world, [daemon], "until the new replica is up", e)


def _force_cutover(world: World, command: AdminCommand, e: _Effects) -> None:
    m = cutover_migration(world, command)
    e.summary = f"Force cutover {m.id}: {m.daemon} switches to {m.target} now, at {m.phase} {m.progress:.0f}%"
    e.add(
        f"{m.daemon} {m.daemon_id} stops on {m.source} and runs on {m.target}",
        daemons=[m.daemon_id],
        nodes=[m.source, m.target],
        migrations=[m.id],
    )
    if m.phase in ("Restore", "Replay"):
        e.add(f"what {m.phase.lower()} has not reached yet is lost: the daemon starts from where it got")
    if m.paused:
        e.add(f"{m.id} is parked by the freeze; the cutover goes ahead anyway")


def _restart_effects(world: World, targets: list[DaemonState], downtime: float, e: _Effects) -> None:
    for d in targets:
        e.add(f"{d.name} {d.id} on {d.node} is down ~{downtime:.1f} s", daemons=[d.id], nodes=[d.node])
        if d.kind == "agent":
            e.add(f"{d.node}'s node_agent logs pause ~{downtime:.1f} s")
        migration = migrations.migration_of(world, d.id)
        if migration is not None:
            e.add(
                f"in-flight {migration.id} is aborted; {d.name} stays on {migration.source}",
                migrations=[migration.id],
            )
    _group_effects(world, targets, f"for ~{downtime:.1f} s", e)


def _group_effects(world: World, targets: list[DaemonState], span: str, e: _Effects) -> None:
    """What losing `targets` does to their replica, fork and standby groups."""
    hit: dict[str, list[DaemonState]] = {}
    for d in targets:
        if d.group_kind != "standalone":
            hit.setdefault(d.group, []).append(d)
    for group, lost in hit.items():
        members = [d for d in world.daemons.values() if d.group == group]
        running = [d for d in members if d.state == "running"]
        left = len([d for d in running if d not in lost])
        kind = lost[0].group_kind
        if kind == "replica":
            e.add(f"chain {group} drops to {left}/{len(members)} held {span}", chains=[group])
        elif kind == "fork":
            e.add(f"{group}: {len(lost)} of {len(members)} forks pause {span}")
        elif any(d.role == "active" for d in lost):
            successor = next((d for d in sorted(running, key=lambda d: d.ordinal) if d not in lost), None)
            if successor is None:
                e.add(f"{group}: no warm member left, no active member {span}")
            else:
                e.add(f"{group}: warm {successor.id} takes over as active", daemons=[successor.id])
        else:
            e.add(f"{group}: {len(lost)} fewer warm members {span}")


def _names(targets: list[DaemonState]) -> str:
    return ", ".join(f"{d.name} {d.id}" for d in targets)


_EXPLAIN: dict[str, Callable[[World, AdminCommand, _Effects], None]] = {
    "cordon": _cordon,
    "uncordon": _uncordon,
    "drain": _drain,
    "maintenance-on": _maintenance_on,
    "maintenance-off": _maintenance_off,
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
