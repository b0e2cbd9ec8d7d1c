"""Blob adapters: one per node with its own disk cap, blobs written, replicated and evicted."""

from __future__ import annotations

import math

from .client_state import AdapterState, BlobState
from .client_world import ADAPTERS, BLOBS, World

__all__ = ["GiB", "build_adapters", "new_blob", "put", "start"]

GiB = 1 << 30
MiB = 1 << 20
CAPS_GIB = (64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048)
HIGH_WATER = 0.92  # above this share of its cap an adapter spills new blobs to a peer
MAX_BLOBS = 40
CHURN_MEAN_GAP = 2.5
WRITE_BYTES_PER_S = 1.5 * GiB
CHANNELS = (
    "weights/llama-3-70b",
    "weights/mixtral-8x22b",
    "kv/prefix-cache",
    "rollouts/cohort-{n}",
    "ckpt/trainer-canary",
    "embeddings/shard-{n}",
    "traces/eval-{n}",
)


def build_adapters(world: World) -> None:
    """Distinct caps where possible; the two largest are vaults, the smallest starts nearly full."""
    rng, count = world.rng, len(world.nodes)
    caps = rng.sample(CAPS_GIB, count) if count <= len(CAPS_GIB) else rng.choices(CAPS_GIB, k=count)
    ranked = sorted(range(count), key=lambda i: caps[i])
    vaults, smallest = set(ranked[-2:]), ranked[0]
    for index, node in enumerate(world.nodes):
        cap = caps[index] * GiB
        role = "anchor" if index == 0 else "vault" if index in vaults else "edge"
        share = rng.uniform(0.86, 0.89) if index == smallest else rng.uniform(0.2, 0.55)
        other = int(cap * share)
        adapter = AdapterState(f"blob@{node.id}", node.id, role, cap, other, other)
        world.adapters.append(adapter)
        ages = sorted((rng.uniform(60.0, 6 * 3600.0) for _ in range(rng.randint(8, 16))), reverse=True)
        for age in ages:
            blob = _random_blob(world, created_at=world.start - age)
            blob.have, blob.status = blob.want, "stored"
            _store(adapter, blob)


def start(world: World) -> None:
    world.queue.after(world.rng.expovariate(1 / CHURN_MEAN_GAP), _churn, world)


def put(world: World, adapter: AdapterState, blob: BlobState) -> AdapterState:
    """Write `blob`, spilling to the emptiest reachable peer if `adapter` is full or offline."""
    target = adapter
    if not _writable(world, adapter, blob.size):
        peers = [a for a in world.adapters if a is not adapter and _writable(world, a, blob.size)]
        if peers:
            target = min(peers, key=lambda a: a.used / a.cap)
            adapter.overflow += 1
            world.log(
                "WARN",
                f"{adapter.id} full — blob {blob.hash[:12]} overflowed to {target.id}",
                node=adapter.node,
                kind="blob",
            )
    _store(target, blob)
    _make_room(target)
    world.queue.after(max(0.2, blob.size / WRITE_BYTES_PER_S), _written, world, target, blob)
    world.touch(BLOBS, ADAPTERS)
    return target


def new_blob(
    world: World, channel: str, size: int, want: int, *, created_at: float | None = None
) -> BlobState:
    """A blob not yet stored anywhere; `put` writes it."""
    when = world.now if created_at is None else created_at
    return BlobState(world.new_hex(256), size, want, channel, when)


def _random_blob(world: World, *, created_at: float) -> BlobState:
    rng = world.rng
    size = int(min(8 * GiB, max(4096, math.exp(rng.gauss(math.log(48 * MiB), 1.6)))))
    return new_blob(world, _channel(world), size, rng.choice((2, 2, 3)), created_at=created_at)


def _channel(world: World) -> str:
    return world.rng.choice(CHANNELS).format(n=world.rng.randint(1, 64))


def _writable(world: World, adapter: AdapterState, size: int) -> bool:
    node = world.node(adapter.node)
    reachable = node is not None and node.reachable
    return reachable and adapter.used + size <= HIGH_WATER * adapter.cap


def _store(adapter: AdapterState, blob: BlobState) -> None:
    adapter.blobs.append(blob)
    adapter.blob_bytes += blob.size


def _make_room(adapter: AdapterState) -> None:
    """Evict the oldest stored blobs while the adapter holds too many or is above high water."""
    while len(adapter.blobs) > MAX_BLOBS or adapter.used > HIGH_WATER * adapter.cap:
        victim = next((b for b in adapter.blobs if b.status == "stored"), None)
        if victim is None:
            return
        adapter.blobs.remove(victim)
        adapter.blob_bytes -= victim.size


def _churn(world: World) -> None:
    rng = world.rng
    world.queue.after(rng.expovariate(1 / CHURN_MEAN_GAP), _churn, world)
    put(world, rng.choice(world.adapters), _random_blob(world, created_at=world.now))


def _written(world: World, adapter: AdapterState, blob: BlobState) -> None:
    if blob not in adapter.blobs:
        return
    blob.have, blob.view = 1, None
    blob.status = "replicating" if blob.want > 1 else "stored"
    if blob.want > 1:
        world.queue.after(world.rng.uniform(0.4, 2.5), _replicated, world, adapter, blob)
    world.touch(BLOBS)


def _replicated(world: World, adapter: AdapterState, blob: BlobState) -> None:
    if blob not in adapter.blobs:
        return
    blob.have, blob.view = blob.have + 1, None
    if blob.have >= blob.want:
        blob.status = "stored"
    else:
        world.queue.after(world.rng.uniform(0.4, 2.5), _replicated, world, adapter, blob)
    world.touch(BLOBS)
