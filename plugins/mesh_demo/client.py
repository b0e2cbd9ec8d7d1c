"""The mesh behind the deck: the simulation, its clock, and the operator's key (no urwid here)."""

from __future__ import annotations

import getpass
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from deck import PluginError, now

from .client_crypto import Operator, OperatorRegistry
from .client_sim import Mesh
from .model import BlastRadius, MeshSnapshot, Outcome
from .model_commands import AdminCommand

__all__ = ["MAX_GAP", "MeshClient", "SimClock", "open_client", "running"]

log = logging.getLogger(__name__)

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


@dataclass
class MeshClient:
    """One deck's mesh, the backend: the simulation, the clock it follows, who signs commands.

    It holds no view state: what the operator selects travels as the source's parameters.
    """

    mesh: Mesh
    operator: Operator
    clock: SimClock
    seed: int
    export_dir: str

    def fetch(self) -> MeshSnapshot:
        """Advance the mesh to the simulated now and take its snapshot (cheap enough for the loop)."""
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


def _login_name() -> str:
    try:
        return getpass.getuser() or "operator"
    except (OSError, KeyError):
        return "operator"


def open_client(config: Mapping[str, Any], clock: SimClock | None = None) -> MeshClient:
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
    return MeshClient(mesh, operator, clock, config["seed"], config["export_dir"])


def running(client: MeshClient | None) -> MeshClient:
    """The plugin's client, once deck_configure has opened it; before that there is no mesh to show."""
    if client is None:
        raise PluginError("the mesh is not running: the plugin was never configured")
    return client
