"""Migrations: every 30 s a fresh daemon starts on node 0 and moves to a rotating peer."""

from __future__ import annotations

from . import client_blobs as blobs
from . import client_daemons as daemons
from . import client_placement as placement
from .client_state import DaemonState, MigrationState, NodeState
from .client_world import CLUSTER, DAEMONS, MIGRATIONS, World
from .model import Phase

__all__ = [
    "CADENCE",
    "FIRST_AFTER",
    "abort",
    "cut_over",
    "freeze",
    "launches_within",
    "migration_of",
    "relocate",
    "start",
    "thaw",
]

CADENCE = 30.0
FIRST_AFTER = 3.0
TICK = 0.5
MAX_RETRIES = 3
TRANSFER_FAILURE_SHARE = 0.12
KEEP_FINISHED = 16
WORKLOADS = (
    "kv_rebalancer",
    "embed_indexer",
    "shard_compactor",
    "eval_harness",
    "prompt_cache",
    "reward_scorer",
)
PHASE_SECONDS: dict[Phase, tuple[float, float]] = {
    "Snapshot": (1.5, 3.0),
    "Restore": (1.0, 3.0),
    "Replay": (1.0, 4.0),
    "Cutover": (0.5, 1.5),
}
NEXT_PHASE: dict[Phase, Phase] = {
    "Snapshot": "Transfer",
    "Transfer": "Restore",
    "Restore": "Replay",
    "Replay": "Cutover",
}


def start(world: World) -> None:
    world.next_migration_at = world.start + FIRST_AFTER
    world.queue.at(world.next_migration_at, _launch, world, 1)


def launches_within(world: World, seconds: float) -> int:
    """How many scheduled migration launches fall in the next `seconds`."""
    first = world.next_migration_at
    if first is None or first > world.now + seconds:
        return 0
    return 1 + int((world.now + seconds - first) // CADENCE)


def migration_of(world: World, daemon_id: str) -> MigrationState | None:
    return next((m for m in world.migrations if m.active and m.daemon_id == daemon_id), None)


def _launch(world: World, number: int) -> None:
    world.next_migration_at = world.now + CADENCE
    world.queue.at(world.next_migration_at, _launch, world, number + 1)
    source = world.nodes[0]
    target = None
    if world.frozen:
        why = "cluster frozen"
    elif not source.schedulable:
        why = f"{source.id} not schedulable"
    else:
        target = placement.next_peer(world, source)
        why = "no schedulable peer it does not avoid"
    if target is None:
        world.note("migration", f"migration skipped — {why}", node=source.id, level="WARN")
        return
    rng = world.rng
    name = f"{rng.choice(WORKLOADS)}-{number:04d}"
    daemon = daemons.add_daemon(
        world,
        name,
        "compute",
        source.id,
        started_at=world.now,
        state="migrating",
        lineage=f"origin {source.id}",
    )
    size = int(rng.uniform(0.25, 6.0) * blobs.GiB)
    migration = MigrationState(
        f"mig-{number:04d}", daemon.id, name, source.id, target.id, size, started_at=world.now
    )
    world.migrations.append(migration)
    world.note(
        "migration",
        f"{migration.id} {name}: {source.id} → {target.id}",
        node=target.id,
        daemon=daemon,
    )
    _enter(world, migration, "Snapshot")
    _trim(world)


def relocate(world: World, daemon: DaemonState, target: NodeState) -> MigrationState:
    """Move an existing daemon to `target` through the usual phases (an invalidated placement)."""
    world.relocations += 1
    daemon.state = "migrating"
    size = int(world.rng.uniform(0.5, 4.0) * blobs.GiB)
    migration = MigrationState(
        f"rel-{world.relocations:04d}",
        daemon.id,
        daemon.name,
        daemon.node,
        target.id,
        size,
        started_at=world.now,
        relocation=True,
    )
    world.migrations.append(migration)
    world.note(
        "migration",
        f"{migration.id} {daemon.name} {daemon.id}: re-placed {daemon.node} → {target.id}",
        node=target.id,
        daemon=daemon,
    )
    _enter(world, migration, "Snapshot")
    _trim(world)
    world.touch(DAEMONS)
    return migration


def _enter(world: World, migration: MigrationState, phase: Phase) -> None:
    rng = world.rng
    migration.phase = phase
    migration.phase_started_at = world.now
    migration.phase_elapsed = 0.0
    if phase == "Transfer":
        bandwidth = rng.uniform(0.6, 1.2) * blobs.GiB
        migration.phase_duration = min(12.0, max(2.0, migration.size / bandwidth))
        failing = rng.random() < TRANSFER_FAILURE_SHARE
        migration.fail_at = rng.uniform(0.1, 0.9) if failing else None
    else:
        migration.phase_duration = rng.uniform(*PHASE_SECONDS[phase])
        migration.fail_at = None
    migration.gen += 1
    _schedule_tick(world, migration)
    world.log(
        "INFO",
        f"{migration.id} {phase.lower()} ({migration.daemon} → {migration.target})",
        node=migration.source,
        daemon=world.daemons.get(migration.daemon_id),
        kind="migration",
    )
    world.touch(MIGRATIONS)


def _schedule_tick(world: World, migration: MigrationState) -> None:
    step = min(TICK, migration.phase_duration - migration.phase_elapsed)
    world.queue.after(step, _tick, world, migration, migration.gen, step)


def _tick(world: World, migration: MigrationState, gen: int, step: float) -> None:
    """Advance the current phase; a frozen cluster parks the migration until thaw."""
    if migration.gen != gen or not migration.active:
        return
    if world.frozen:
        migration.paused = True
        world.touch(MIGRATIONS)
        return
    migration.phase_elapsed += step
    world.touch(MIGRATIONS)
    if migration.phase == "Transfer":
        target = world.node(migration.target)
        lost = target is None or not target.reachable
        fail_at = migration.fail_at
        if lost or (fail_at is not None and migration.phase_elapsed >= fail_at * migration.phase_duration):
            _retry(world, migration, "peer unreachable" if lost else "stream reset by peer")
            return
    if migration.phase_elapsed >= migration.phase_duration - 1e-9:
        _phase_done(world, migration)
    else:
        _schedule_tick(world, migration)


def _retry(world: World, migration: MigrationState, reason: str) -> None:
    source = world.node(migration.source)
    if source is not None and not placement.avoids(world, source, migration.target):
        placement.avoid(world, source, migration.target)
        world.log(
            "WARN",
            f"{source.id} avoids {migration.target} for {placement.AVOID_SECONDS:.0f} s ({reason})",
            node=source.id,
            kind="migration",
        )
    migration.retries += 1
    if migration.retries > MAX_RETRIES:
        _finish(world, migration, "Failed", f"transfer failed {MAX_RETRIES + 1} times ({reason})")
        return
    world.note(
        "migration",
        f"{migration.id} transfer to {migration.target} failed ({reason}) — "
        f"retry {migration.retries}/{MAX_RETRIES}",
        node=migration.target,
        level="WARN",
    )
    _enter(world, migration, "Transfer")


def _phase_done(world: World, migration: MigrationState) -> None:
    phase = migration.phase
    if phase == "Snapshot":
        snapshot = blobs.new_blob(world, f"migrations/{migration.id}", migration.size, 2)
        blobs.put(world, world.adapters[0], snapshot)
    if phase != "Cutover":
        _enter(world, migration, NEXT_PHASE[phase])
        return
    _land(world, migration, f"migrated {migration.source} → {migration.target}")
    _finish(world, migration, "Complete", "")


def _land(world: World, migration: MigrationState, lineage: str) -> None:
    """The daemon runs on the target now; a fresh workload retires the one it replaces there."""
    daemon = world.daemons.get(migration.daemon_id)
    if daemon is None:
        return
    if not migration.relocation:
        for previous in world.daemons_on(migration.target):
            if previous.kind == "compute" and previous.state != "migrating":
                world.note(
                    "migration",
                    f"{previous.name} retired from {migration.target}",
                    node=migration.target,
                    daemon=previous,
                )
                daemons.remove(world, previous)
    daemon.node, daemon.state, daemon.lineage = migration.target, "running", lineage


def _finish(world: World, migration: MigrationState, phase: Phase, reason: str) -> None:
    migration.phase = phase
    migration.finished_at = migration.phase_started_at = world.now
    migration.paused = False
    migration.gen += 1
    daemon = world.daemons.get(migration.daemon_id)
    if phase == "Complete":
        world.note(
            "migration",
            f"{migration.id} complete: {migration.daemon} on {migration.target}",
            node=migration.target,
            daemon=daemon,
        )
    else:
        world.note(
            "migration",
            f"{migration.id} {phase.lower()}: {reason}",
            node=migration.source,
            daemon=daemon,
            level="ERROR" if phase == "Failed" else "WARN",
        )
    if phase == "Failed" and daemon is not None:
        if migration.relocation:
            _roll_back(migration, daemon)
        else:
            daemons.remove(world, daemon)
    world.touch(MIGRATIONS, DAEMONS)


def _roll_back(migration: MigrationState, daemon: DaemonState) -> None:
    if daemon.state == "migrating":
        daemon.state = "running"
        daemon.lineage = f"origin {migration.source} (rolled back)"


def abort(world: World, migration: MigrationState, reason: str) -> None:
    """Stop a migration where it is; its daemon rolls back to running on the source."""
    daemon = world.daemons.get(migration.daemon_id)
    if daemon is not None:
        _roll_back(migration, daemon)
    _finish(world, migration, "Aborted", reason)


def cut_over(world: World, migration: MigrationState) -> str:
    """Finish a migration now, skipping what is left of its phases; returns where it was cut."""
    where = f"{migration.phase} {migration.progress:.0f}%"
    _land(world, migration, f"forced cutover {migration.source} → {migration.target} at {where}")
    world.note(
        "migration",
        f"{migration.id} forced cutover at {where}: {migration.daemon} on {migration.target}",
        node=migration.target,
        daemon=world.daemons.get(migration.daemon_id),
        level="WARN",
    )
    _finish(world, migration, "Complete", "")
    return where


def _trim(world: World) -> None:
    finished = [m for m in world.migrations if not m.active]
    for old in finished[: max(0, len(finished) - KEEP_FINISHED)]:
        world.migrations.remove(old)


def freeze(world: World, ttl: float) -> None:
    """Freeze placement: migrations park, new ones are skipped, chain repairs wait."""
    world.frozen_until = world.now + ttl
    world.freeze_gen += 1
    world.queue.at(world.frozen_until, _thaw_due, world, world.freeze_gen)
    world.note("freeze", f"cluster frozen for {ttl:.0f} s", level="WARN")
    world.touch(CLUSTER, MIGRATIONS)


def thaw(world: World, reason: str) -> int:
    """Lift a freeze and resume parked migrations; returns how many resumed."""
    world.frozen_until = None
    world.freeze_gen += 1
    resumed = 0
    for migration in world.migrations:
        if migration.active and migration.paused:
            migration.paused = False
            migration.gen += 1
            _schedule_tick(world, migration)
            resumed += 1
    world.note("freeze", f"cluster thawed ({reason})")
    world.touch(CLUSTER, MIGRATIONS)
    return resumed


def _thaw_due(world: World, gen: int) -> None:
    if world.freeze_gen == gen:
        thaw(world, "TTL expired")
