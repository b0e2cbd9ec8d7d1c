"""nRPC chatter: nodes 2..N call `demo.echo` on nodes 0 and 1 every 250 ms, 2 s deadline."""

from __future__ import annotations

import random

from .client_state import NodeState
from .client_world import World
from .model import NrpcCall, NrpcStatus

__all__ = ["DEADLINE", "METHOD", "PERIOD", "RESPONDERS", "serves", "start"]

METHOD = "demo.echo"
PERIOD = 0.25
DEADLINE = 2.0
RESPONDERS = (0, 1)
FIRST_REQUESTER = 2
ERRORS = ("echo handler panicked", "payload checksum mismatch", "responder overloaded")


def serves(node: NodeState) -> bool:
    """A responder takes calls unless it is unreachable or in maintenance."""
    return node.reachable and not node.maintenance


def start(world: World) -> None:
    """Each requester gets its own phase so the calls spread over the period."""
    for node in world.nodes[FIRST_REQUESTER:]:
        first = world.start + world.rng.uniform(0.0, PERIOD)
        world.queue.at(first, _call, world, node, first, 0)


def _call(world: World, caller: NodeState, first: float, count: int) -> None:
    world.queue.at(first + (count + 1) * PERIOD, _call, world, caller, first, count + 1)
    rng, ring, now = world.rng, world.nrpc, world.now
    request_bytes = rng.randint(48, 512)
    callee = _route(world, count)
    seq = ring.next_seq
    if callee is None:
        error = "no demo.echo responder available"
        ring.append(NrpcCall(seq, now, caller.id, "—", METHOD, 0.0, request_bytes, None, "Err", error))
        return
    latency, status, error = _draw(rng, caller, callee)
    in_flight = NrpcCall(seq, now, caller.id, callee.id, METHOD, None, request_bytes, None, "InFlight", "")
    response = request_bytes if status == "Ok" else None
    done = NrpcCall(seq, now, caller.id, callee.id, METHOD, latency, request_bytes, response, status, error)
    ring.append(in_flight)
    world.queue.after(latency / 1000.0, ring.replace, seq, done)


def _route(world: World, count: int) -> NodeState | None:
    """Alternate between the responders, skipping one that cannot serve."""
    responders = [world.nodes[i] for i in RESPONDERS]
    preferred = responders[count % len(responders)]
    if serves(preferred):
        return preferred
    return next((r for r in responders if serves(r)), None)


def _draw(rng: random.Random, caller: NodeState, callee: NodeState) -> tuple[float, NrpcStatus, str]:
    """Latency in ms and outcome: mostly under 10 ms, some 10-100 ms, a few slower, some lost."""
    deadline_ms = DEADLINE * 1000.0
    if not (caller.reachable and callee.reachable):
        return deadline_ms, "Timeout", "deadline exceeded (peer unreachable)"
    roll = rng.random()
    if roll < 0.004:
        return rng.uniform(0.3, 3.0), "Err", rng.choice(ERRORS)
    if roll < 0.009:
        return deadline_ms, "Timeout", "deadline exceeded"
    shape = rng.random()
    if shape < 0.86:
        service = rng.lognormvariate(0.3, 0.6)
    elif shape < 0.97:
        service = rng.uniform(10.0, 100.0)
    else:
        service = rng.uniform(100.0, 1_600.0)
    latency = caller.rtt_ms + callee.rtt_ms + service
    if latency >= deadline_ms:
        return deadline_ms, "Timeout", "deadline exceeded"
    return latency, "Ok", ""
