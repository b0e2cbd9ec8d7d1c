"""node_agent log lines: one per node every ~800 ms ± 150 ms, in an AI-inference voice."""

from __future__ import annotations

import random

from .client_state import DaemonState, NodeState
from .client_world import World
from .model import LogLevel

__all__ = ["LOG_JITTER", "LOG_PERIOD", "compose", "start"]

LOG_PERIOD = 0.8
LOG_JITTER = 0.15
GPUS_PER_NODE = 8

_INFO = (
    "prefill batch {batch} completed — tokens/s {tps}",
    "decode step {step} :: ttft {ms}ms",
    "dispatched batch {batch} to replica {replica} in {ms}ms",
    "kv cache hit rate {pct}% on prompt {prompt}",
    "kv cache eviction freed {mb}MB in {ms}ms",
    "speculative draft accept ratio {pct}% :: batch {batch}",
    "embedding shard {shard} flushed to blob store ({kb}KB)",
    "weights sync verified :: epoch {epoch}",
    "scheduler tick — queue depth {depth}",
    "rollout cohort {cohort} — p99 delta {ms}ms",
    "trace {trace} served in {ms}ms ({tokens} tokens)",
    "telemetry flush {records} records",
)
_DEBUG = (
    "nccl allreduce {mb}MB in {ms}ms",
    "cuda graph replay hit :: bucket {bucket}",
    "tokenizer queue depth {depth} :: backpressure clear",
    "paged attention block table grew to {blocks} blocks",
)
_WARN = (
    "kv cache pressure {pct}% — evicting cold prefixes",
    "ttft p99 {ms}ms above 250ms target",
    "thermal throttle at {temp}°C — clocks reduced",
    "request queue depth {depth} over soft limit",
)
_ERROR = (
    "ECC correctable errors {records} on HBM stack {replica}",
    "request {trace} aborted: context length exceeds limit",
    "batch {batch} dropped: sampler produced NaN logits",
)
_RANGES = {
    "batch": (1_000, 9_999),
    "tps": (120, 480),
    "step": (1, 4_096),
    "ms": (2, 240),
    "replica": (0, 2),
    "pct": (41, 99),
    "mb": (16, 2_048),
    "kb": (64, 8_192),
    "shard": (0, 255),
    "epoch": (1, 90),
    "depth": (0, 64),
    "cohort": (1, 40),
    "tokens": (16, 4_096),
    "records": (8, 4_000),
    "bucket": (1, 256),
    "blocks": (512, 65_536),
    "temp": (82, 91),
}
_HEX = {"trace": 32, "prompt": 24}


class _Numbers(dict):  # type: ignore[type-arg]
    """Fills template fields with plausible numbers drawn from the simulation's generator."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self._rng = rng

    def __missing__(self, key: str) -> str:
        bits = _HEX.get(key)
        if bits:
            return f"{self._rng.getrandbits(bits):0{bits // 4}x}"
        low, high = _RANGES[key]
        return str(self._rng.randint(low, high))


def compose(rng: random.Random, *, degraded: bool) -> tuple[LogLevel, str]:
    """Pick a level (warnings are likelier on a degraded node) and fill a template for it."""
    roll = rng.random()
    warn_share = 0.15 if degraded else 0.05
    level: LogLevel
    corpus: tuple[str, ...]
    if roll < 0.012:
        level, corpus = "ERROR", _ERROR
    elif roll < 0.012 + warn_share:
        level, corpus = "WARN", _WARN
    elif roll < 0.162 + warn_share:
        level, corpus = "DEBUG", _DEBUG
    else:
        level, corpus = "INFO", _INFO
    text = rng.choice(corpus).format_map(_Numbers(rng))
    return level, f"gpu-{rng.randrange(GPUS_PER_NODE)} :: {text}"


def start(world: World, agents: list[DaemonState]) -> None:
    """Start each node's log loop at a staggered offset so the nodes do not tick together."""
    for agent, node in zip(agents, world.nodes, strict=True):
        world.queue.after(world.rng.uniform(0.05, LOG_PERIOD), _emit, world, agent, node)


def _emit(world: World, agent: DaemonState, node: NodeState) -> None:
    rng = world.rng
    delay = LOG_PERIOD + rng.uniform(-LOG_JITTER, LOG_JITTER)
    world.queue.after(delay, _emit, world, agent, node)
    if agent.state != "running":
        return
    level, message = compose(rng, degraded=node.health == "degraded")
    world.log(level, message, node=node.id, daemon=agent)
