"""The simulated mesh: a pure, seeded, time-stepped model the deck advances and snapshots."""

from __future__ import annotations

import logging
import math

from . import client_blobs as blobs
from . import client_chains as chains
from . import client_daemons as daemons
from . import client_logs as logs
from . import client_migrations as migrations
from . import client_nodes as nodes
from . import client_nrpc as nrpc
from . import client_relay as relay
from .client_admin import submit
from .client_blast import blast_radius
from .client_crypto import OperatorRegistry, SignedCommand, Verifier
from .client_snapshot import SnapshotBuilder
from .client_world import World
from .model import BlastRadius, MeshSnapshot, Outcome
from .model_commands import AdminCommand

__all__ = ["MAX_NODES", "MIN_NODES", "Mesh"]

log = logging.getLogger(__name__)

MIN_NODES = 3  # the operator's node, a second nRPC responder, and at least one requester
MAX_NODES = 64


class Mesh:
    """A simulated N-node mesh that lives entirely in this process.

    Nothing runs on its own: `advance_to(t)` processes every scheduled event up to `t` in
    time order, drawing from one `random.Random(seed)`. The state at `t` depends only on the
    seed, the start and the commands submitted, not on how often the mesh was advanced.

    Args:
        seed: seeds the simulation's random generator.
        nodes: node count; node 0 is the operator's view.
        start: the simulated clock's start, in epoch seconds.
        registry: operators whose signed commands `submit` accepts (empty if omitted).
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        nodes: int = 9,
        start: float,
        registry: OperatorRegistry | None = None,
    ) -> None:
        if isinstance(nodes, bool) or not isinstance(nodes, int):
            raise TypeError(f"mesh-demo: nodes must be an integer, got {nodes!r}")
        if not MIN_NODES <= nodes <= MAX_NODES:
            raise ValueError(f"mesh-demo: nodes must be {MIN_NODES}..{MAX_NODES}, got {nodes}")
        if not math.isfinite(start):
            raise ValueError(f"mesh-demo: start must be a finite time, got {start!r}")
        self.seed = seed
        self.registry = registry if registry is not None else OperatorRegistry()
        self._verifier = Verifier(self.registry)
        self._world = world = World(seed=seed, node_count=nodes, start=start)
        _build(world)
        relay.start(world, self._verifier, self.registry, seed)
        self._snapshots = SnapshotBuilder(world)

    @property
    def now(self) -> float:
        return self._world.now

    @property
    def node_count(self) -> int:
        return self._world.node_count

    def advance_to(self, t: float) -> int:
        """Process every event due at or before `t`; returns how many ran. Never goes back."""
        if not math.isfinite(t):
            log.warning("mesh-demo: ignoring advance to non-finite time %r", t)
            return 0
        if t <= self._world.now:
            return 0
        return self._world.queue.run_until(t)

    def snapshot(self) -> MeshSnapshot:
        """The mesh as of the last advance; cheap when little changed."""
        return self._snapshots.build()

    def simulate(self, command: AdminCommand) -> BlastRadius:
        """What `command` would touch right now, without changing anything."""
        return blast_radius(self._world, command)

    def submit(self, signed: SignedCommand, now: float) -> Outcome:
        """Advance to `now`, verify `signed` at `now`, apply it if valid, and audit the outcome."""
        self.advance_to(now)
        return submit(self._world, self._verifier, signed, now)


def _build(world: World) -> None:
    nodes.build_nodes(world)
    agents = daemons.seed_roster(world)
    blobs.build_adapters(world)
    chains.build_chains(world)
    for subsystem in (nodes, daemons, blobs, chains, migrations, nrpc):
        subsystem.start(world)
    logs.start(world, agents)
