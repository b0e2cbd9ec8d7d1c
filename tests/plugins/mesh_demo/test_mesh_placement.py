"""Placement commands: avoid lists, invalidated placements, dropped replicas, the ICE set."""

from __future__ import annotations

import pytest
from mesh_clock import START, settle

from deck.plugins.mesh_demo import COMMANDS, AdminCommand, Mesh, Operator, OperatorRegistry

#: With seed 3, node-0's transfer to node-4 fails 96.5 s in, and node-0 avoids node-4 from then on.
FIRST_AVOID = 97.0
#: With seed 1, a peer is unreachable 153.5 s in.
SEED_1_NODE_LOST = 153.5


def submit(mesh: Mesh, operator: Operator, command: AdminCommand):
    return mesh.submit(operator.sign(command, mesh.now), mesh.now)


def test_a_failed_transfer_puts_the_target_on_the_sources_avoid_list(mesh: Mesh) -> None:
    snap = settle(mesh, FIRST_AVOID)
    assert snap.node("node-0").avoiding == ("node-4",)
    assert any("node-0 avoids node-4 for 180 s" in line.message for line in snap.logs)
    later = settle(mesh, 181.0)
    assert "node-4" not in later.node("node-0").avoiding  # the entry runs out by itself


def test_migrations_skip_an_avoided_peer_until_its_avoid_list_is_cleared(
    mesh: Mesh, operator: Operator
) -> None:
    settle(mesh, FIRST_AVOID)
    blast = mesh.simulate(AdminCommand.clear_avoid("node-0"))
    assert blast.valid and not blast.break_glass
    assert blast.summary == "Clear node-0's avoid list: it may place work on 1 peers again"
    assert blast.nodes == ("node-0", "node-4")
    outcome = submit(mesh, operator, AdminCommand.clear_avoid("node-0"))
    assert (outcome.status, outcome.reason) == ("accepted", "node-0 no longer avoids node-4")
    assert mesh.snapshot().node("node-0").avoiding == ()
    again = submit(mesh, operator, AdminCommand.clear_avoid("node-0"))
    assert again.accepted and again.reason == "node-0 avoided no peer"


def test_an_unreachable_peer_is_avoided_by_every_node_until_the_lists_are_flushed(
    operator: Operator,
) -> None:
    registry = OperatorRegistry()
    registry.register(operator.operator_id, operator.public_key)
    mesh = Mesh(seed=1, start=START, registry=registry)
    snap = settle(mesh, SEED_1_NODE_LOST)
    lost = next(n.id for n in snap.nodes if n.health == "unreachable")
    avoiding = [n.id for n in snap.nodes if lost in n.avoiding]
    assert avoiding == [n.id for n in snap.nodes if n.id != lost]
    blast = mesh.simulate(AdminCommand.flush_avoid())
    assert blast.valid and blast.break_glass
    assert blast.summary.startswith("Flush every avoid list: ")
    assert any(f"node-0 stops avoiding {lost} (unreachable" in line for line in blast.details)
    outcome = submit(mesh, operator, AdminCommand.flush_avoid())
    assert outcome.accepted and outcome.reason.endswith("flushed on 8 nodes")
    assert all(n.avoiding == () for n in mesh.snapshot().nodes)
    assert submit(mesh, operator, AdminCommand.flush_avoid()).reason == "0 avoid entries flushed on 0 nodes"


def test_invalidate_placement_moves_the_daemon_to_the_next_peer_through_every_phase(
    mesh: Mesh, operator: Operator
) -> None:
    snap = mesh.snapshot()
    replica = next(d for d in snap.daemons if d.name == "inference_worker#replica")
    blast = mesh.simulate(AdminCommand.invalidate_placement(replica.id))
    assert blast.valid and not blast.break_glass
    target = blast.nodes[-1]
    assert blast.summary == f"Re-place inference_worker#replica {replica.id}: it migrates node-0 → {target}"
    outcome = submit(mesh, operator, AdminCommand.invalidate_placement(replica.id))
    assert outcome.accepted and "rel-0001 moves it node-0 → " + target in outcome.reason
    moving = mesh.snapshot()
    assert moving.daemon(replica.id).state == "migrating"
    assert next(m for m in moving.migrations if m.id == "rel-0001").target == target
    done = settle(mesh, 30.0)
    assert next(m for m in done.migrations if m.id == "rel-0001").phase == "Complete"
    assert (done.daemon(replica.id).node, done.daemon(replica.id).state) == (target, "running")
    assert any(d.name == "inference_worker#replica" for d in done.daemons_on("node-0"))


def test_a_node_agent_cannot_be_re_placed(mesh: Mesh, operator: Operator) -> None:
    agent = mesh.snapshot().daemons_on("node-2")[0]
    blast = mesh.simulate(AdminCommand.invalidate_placement(agent.id))
    assert not blast.valid and blast.summary == "invalidate-placement: node_agent is pinned to node-2"
    outcome = submit(mesh, operator, AdminCommand.invalidate_placement(agent.id))
    assert outcome.status == "failed" and "pinned" in outcome.reason


def test_drop_replicas_deletes_a_nodes_chain_replicas_and_they_re_replicate_elsewhere(
    mesh: Mesh, operator: Operator
) -> None:
    snap = mesh.snapshot()
    held = [c.name for c in snap.chains if c.kind == "data" and "node-0" in c.holders]
    assert held
    blast = mesh.simulate(AdminCommand.drop_replicas("node-0"))
    assert blast.valid and not blast.break_glass and COMMANDS["drop-replicas"].destructive
    assert blast.chains == tuple(held)
    assert blast.summary == f"Drop the {len(held)} chain replicas on node-0: their data there is deleted"
    outcome = submit(mesh, operator, AdminCommand.drop_replicas("node-0"))
    assert outcome.accepted and outcome.reason.startswith(f"node-0 dropped {len(held)} replicas")
    after = settle(mesh, 0.1)
    assert all("node-0" not in c.holders for c in after.chains if c.name in held)
    repaired = settle(mesh, 15.0)
    for chain in (c for c in repaired.chains if c.name in held):
        assert chain.held == chain.desired and "node-0" not in chain.holders


def test_drop_replicas_refuses_a_last_replica(mesh: Mesh, operator: Operator) -> None:
    snap = mesh.snapshot()
    chain = next(c for c in snap.chains if c.kind == "data")
    for holder in chain.holders[1:]:
        assert submit(mesh, operator, AdminCommand.drop_replicas(holder)).accepted
    last = chain.holders[0]
    blast = mesh.simulate(AdminCommand.drop_replicas(last))
    assert not blast.valid and f"holds the last replica of {chain.name}" in blast.summary
    assert submit(mesh, operator, AdminCommand.drop_replicas(last)).status == "failed"


def test_force_evict_kills_a_replica_and_starts_a_new_one_on_another_peer(
    mesh: Mesh, operator: Operator
) -> None:
    snap = mesh.snapshot()
    replica = next(d for d in snap.daemons if d.name == "inference_worker#replica")
    blast = mesh.simulate(AdminCommand.force_evict(replica.id))
    assert blast.valid and blast.break_glass
    assert "killed now, without draining" in blast.summary
    assert any("drops to 2/3 held" in line for line in blast.details)
    target = blast.nodes[-1]
    outcome = submit(mesh, operator, AdminCommand.force_evict(replica.id))
    assert outcome.accepted and outcome.reason.endswith(f"starting on {target}")
    after = mesh.snapshot()
    assert after.daemon(replica.id) is None
    newcomer = next(d for d in after.daemons_on(target) if d.name == "inference_worker#replica")
    assert newcomer.state == "starting"
    assert settle(mesh, 2.5).daemon(newcomer.id).state == "running"
    agent = snap.daemons_on("node-1")[0]
    refused = submit(mesh, operator, AdminCommand.force_evict(agent.id))
    assert refused.status == "failed" and "not a replica" in refused.reason


@pytest.mark.parametrize("phase", ["Transfer", "Restore"])
def test_force_cutover_needs_the_state_on_the_target(mesh: Mesh, operator: Operator, phase: str) -> None:
    moving = settle(mesh, 8.0 if phase == "Transfer" else 11.0).migrations[0]
    assert moving.phase == phase
    command = AdminCommand.force_cutover(moving.id)
    blast = mesh.simulate(command)
    outcome = submit(mesh, operator, command)
    if phase == "Transfer":
        assert not blast.valid and "its state is not on" in blast.summary
        assert outcome.status == "failed"
        return
    assert blast.valid and blast.break_glass
    assert blast.summary.startswith(
        f"Force cutover {moving.id}: {moving.daemon} switches to {moving.target} now"
    )
    assert any("restore has not reached yet is lost" in line for line in blast.details)
    assert outcome.accepted
    after = mesh.snapshot()
    assert after.migrations[0].phase == "Complete"
    assert (after.daemon(moving.daemon_id).node, after.daemon(moving.daemon_id).state) == (
        moving.target,
        "running",
    )


def test_simulating_the_new_commands_changes_nothing(operator: Operator) -> None:
    watched, twin = Mesh(seed=3, start=START), Mesh(seed=3, start=START)
    settle(watched, FIRST_AVOID)
    settle(twin, FIRST_AVOID)
    snap = watched.snapshot()
    replica = next(d for d in snap.daemons if d.name == "inference_worker#replica")
    moving = next(m for m in snap.migrations if m.active)
    commands = [
        AdminCommand.clear_avoid("node-0"),
        AdminCommand.flush_avoid(),
        AdminCommand.drop_replicas("node-0"),
        AdminCommand.invalidate_placement(replica.id),
        AdminCommand.force_evict(replica.id),
        AdminCommand.force_cutover(moving.id),
    ]
    for command in commands:
        watched.simulate(command)
    assert watched.snapshot() == twin.snapshot()
    assert settle(watched, 60.0) == settle(twin, 60.0)
