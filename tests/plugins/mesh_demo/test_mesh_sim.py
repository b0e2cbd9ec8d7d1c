"""The simulation on a fake clock: roster, cadences, phases, bounds and determinism."""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import cache
from itertools import pairwise

import pytest
from mesh_clock import START, settle, walk

from deck.plugins.mesh_demo import MIGRATION_PHASES, Mesh, MeshSnapshot


@cache
def long_run() -> MeshSnapshot:
    """One mesh advanced ten simulated minutes, shared by the read-only checks below."""
    mesh = Mesh(seed=11, start=START)
    return settle(mesh, 600.0)


def test_default_mesh_has_nine_nodes_and_node_zero_sees_eight_peers() -> None:
    snap = Mesh(seed=1, start=START).snapshot()
    assert [n.id for n in snap.nodes] == [f"node-{i}" for i in range(9)]
    assert snap.this_node == "node-0"
    assert [n.is_self for n in snap.nodes].count(True) == 1
    assert len([n for n in snap.nodes if not n.is_self]) == 8
    assert snap.nodes[0].rtt_ms == 0.0


def test_node_zero_shows_ten_daemons_with_the_reference_names() -> None:
    snap = Mesh(seed=1, start=START).snapshot()
    names = Counter(d.name for d in snap.daemons_on("node-0"))
    assert names == {
        "node_agent": 1,
        "inference_worker#replica": 3,
        "rollout_forge#fork@7": 3,
        "trainer_canary#standby": 3,
    }
    assert len(snap.daemons) == 18
    assert all(snap.node(f"node-{i}").daemons == 1 for i in range(1, 9))
    assert snap.nodes[0].daemons == 10


def test_groups_are_derived_from_name_suffixes() -> None:
    groups = {g.name: g for g in Mesh(seed=1, start=START).snapshot().groups}
    assert set(groups) == {
        "node_agent",
        "inference_worker#replica",
        "rollout_forge#fork@7",
        "trainer_canary#standby",
    }
    assert groups["node_agent"].kind == "standalone"
    assert len(groups["node_agent"].members) == 9
    assert groups["inference_worker#replica"].kind == "replica"
    assert groups["inference_worker#replica"].summary == "3/3 ready"
    fork = groups["rollout_forge#fork@7"]
    assert (fork.kind, fork.fork_seq, fork.base) == ("fork", 7, "rollout_forge")
    standby = groups["trainer_canary#standby"]
    assert standby.kind == "standby"
    assert standby.summary == "1 active + 2 warm"
    assert standby.active in standby.members


def test_daemons_carry_kind_lineage_state_and_age() -> None:
    snap = Mesh(seed=1, start=START).snapshot()
    for daemon in snap.daemons:
        assert daemon.state == "running"
        assert daemon.started_at < snap.now
        assert daemon.restarts >= 0
        assert daemon.kind in {"agent", "inference", "rollout", "trainer"}
    lineages = {d.lineage for d in snap.daemons_on("node-0")}
    assert {"replica 1/3", "fork@7 · branch 2", "standby · active", "standby · warm"} <= lineages


def test_node_agent_logs_every_800_ms_plus_minus_150() -> None:
    mesh = Mesh(seed=5, start=START)
    snap = settle(mesh, 60.0)
    times: dict[str, list[float]] = defaultdict(list)
    for line in snap.logs:
        if line.kind == "log":
            assert line.daemon == "node_agent"
            times[line.node].append(line.ts)
    assert set(times) == {f"node-{i}" for i in range(9)}
    for stamps in times.values():
        gaps = [b - a for a, b in pairwise(stamps)]
        assert all(0.65 - 1e-9 <= gap <= 0.95 + 1e-9 for gap in gaps)
        assert 0.75 < sum(gaps) / len(gaps) < 0.85
        assert 65 <= len(stamps) <= 85


def test_log_lines_read_as_inference_traffic_with_levels() -> None:
    lines = [line for line in long_run().logs if line.kind == "log"]
    assert all(line.message.startswith("gpu-") and " :: " in line.message for line in lines)
    levels = Counter(line.level for line in lines)
    assert set(levels) == {"DEBUG", "INFO", "WARN", "ERROR"}
    assert levels["INFO"] > levels["DEBUG"] > levels["WARN"] > levels["ERROR"]


def test_each_requester_calls_demo_echo_four_times_a_second() -> None:
    snap = settle(Mesh(seed=5, start=START), 10.0)
    window = [c for c in snap.nrpc if START + 1.0 <= c.ts < START + 9.0]
    per_caller = Counter(c.caller for c in window)
    assert per_caller == {f"node-{i}": 32 for i in range(2, 9)}
    assert {c.method for c in snap.nrpc} == {"demo.echo"}
    assert {c.callee for c in snap.nrpc if c.status != "Err"} <= {"node-0", "node-1"}


def test_nrpc_latencies_are_mostly_fast_with_a_slow_tail_and_timeouts() -> None:
    calls = [c for c in long_run().nrpc if c.status != "InFlight"]
    latencies = [c.latency_ms for c in calls if c.status == "Ok"]
    fast = sum(1 for ms in latencies if ms < 10)
    amber = sum(1 for ms in latencies if 10 <= ms < 100)
    slow = sum(1 for ms in latencies if ms >= 100)
    assert fast / len(latencies) > 0.75
    assert amber > slow > 0
    timeouts = [c for c in calls if c.status == "Timeout"]
    assert timeouts
    assert all(c.latency_ms == 2000.0 and c.resp_bytes is None for c in timeouts)
    assert all(c.resp_bytes == c.req_bytes for c in calls if c.status == "Ok")


def test_nrpc_call_is_in_flight_until_its_latency_has_passed() -> None:
    mesh = Mesh(seed=5, start=START)
    first = next(c for s in walk(mesh, 1.0, step=0.001) for c in s.nrpc if c.status == "InFlight")
    assert first.latency_ms is None
    done = settle(mesh, 3.0).nrpc[first.seq]
    assert done.seq == first.seq and done.status != "InFlight"
    assert done.latency_ms is not None


def test_a_migration_starts_every_30_s_and_walks_the_phases_in_order() -> None:
    mesh = Mesh(seed=2, start=START)
    seen: dict[str, list[str]] = defaultdict(list)
    for snap in walk(mesh, 100.0):
        for m in snap.migrations:
            if not seen[m.id] or seen[m.id][-1] != m.phase:
                seen[m.id].append(m.phase)
    final = {m.id: m for m in mesh.snapshot().migrations}
    starts = sorted(m.started_at - START for m in final.values())
    assert starts == [3.0, 33.0, 63.0, 93.0]
    for mid in ("mig-0001", "mig-0002", "mig-0003"):
        assert tuple(seen[mid]) == MIGRATION_PHASES, mid
        assert final[mid].progress == 100.0
        assert final[mid].finished_at is not None
        assert final[mid].source == "node-0"
    targets = [final[mid].target for mid in ("mig-0001", "mig-0002", "mig-0003")]
    assert len(set(targets)) == 3 and "node-0" not in targets


def test_a_migrated_daemon_starts_on_node_zero_and_lands_on_its_target() -> None:
    mesh = Mesh(seed=2, start=START)
    during = settle(mesh, 3.5)
    moving = during.migrations[0]
    assert during.daemon(moving.daemon_id).node == "node-0"
    assert during.daemon(moving.daemon_id).state == "migrating"
    assert moving.phase == "Snapshot" and 0 < moving.progress < 100
    after = settle(mesh, 25.0)
    landed = after.daemon(moving.daemon_id)
    assert landed.node == moving.target and landed.state == "running"
    assert landed.lineage == f"migrated node-0 → {moving.target}"


def test_rings_stay_bounded_after_a_long_run() -> None:
    snap = long_run()
    assert len(snap.logs) == 5_000
    assert len(snap.nrpc) == 5_000
    assert 0 < len(snap.events) <= 300
    assert [line.seq for line in snap.logs] == sorted(line.seq for line in snap.logs)
    assert snap.nrpc[-1].seq - snap.nrpc[0].seq == 4_999


def test_metrics_wander_within_bounds() -> None:
    mesh = Mesh(seed=4, start=START)
    cpu_seen: set[float] = set()
    for snap in walk(mesh, 120.0, step=1.0):
        for node in snap.nodes:
            for value in (node.cpu_pct, node.mem_pct, node.disk_pct, node.sat_pct):
                assert 0.0 <= value <= 100.0
            assert node.rtt_ms is None or node.rtt_ms >= 0.0
        cpu_seen.add(snap.nodes[3].cpu_pct)
    assert len(cpu_seen) > 50


def test_some_peers_and_daemons_degrade_then_recover() -> None:
    events = long_run().events
    texts = [e.text for e in events]
    assert any("degraded" in t or "unreachable" in t for t in texts if t.startswith("node-"))
    daemon_trouble = [e for e in events if e.kind in ("health", "restart") and "#" in e.text]
    assert daemon_trouble
    assert any("healthy again" in t or "rejoined" in t for t in texts)


def test_one_blob_adapter_per_node_with_distinct_caps() -> None:
    snap = long_run()
    assert [a.node for a in snap.adapters] == [n.id for n in snap.nodes]
    assert len({a.cap_bytes for a in snap.adapters}) == 9
    assert {a.role for a in snap.adapters} == {"anchor", "vault", "edge"}
    adapters = {a.id for a in snap.adapters}
    for blob in snap.blobs:
        assert blob.adapter in adapters
        assert len(blob.hash) == 64
        assert 1 <= blob.want <= 3 and 0 <= blob.have <= blob.want
        assert blob.created_at <= snap.now
    assert {b.status for b in snap.blobs} >= {"stored"}
    assert any(b.channel.startswith("migrations/mig-") for b in snap.blobs)
    assert [b.created_at for b in snap.blobs] == sorted((b.created_at for b in snap.blobs), reverse=True)


def test_chains_have_leaders_holders_and_counts() -> None:
    chains = {c.name: c for c in Mesh(seed=1, start=START).snapshot().chains}
    replica = chains["inference_worker#replica"]
    assert (replica.kind, replica.held, replica.desired, replica.status) == (
        "replica",
        3,
        3,
        "healthy",
    )
    assert replica.leader == replica.holders[0]
    data = [c for c in chains.values() if c.kind == "data"]
    assert len(data) == 4
    for chain in data:
        assert chain.held == chain.desired == 3
        assert chain.leader in chain.holders
        assert all(h.startswith("node-") for h in chain.holders)


def test_links_join_each_reachable_node_to_a_neighbour() -> None:
    snap = Mesh(seed=1, start=START).snapshot()
    linked = {end for link in snap.links for end in link}
    assert linked == {n.id for n in snap.nodes}


def test_same_seed_gives_identical_snapshots_and_another_seed_does_not() -> None:
    one, two, other = (Mesh(seed=s, start=START) for s in (9, 9, 10))
    assert settle(one, 120.0) == settle(two, 120.0)
    assert settle(one, 0.0) != settle(other, 120.0)


def test_state_does_not_depend_on_how_often_the_deck_advances() -> None:
    stepped, jumped = Mesh(seed=9, start=START), Mesh(seed=9, start=START)
    for _ in walk(stepped, 90.0):
        pass
    assert settle(jumped, 90.0) == stepped.snapshot()


def test_snapshot_is_reused_while_nothing_moves() -> None:
    mesh = Mesh(seed=1, start=START)
    first = settle(mesh, 5.0)
    mesh.advance_to(mesh.now - 1.0)  # the clock never goes back
    assert mesh.snapshot() is first
    assert mesh.advance_to(float("nan")) == 0
    assert mesh.snapshot() is first


@pytest.mark.parametrize("nodes", [2, 65])
def test_node_count_out_of_range_is_refused(nodes: int) -> None:
    with pytest.raises(ValueError, match=r"nodes must be 3\.\.64"):
        Mesh(seed=1, nodes=nodes, start=START)


def test_a_smaller_mesh_still_runs() -> None:
    snap = settle(Mesh(seed=1, nodes=5, start=START), 40.0)
    assert len(snap.nodes) == 5 == len(snap.adapters)
    assert {c.caller for c in snap.nrpc} == {"node-2", "node-3", "node-4"}
    assert snap.migrations
