"""Admin commands relayed by peers: now and then one that does not verify, which the mesh
rejects and audits, so an operator sees in AUDIT what a forged or replayed command looks like."""

from __future__ import annotations

import random
from collections.abc import Callable

from .client_admin import submit
from .client_crypto import Operator, OperatorRegistry, SignedCommand, Verifier
from .client_world import World
from .model_commands import AdminCommand

__all__ = ["FIRST_AFTER", "MEAN_GAP", "start"]

#: Seconds before the first relayed command that does not verify, then the mean gap between them.
FIRST_AFTER = 240.0
MEAN_GAP = 600.0
STALE_BY = 900.0
INTRUDER = "mallory"


def start(world: World, verifier: Verifier, registry: OperatorRegistry, seed: int) -> None:
    """Schedule the relayed commands; their own random source leaves the rest of the mesh as it was."""
    rng = random.Random(f"relay:{seed}")
    world.queue.after(FIRST_AFTER + rng.expovariate(1 / MEAN_GAP), _relay, world, verifier, registry, rng)


def _relay(world: World, verifier: Verifier, registry: OperatorRegistry, rng: random.Random) -> None:
    world.queue.after(rng.expovariate(1 / MEAN_GAP), _relay, world, verifier, registry, rng)
    peers = world.nodes[1:]
    via = rng.choice(peers).id
    target = rng.choice(peers).id
    command = rng.choice(_COMMANDS)(target)
    signed = _bad_signature(rng, registry, command, world.now)
    submit(world, verifier, signed, world.now, via=via)


def _bad_signature(
    rng: random.Random, registry: OperatorRegistry, command: AdminCommand, now: float
) -> SignedCommand:
    """Signed by an unknown operator, or by a key not registered for the id it claims, now or long ago."""
    kind = rng.choice(("unknown", "forged", "stale"))
    ids = registry.ids()
    claimed = INTRUDER if kind == "unknown" or not ids else rng.choice(ids)
    issued = now - STALE_BY if kind == "stale" else now
    return Operator.from_seed(claimed, rng.randbytes(32)).sign(command, issued, nonce=rng.randbytes(8).hex())


_COMMANDS: tuple[Callable[[str], AdminCommand], ...] = (
    AdminCommand.cordon,
    AdminCommand.drop_replicas,
    lambda _: AdminCommand.freeze(3600),
    lambda _: AdminCommand.flush_avoid(),
)
