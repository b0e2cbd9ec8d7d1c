"""Data chains: replicas on several nodes that lose holders to outages and repair elsewhere."""

from __future__ import annotations

from . import client_placement as placement
from .client_state import ChainState, NodeState
from .client_world import CHAINS, World

__all__ = ["DATA_CHAINS", "build_chains", "can_hold", "drop_holder", "holds_here", "start"]

DATA_CHAINS = ("weights/llama-3-70b", "kv/prefix-cache", "rollouts/ledger", "ckpt/trainer-canary")
DESIRED = 3
CHAIN_TICK = 2.0


def build_chains(world: World) -> None:
    rng = world.rng
    desired = min(DESIRED, len(world.nodes))
    for name in DATA_CHAINS:
        holders = [n.id for n in rng.sample(world.nodes, desired)]
        world.chains.append(ChainState(name, desired, holders, holders[0]))


def start(world: World) -> None:
    world.queue.after(CHAIN_TICK, _tick, world)


def can_hold(node: NodeState) -> bool:
    """A node keeps (and may receive) replicas unless unreachable, in maintenance or drained."""
    return node.reachable and not (node.maintenance or node.drained)


def holds_here(world: World, node_id: str) -> list[ChainState]:
    return [c for c in world.chains if node_id in c.holders]


def _tick(world: World) -> None:
    """Drop holders that cannot hold, re-elect a lost leader, start one repair per chain."""
    world.queue.after(CHAIN_TICK, _tick, world)
    for chain in world.chains:
        for holder in list(chain.holders):
            node = world.node(holder)
            if node is None or not can_hold(node):
                drop_holder(world, chain, holder)
        if chain.repairing is None and len(chain.holders) < chain.desired and not world.frozen:
            _start_repair(world, chain)


def drop_holder(world: World, chain: ChainState, holder: str) -> None:
    """`holder` no longer holds a replica of `chain`; a lost leader is replaced by the next holder."""
    chain.holders.remove(holder)
    held = f"{len(chain.holders)}/{chain.desired}"
    world.note("chain", f"{chain.name} lost holder {holder} ({held})", node=holder, level="WARN")
    if chain.leader == holder:
        chain.leader = chain.holders[0] if chain.holders else None
        elected = f"elected {chain.leader}" if chain.leader else "has no leader"
        world.note("chain", f"{chain.name} {elected}", node=chain.leader)
    world.touch(CHAINS)


def _start_repair(world: World, chain: ChainState) -> None:
    leader = world.node(chain.leader) if chain.leader else None
    candidates = [
        n
        for n in world.nodes
        if can_hold(n)
        and n.id not in chain.holders
        and (leader is None or not placement.avoids(world, leader, n.id))
    ]
    if not candidates:
        return
    target = world.rng.choice(candidates)
    chain.repairing = target.id
    chain.gen += 1
    world.queue.after(world.rng.uniform(3.0, 8.0), _repaired, world, chain, chain.gen)
    world.note("chain", f"{chain.name} re-replicating to {target.id}", node=target.id)
    world.touch(CHAINS)


def _repaired(world: World, chain: ChainState, gen: int) -> None:
    if chain.gen != gen or chain.repairing is None:
        return
    node = world.node(chain.repairing)
    chain.repairing = None
    if node is not None and can_hold(node):
        chain.holders.append(node.id)
        if chain.leader is None:
            chain.leader = node.id
        held = f"{len(chain.holders)}/{chain.desired}"
        world.note("chain", f"{chain.name} holder {node.id} in sync ({held})", node=node.id)
    world.touch(CHAINS)
