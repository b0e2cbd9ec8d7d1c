"""Nodes: metrics that wander, peers that now and then degrade or drop off, drain windows."""

from __future__ import annotations

import math

from . import client_daemons as daemons
from . import client_placement as placement
from .client_state import NodeState
from .client_world import ADAPTERS, NODES, World, wander

__all__ = ["begin_drain", "build_nodes", "start"]

TELEMETRY_PERIOD = 1.0
INCIDENT_MEAN_GAP = 75.0
UNREACHABLE_SHARE = 0.25
DEGRADED_RTT_FACTOR = 6.0


def build_nodes(world: World) -> None:
    """Node 0 is the operator's own node at the centre of NET.MAP; peers ring around it."""
    rng, count = world.rng, world.node_count
    for index in range(count):
        if index == 0:
            angle, rtt, cpu = 0.0, 0.0, rng.uniform(55.0, 70.0)
        else:
            slot = 2 * math.pi * (index - 1) / (count - 1)
            angle = (slot + rng.uniform(-0.3, 0.3)) % (2 * math.pi)
            rtt, cpu = rng.uniform(0.4, 6.0), rng.uniform(15.0, 55.0)
        mem = rng.uniform(30.0, 70.0)
        world.nodes.append(
            NodeState(
                index=index,
                id=f"node-{index}",
                angle=angle,
                rtt_base=rtt,
                cpu_base=cpu,
                mem_base=mem,
                rtt_ms=rtt,
                cpu=cpu,
                mem=mem,
                sat=cpu * 0.85,
            )
        )
    for node in world.nodes:
        who = "this node, operator view" if node.index == 0 else f"rtt {node.rtt_ms:.1f} ms"
        world.note("join", f"{node.id} joined the mesh ({who})", node=node.id)


def start(world: World) -> None:
    world.queue.after(TELEMETRY_PERIOD, _telemetry, world)
    world.queue.after(world.rng.expovariate(1 / INCIDENT_MEAN_GAP), _incident, world)


def _telemetry(world: World) -> None:
    world.queue.after(TELEMETRY_PERIOD, _telemetry, world)
    rng = world.rng
    for node in world.nodes:
        if not node.reachable:
            continue
        degraded = node.health == "degraded"
        cpu_target = 93.0 if degraded else node.cpu_base
        node.cpu = wander(rng, node.cpu, target=cpu_target, step=3.0, lo=1.0, hi=99.5)
        node.mem = wander(rng, node.mem, target=node.mem_base, step=0.8, lo=5.0, hi=98.0)
        sat_target = node.cpu * 0.85 + (10.0 if degraded else 0.0)
        node.sat = wander(rng, node.sat, target=sat_target, step=2.5, lo=0.0, hi=100.0)
        if node.index:
            rtt_target = node.rtt_base * (DEGRADED_RTT_FACTOR if degraded else 1.0)
            step = node.rtt_base * 0.08
            node.rtt_ms = wander(rng, node.rtt_ms, target=rtt_target, step=step, lo=0.05, hi=500.0)
    for adapter in world.adapters:
        adapter.other_bytes = int(
            wander(
                rng,
                adapter.other_bytes,
                target=adapter.other_base,
                step=adapter.cap * 0.0004,
                lo=adapter.cap * 0.05,
                hi=adapter.cap * 0.9,
            )
        )
    daemons.wander_saturation(world)
    world.touch(NODES, ADAPTERS)


def _incident(world: World) -> None:
    """Now and then a healthy peer degrades or becomes unreachable for a while."""
    rng = world.rng
    world.queue.after(rng.expovariate(1 / INCIDENT_MEAN_GAP), _incident, world)
    candidates = [n for n in world.nodes[1:] if n.health == "healthy"]
    if not candidates:
        return
    node = rng.choice(candidates)
    node.gen += 1
    if rng.random() < UNREACHABLE_SHARE:
        node.health = "unreachable"
        duration = rng.uniform(6.0, 20.0)
        for peer in world.nodes:
            if peer is not node and peer.reachable:
                placement.avoid(world, peer, node.id)
        text = f"{node.id} unreachable — 3 heartbeats missed; peers avoid it {placement.AVOID_SECONDS:.0f} s"
    else:
        node.health = "degraded"
        duration = rng.uniform(15.0, 45.0)
        loss = rng.uniform(1.0, 6.0)
        text = f"{node.id} degraded — packet loss {loss:.1f}%"
    world.note("health", text, node=node.id, level="WARN")
    world.queue.after(duration, _recover, world, node, node.gen, node.health, duration)
    world.touch(NODES)


def _recover(world: World, node: NodeState, gen: int, was: str, duration: float) -> None:
    if node.gen != gen:
        return
    node.health = "healthy"
    node.rtt_ms = node.rtt_base
    if was == "unreachable":
        world.note("join", f"{node.id} rejoined after {duration:.0f} s", node=node.id)
    else:
        world.note("health", f"{node.id} healthy again", node=node.id)
    world.touch(NODES)


def begin_drain(world: World, node: NodeState, window: float) -> list[str]:
    """Cordon `node` and stop its workload daemons evenly across `window`; returns their ids."""
    node.cordoned = True
    node.draining_until = until = world.now + window
    victims = daemons.drainable(world, node.id)
    for position, daemon in enumerate(victims, start=1):
        daemons.drain(world, daemon, at=world.now + window * position / (len(victims) + 1))
    world.queue.at(until, _finish_drain, world, node, until)
    world.touch(NODES)
    return [d.id for d in victims]


def _finish_drain(world: World, node: NodeState, until: float) -> None:
    if node.draining_until != until:
        return
    node.draining_until = None
    node.drained = True
    for daemon in daemons.drainable(world, node.id, including_draining=True):
        daemons.stop(world, daemon)
    world.note("admin", f"{node.id} drained", node=node.id)
    world.touch(NODES)
