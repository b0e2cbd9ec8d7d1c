"""A fake clock for the mesh-demo tests: a fixed start and a deck-like stepping loop."""

from __future__ import annotations

from collections.abc import Iterator

from deck.plugins.mesh_demo import Mesh, MeshSnapshot

START = 1_700_000_000.0


def walk(mesh: Mesh, seconds: float, step: float = 0.25) -> Iterator[MeshSnapshot]:
    """Advance like the deck does, one snapshot per step; yields each snapshot."""
    base = mesh.now
    for i in range(1, round(seconds / step) + 1):
        mesh.advance_to(base + i * step)
        yield mesh.snapshot()


def settle(mesh: Mesh, seconds: float) -> MeshSnapshot:
    """Advance `seconds` in one go and return the snapshot."""
    mesh.advance_to(mesh.now + seconds)
    return mesh.snapshot()
