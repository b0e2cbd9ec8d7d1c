"""The flight recorder's cost with the falcon layout at 2,000 nodes for an hour, without Ray.

Each second the coordinator's status changes (every node's loss moves, its history grows), as
in a live run; the recorder keeps each result as the deck does (pickled, zlib) in a ring of the
default size. Prints the CPU each result costs, its share of one core at the falcon layout's 1 s
refresh, what `--record FILE` adds (tagged JSON, masked), and the ring's memory (its own count
and the objects' sizes) against the budget. Usage: python bench/recorder.py [--nodes 2000] [--seconds 3600]
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import sys
import time
import zlib
from datetime import datetime, timezone

from deck._recorder import _payload, pickled_result
from deck._ring import Record, Ring
from deck._sources import Result
from deck.plugins.falcon_nodes.model import BufferStats, FalconStatus, NodeStatus

HISTORY = 32  # points of loss history per node, as the sparkline keeps


def status(nodes: int, second: int, rng: random.Random) -> FalconStatus:
    """A coordinator answer where every node's loss moved since the last second."""
    rows = tuple(
        NodeStatus(
            name=f"node-{i:04d}",
            status="dead" if (i * 7 + second) % 997 == 0 else "training",
            samples=second * 64 + i,
            current_epoch=second // 600,
            total_epochs=10,
            loss=round(2.0 / (1 + second / 300) + rng.random() / 50, 5),
            loss_history=tuple(round(2.0 / (1 + (second - k) / 300), 5) for k in range(HISTORY)),
        )
        for i in range(nodes)
    )
    buffer = BufferStats(training=second * 100, validation=second * 10, total_length=second * 110)
    return FalconStatus("/runs/bench", datetime(2026, 1, 1, tzinfo=timezone.utc), rows, buffer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=3600)
    args = parser.parse_args()
    rng = random.Random(1)
    ring = Ring()  # the defaults: 15 minutes, 64 MiB
    spent = 0.0
    to_file = 0.0  # what `--record FILE` adds: the masked JSON a file gets
    started = time.perf_counter()
    for second in range(args.seconds):
        result = Result("falcon.status", status(args.nodes, second, rng), fetched_at=float(second))
        before = time.process_time()
        pickled = pickled_result(result)
        assert pickled is not None
        ring.add(Record.pack(float(second), second, result.source, pickled, live=True))
        spent += time.process_time() - before
        if second % 60 == 0:
            before = time.process_time()
            Record.pack(float(second), second, result.source, _payload(result))
            to_file += (time.process_time() - before) * 60
    held = sum(sys.getsizeof(r) + sys.getsizeof(r.blob) for r in [*ring.records, *ring.bases.values()])
    last = ring.records[-1]
    before = time.process_time()
    pickle.loads(zlib.decompress(last.blob))
    decode_ms = (time.process_time() - before) * 1000
    figures = {
        "nodes": args.nodes,
        "results": args.seconds,
        "record_ms_mean": round(spent / args.seconds * 1000, 2),
        "cpu_share_at_1s_refresh_pct": round(spent / args.seconds * 100, 2),
        "record_bytes": len(last.blob),
        "with_record_file_ms_mean": round(to_file / args.seconds * 1000, 2),
        "ring_records": len(ring),
        "ring_reach_s": ring.newest - (ring.oldest or 0) if ring.newest is not None else 0,
        "ring_mib": round(ring.bytes / 2**20, 1),
        "ring_objects_mib": round(held / 2**20, 1),
        "budget_mib": ring.budget // 2**20,
        "decode_one_ms": round(decode_ms, 1),
        "wall_s": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
