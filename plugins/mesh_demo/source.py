"""The mesh snapshot source; what the operator selected (a node, a group) is its parameter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deck import Context, Source

from .client import MeshClient
from .model import MeshSnapshot

__all__ = ["FOLLOW", "SOURCE", "followed", "mesh_source", "select"]

SOURCE = "mesh.snapshot"

#: What a linked view may follow: nothing, the selected group, or the selected node.
FOLLOW = ("none", "group", "node")


def mesh_source(client: MeshClient, interval: float) -> Source[MeshSnapshot]:
    """The snapshot source. Its parameters are the operator's selection, which linked views
    (the map, a group's members, a node's log) follow; the snapshot itself does not depend on it."""

    async def fetch(params: Mapping[str, Any]) -> MeshSnapshot:
        # On the loop, like the actions that change the mesh: the simulation needs no lock.
        return client.fetch()

    return Source(
        SOURCE,
        fetch,
        interval=interval,
        timeout=5.0,
        description="the simulated mesh, advanced to the clock",
        params={"node": None, "group": None},
    )


def followed(ctx: Context, what: str) -> str | None:
    """The selected node or group id for `what` ("node", "group"); None for "none"."""
    return ctx.params(SOURCE)[what] if what in ("node", "group") else None


def select(ctx: Context, **selection: str | None) -> None:
    """Record what the operator selected (node=..., group=...), for the views that follow it."""
    ctx.retarget(SOURCE, **selection)
