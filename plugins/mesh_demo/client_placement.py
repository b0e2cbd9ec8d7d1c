"""Placement: the peers each node avoids for a while, and where new work may land."""

from __future__ import annotations

from .client_state import NodeState
from .client_world import NODES, World

__all__ = ["AVOID_SECONDS", "avoid", "avoided", "avoids", "clear", "next_peer"]

#: How long a node keeps a peer on its avoid list after the peer failed it.
AVOID_SECONDS = 180.0


def avoid(world: World, node: NodeState, peer: str) -> None:
    """`node` places nothing on `peer` for the next AVOID_SECONDS."""
    node.avoid[peer] = world.now + AVOID_SECONDS
    world.touch(NODES)


def avoids(world: World, node: NodeState, peer: str) -> bool:
    return node.avoid.get(peer, 0.0) > world.now


def avoided(world: World, node: NodeState) -> dict[str, float]:
    """The peers `node` avoids now, and until when, by id."""
    return {peer: until for peer, until in sorted(node.avoid.items()) if until > world.now}


def clear(world: World, node: NodeState) -> list[str]:
    """Forget every peer `node` avoids; returns the ones it still avoided."""
    forgotten = list(avoided(world, node))
    node.avoid.clear()
    world.touch(NODES)
    return forgotten


def next_peer(world: World, source: NodeState, *, take: bool = True) -> NodeState | None:
    """The next schedulable peer in rotation that `source` does not avoid; `take` moves the
    rotation past it (the migrations from node 0 do; a re-placed daemon only looks)."""
    peers = [n for n in world.nodes if n is not source]
    for step in range(len(peers)):
        candidate = peers[(world.rotation + step) % len(peers)]
        if candidate.schedulable and not avoids(world, source, candidate.id):
            if take:
                world.rotation = (world.rotation + step + 1) % len(peers)
            return candidate
    return None
