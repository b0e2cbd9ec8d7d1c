"""Signed admin commands: accepted and applied, or rejected and audited with the reason."""

from __future__ import annotations

import dataclasses

import pytest
from mesh_clock import START, settle, walk

from deck.plugins.mesh_demo import AdminCommand, Mesh, Operator, OperatorRegistry


def submit(mesh: Mesh, operator: Operator, command: AdminCommand, *, issued_offset: float = 0.0):
    now = mesh.now
    return mesh.submit(operator.sign(command, now + issued_offset), now)


def test_cordon_is_applied_and_audited(mesh: Mesh, operator: Operator) -> None:
    outcome = submit(mesh, operator, AdminCommand.cordon("node-4"))
    assert outcome.accepted
    snap = mesh.snapshot()
    assert snap.node("node-4").cordoned and snap.node("node-4").maint == "cordoned"
    entry = snap.audit[-1]
    assert entry == outcome.audit
    assert (entry.seq, entry.outcome, entry.operator, entry.command, entry.target) == (
        1,
        "accepted",
        "op-ada",
        "cordon",
        "node-4",
    )
    assert entry.when == snap.now
    assert entry.reason == "node-4 cordoned"
    assert any(e.kind == "admin" and "cordon node-4 accepted" in e.text for e in snap.events)


def test_migrations_skip_a_cordoned_peer(mesh: Mesh, operator: Operator) -> None:
    first_target = Mesh(seed=3, start=START)
    expected = settle(first_target, 5.0).migrations[0].target
    submit(mesh, operator, AdminCommand.cordon(expected))
    snap = settle(mesh, 5.0)
    assert snap.migrations[0].target != expected
    assert submit(mesh, operator, AdminCommand.uncordon(expected)).reason == f"{expected} uncordoned"
    assert not mesh.snapshot().node(expected).cordoned


def test_drain_stops_workload_within_the_window_and_uncordon_brings_it_back(
    mesh: Mesh, operator: Operator
) -> None:
    before = settle(mesh, 5.0)
    outcome = submit(mesh, operator, AdminCommand.drain("node-0", 10))
    assert outcome.accepted and "9 daemons to stop" in outcome.reason
    assert mesh.snapshot().node("node-0").maint == "draining"
    after = settle(mesh, 10.5)
    node0 = {d.id: d for d in after.daemons_on("node-0")}
    workload = [d for d in before.daemons_on("node-0") if d.kind != "agent" and d.state == "running"]
    assert all(node0[d.id].state == "stopped" for d in workload)
    assert node0[before.daemons_on("node-0")[0].id].state == "running"  # the node_agent stays
    assert after.node("node-0").maint == "drained"
    assert submit(mesh, operator, AdminCommand.uncordon("node-0")).accepted
    assert {mesh.snapshot().daemon(d.id).state for d in workload} == {"starting"}
    back = settle(mesh, 2.5)
    assert {back.daemon(d.id).state for d in workload} == {"running"}
    assert back.node("node-0").maint == "—"


def test_maintenance_routes_nrpc_away_and_moves_chain_replicas(mesh: Mesh, operator: Operator) -> None:
    assert submit(mesh, operator, AdminCommand.maintenance("node-1", True)).accepted
    at = mesh.now
    snap = settle(mesh, 5.0)
    assert snap.node("node-1").maint == "maint"
    assert {c.callee for c in snap.nrpc if c.ts > at} == {"node-0"}
    assert all("node-1" not in c.holders for c in snap.chains if c.kind == "data")
    assert submit(mesh, operator, AdminCommand.maintenance("node-1", False)).accepted
    later = settle(mesh, 5.0)
    assert {c.callee for c in later.nrpc if c.ts > mesh.now - 4.0} == {"node-0", "node-1"}


def test_restart_daemons_takes_every_daemon_on_the_node_down_and_up(mesh: Mesh, operator: Operator) -> None:
    before = {d.id: d for d in mesh.snapshot().daemons_on("node-0")}
    assert submit(mesh, operator, AdminCommand.restart_daemons("node-0")).reason == (
        "10 daemons on node-0 restarting"
    )
    assert {d.state for d in mesh.snapshot().daemons_on("node-0")} == {"restarting"}
    after = settle(mesh, 3.0)
    for daemon_id, was in before.items():
        now = after.daemon(daemon_id)
        assert now.state == "running" and now.restarts == was.restarts + 1
        assert now.started_at > START


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ("unknown", "unknown operator 'mallory'"),
        ("forged", "bad signature for operator 'op-ada'"),
        ("altered", "bad signature for operator 'op-ada'"),
        ("stale", "stale: issued 301 s ago (limit 300 s)"),
        ("future", "from the future: issued 31 s ahead (limit 30 s)"),
    ],
)
def test_bad_commands_are_rejected_audited_and_not_applied(
    mesh: Mesh, operator: Operator, tamper: str, reason: str
) -> None:
    now = mesh.now
    command = AdminCommand.cordon("node-2")
    if tamper == "unknown":
        signed = Operator.from_seed("mallory", bytes(32)).sign(command, now)
    elif tamper == "forged":
        signed = Operator.from_seed("op-ada", bytes(32)).sign(command, now)
    elif tamper == "altered":
        signed = operator.sign(AdminCommand.cordon("node-3"), now)
        signed = dataclasses.replace(signed, command=command)
    else:
        signed = operator.sign(command, now + (-301.0 if tamper == "stale" else 31.0))
    outcome = mesh.submit(signed, now)
    assert (outcome.status, outcome.reason) == ("rejected", reason)
    snap = mesh.snapshot()
    assert not snap.node("node-2").cordoned
    assert snap.audit[-1].outcome == "rejected" and snap.audit[-1].reason == reason
    assert snap.audit[-1].command == "cordon" and snap.audit[-1].target == "node-2"


def test_commands_just_inside_the_time_window_are_accepted(mesh: Mesh, operator: Operator) -> None:
    assert submit(mesh, operator, AdminCommand.cordon("node-2"), issued_offset=-299.0).accepted
    assert submit(mesh, operator, AdminCommand.cordon("node-3"), issued_offset=29.0).accepted


def test_a_replayed_nonce_is_rejected(mesh: Mesh, operator: Operator) -> None:
    signed = operator.sign(AdminCommand.cordon("node-5"), mesh.now)
    assert mesh.submit(signed, mesh.now).accepted
    submit(mesh, operator, AdminCommand.uncordon("node-5"))
    replay = mesh.submit(signed, mesh.now + 1.0)
    assert replay.status == "rejected" and replay.reason.startswith("replayed nonce")
    snap = mesh.snapshot()
    assert not snap.node("node-5").cordoned
    assert [e.outcome for e in snap.audit] == ["accepted", "accepted", "rejected"]


def test_a_verified_command_that_cannot_apply_fails_and_is_audited(mesh: Mesh, operator: Operator) -> None:
    missing = submit(mesh, operator, AdminCommand.cordon("node-42"))
    assert missing.status == "failed" and "node-42" in missing.reason
    bad_window = submit(mesh, operator, AdminCommand("drain", "node-1", (("window_s", "soon"),)))
    assert bad_window.status == "failed" and "window_s must be whole seconds" in bad_window.reason
    unknown = submit(mesh, operator, AdminCommand("reboot-universe", "cluster"))
    assert unknown.status == "failed" and "unknown command" in unknown.reason
    assert [e.outcome for e in mesh.snapshot().audit] == ["failed"] * 3


def test_break_glass_simulation_changes_nothing(operator: Operator) -> None:
    watched, twin = Mesh(seed=3, start=START), Mesh(seed=3, start=START)
    settle(watched, 40.0)
    settle(twin, 40.0)
    snap = watched.snapshot()
    moving = next(m for m in snap.migrations if m.active)
    active = next(g.active for g in snap.groups if g.kind == "standby")
    commands = [
        AdminCommand.freeze(120),
        AdminCommand.thaw(),
        AdminCommand.kill_migration(moving.id),
        AdminCommand.force_restart(active),
        AdminCommand.drain("node-0", 30),
        AdminCommand.restart_daemons("node-0"),
        AdminCommand.maintenance("node-1", True),
    ]
    radii = [watched.simulate(c) for c in commands]
    assert all(r.valid for r in radii)
    assert [r.break_glass for r in radii] == [True, True, True, True, False, False, False]
    assert watched.snapshot() == twin.snapshot()
    assert settle(watched, 60.0) == settle(twin, 60.0)


def test_blast_radius_names_what_would_be_hit(mesh: Mesh) -> None:
    snap = settle(mesh, 5.0)
    moving = snap.migrations[0]
    freeze = mesh.simulate(AdminCommand.freeze(600))
    assert freeze.nodes == tuple(n.id for n in snap.nodes)
    assert freeze.migrations == (moving.id,)
    assert any("scheduled migrations are skipped" in line for line in freeze.details)
    kill = mesh.simulate(AdminCommand.kill_migration(moving.id))
    assert kill.daemons == (moving.daemon_id,) and moving.target in kill.nodes
    assert "rolls back" in kill.details[0]
    groups = {g.name: g for g in snap.groups}
    standby = mesh.simulate(AdminCommand.force_restart(groups["trainer_canary#standby"].active))
    assert any("takes over as active" in line for line in standby.details)
    replica = mesh.simulate(AdminCommand.force_restart(groups["inference_worker#replica"].members[0]))
    assert replica.chains == ("inference_worker#replica",)
    assert any("drops to 2/3 held" in line for line in replica.details)
    nowhere = mesh.simulate(AdminCommand.force_restart("d-00000000"))
    assert not nowhere.valid and "no daemon 'd-00000000'" in nowhere.summary


def test_freeze_parks_migrations_until_the_ttl_then_they_finish(mesh: Mesh, operator: Operator) -> None:
    moving = settle(mesh, 5.0).migrations[0]
    assert submit(mesh, operator, AdminCommand.freeze(60)).accepted
    parked = settle(mesh, 5.0).migrations[0]
    assert parked.paused and parked.active
    assert settle(mesh, 20.0).migrations[0] == parked
    during = settle(mesh, 30.0)
    assert len(during.migrations) == 1  # the launch at +33 s was skipped
    assert during.frozen_until == pytest.approx(START + 65.0)
    done = settle(mesh, 30.0).migrations
    finished = next(m for m in done if m.id == moving.id)
    assert finished.phase == "Complete" and not finished.paused
    assert any(e.text == "cluster thawed (TTL expired)" for e in mesh.snapshot().events)


def test_thaw_resumes_parked_migrations_at_once(mesh: Mesh, operator: Operator) -> None:
    settle(mesh, 5.0)
    submit(mesh, operator, AdminCommand.freeze(3600))
    settle(mesh, 2.0)
    outcome = submit(mesh, operator, AdminCommand.thaw())
    assert outcome.reason == "cluster thawed; 1 migrations resumed"
    assert settle(mesh, 20.0).migrations[0].phase == "Complete"
    assert mesh.snapshot().frozen_until is None


def test_kill_migration_aborts_it_and_the_daemon_stays_on_node_zero(mesh: Mesh, operator: Operator) -> None:
    moving = settle(mesh, 5.0).migrations[0]
    assert submit(mesh, operator, AdminCommand.kill_migration(moving.id)).accepted
    snap = settle(mesh, 10.0)
    assert snap.migrations[0].phase == "Aborted" and not snap.migrations[0].active
    assert snap.daemon(moving.daemon_id).node == "node-0"
    assert snap.daemon(moving.daemon_id).state == "running"
    again = submit(mesh, operator, AdminCommand.kill_migration(moving.id))
    assert again.status == "failed" and "already Aborted" in again.reason


def test_force_restart_of_the_active_standby_promotes_a_warm_member(mesh: Mesh, operator: Operator) -> None:
    group = next(g for g in mesh.snapshot().groups if g.kind == "standby")
    old_active = group.active
    assert submit(mesh, operator, AdminCommand.force_restart(old_active)).accepted
    snap = mesh.snapshot()
    promoted = next(g for g in snap.groups if g.kind == "standby").active
    assert promoted not in (None, old_active)
    assert snap.daemon(old_active).state == "restarting"
    assert snap.daemon(old_active).role == "warm"
    assert settle(mesh, 1.5).daemon(old_active).state == "running"


def test_audit_ring_keeps_the_newest_2000(mesh: Mesh, operator: Operator) -> None:
    for i in range(2_005):
        command = AdminCommand.cordon("node-6") if i % 2 == 0 else AdminCommand.uncordon("node-6")
        submit(mesh, operator, command)
    audit = mesh.snapshot().audit
    assert len(audit) == 2_000
    assert (audit[0].seq, audit[-1].seq) == (6, 2_005)


def test_registry_refuses_a_second_key_for_the_same_operator(operator: Operator) -> None:
    registry = OperatorRegistry()
    registry.register(operator.operator_id, operator.public_key)
    registry.register(operator.operator_id, operator.public_key)
    assert len(registry) == 1 and operator.operator_id in registry
    with pytest.raises(ValueError, match="already registered"):
        registry.register(operator.operator_id, Operator.generate("x").public_key)
    with pytest.raises(ValueError, match="not an Ed25519 public key"):
        registry.register("short", b"\x01\x02")


def test_signed_payload_does_not_depend_on_argument_order(operator: Operator) -> None:
    one = AdminCommand("drain", "node-1", (("a", "1"), ("window_s", "5")))
    two = AdminCommand("drain", "node-1", (("window_s", "5"), ("a", "1")))
    first = operator.sign(one, START, nonce="n1")
    second = operator.sign(two, START, nonce="n1")
    assert first.payload() == second.payload()
    assert first.signature == second.signature


def test_walk_while_frozen_keeps_progress_flat(mesh: Mesh, operator: Operator) -> None:
    settle(mesh, 6.0)
    submit(mesh, operator, AdminCommand.freeze(30))
    progress = {round(s.migrations[0].progress, 1) for s in walk(mesh, 10.0)}
    assert len(progress) == 1


def test_peers_now_and_then_relay_commands_that_do_not_verify(operator: Operator) -> None:
    registry = OperatorRegistry()
    registry.register(operator.operator_id, operator.public_key)
    mesh = Mesh(seed=1, start=START, registry=registry)
    assert settle(mesh, 300.0).audit == ()  # not in the first minutes
    snap = settle(mesh, 100.0)
    assert [(e.outcome, e.operator, e.command, e.via) for e in snap.audit] == [
        ("rejected", "op-ada", "cordon", "node-5"),
        ("rejected", "mallory", "flush-avoid", "node-2"),
    ]
    assert [e.reason for e in snap.audit] == [
        "stale: issued 900 s ago (limit 300 s)",
        "unknown operator 'mallory'",
    ]
    assert not snap.node("node-1").cordoned
    assert any("relayed by node-2" in e.text for e in snap.events if e.kind == "admin")
