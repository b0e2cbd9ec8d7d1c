"""The live mesh behind the deck: a simulated clock, the operator's key, and the snapshot source."""

from __future__ import annotations

import getpass
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from deck import Source, now

from .commands import AdminCommand
from .crypto import Operator, OperatorRegistry
from .model import BlastRadius, MeshSnapshot, Outcome
from .sim import Mesh

__all__ = ["FOLLOW", "MAX_GAP", "SOURCE", "Focus", "MeshSession", "SimClock", "open_session"]

log = logging.getLogger(__name__)

SOURCE = "mesh.snapshot"
#: A longer pause of the wall clock (a suspended laptop, a stopped process) counts as this long.
MAX_GAP = 5.0
REFRESH_RANGE = (0.05, 10.0)


class SimClock:
    """Simulated time that follows the wall clock, except that a long pause only counts MAX_GAP.

    Without the cap, waking from suspend would make the mesh replay hours of events at once.
    The simulated time never goes back, even when the wall clock does.
    """

    def __init__(self, wall: Callable[[], float] = now, max_gap: float = MAX_GAP) -> None:
        self._wall = wall
        self._max_gap = max_gap
        self._last = wall()
        self._offset = 0.0

    def now(self) -> float:
        wall = self._wall()
        gap = wall - self._last
        if gap > self._max_gap:
            self._offset -= gap - self._max_gap
        elif gap < 0:
            self._offset -= gap
        self._last = wall
        return wall + self._offset

    def skip(self, seconds: float) -> None:
        """Jump the simulated time ahead (for demos and tests that cannot wait)."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"can only skip ahead a finite number of seconds, got {seconds!r}")
        self._offset += seconds


#: What a linked view may follow: nothing, the selected group, or the selected node.
FOLLOW = ("none", "group", "node")


@dataclass
class Focus:
    """What the operator last selected, so linked views (map, members, node log) can follow it."""

    node: str | None = None
    group: str | None = None

    def followed(self, what: str) -> str | None:
        """The selected node or group id for `what` ("node", "group"); None for "none"."""
        return self.node if what == "node" else self.group if what == "group" else None


@dataclass
class MeshSession:
    """One deck's mesh: the simulation, the clock it follows, and who signs the commands."""

    mesh: Mesh
    operator: Operator
    clock: SimClock
    seed: int
    export_dir: str
    focus: Focus = field(default_factory=Focus)

    async def fetch(self) -> MeshSnapshot:
        """Advance the mesh to the simulated now and take its snapshot (cheap: runs on the loop)."""
        self.mesh.advance_to(self.clock.now())
        return self.mesh.snapshot()

    def snapshot(self) -> MeshSnapshot:
        """The mesh as of its last advance."""
        return self.mesh.snapshot()

    def simulate(self, command: AdminCommand) -> BlastRadius:
        """What `command` would touch now, without changing anything."""
        self.mesh.advance_to(self.clock.now())
        return self.mesh.simulate(command)

    def submit(self, command: AdminCommand) -> Outcome:
        """Sign `command` with the operator's key and submit it; the mesh audits the outcome."""
        now = self.clock.now()
        return self.mesh.submit(self.operator.sign(command, now), now)

    def source(self, interval: float) -> Source[MeshSnapshot]:
        return Source(
            SOURCE,
            self.fetch,
            interval=interval,
            timeout=5.0,
            description="the simulated mesh, advanced to the clock",
        )


def _login_name() -> str:
    try:
        return getpass.getuser() or "operator"
    except (OSError, KeyError):
        return "operator"


def open_session(config: Mapping[str, Any], clock: SimClock | None = None) -> MeshSession:
    """Build the mesh from the plugin config, with a fresh operator key registered to sign for it."""
    refresh = config["refresh"]
    low, high = REFRESH_RANGE
    if not low <= refresh <= high:
        raise ValueError(f"mesh: refresh must be between {low} and {high} seconds, got {refresh}")
    operator = Operator.generate(config["operator"] or _login_name())
    registry = OperatorRegistry()
    registry.register(operator.operator_id, operator.public_key)
    clock = clock or SimClock()
    mesh = Mesh(seed=config["seed"], nodes=config["nodes"], start=clock.now(), registry=registry)
    log.info(
        "mesh-demo: %d nodes, seed %d, operator %s (key %s)",
        mesh.node_count,
        config["seed"],
        operator.operator_id,
        operator.fingerprint,
    )
    return MeshSession(mesh, operator, clock, config["seed"], config["export_dir"])
