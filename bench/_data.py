"""The synthetic process table both sides of the comparison show, row for row the same.

Standard library only: the deck side and the Textual side (in its own venv) both import it.
"""

from __future__ import annotations

import random
from typing import NamedTuple

__all__ = [
    "COLUMNS",
    "FILTER_WORDS",
    "PAGE",
    "TABLE_OPS",
    "WRITTEN",
    "ProcessRow",
    "figure_name",
    "process_rows",
]

#: The system layout's process-table columns, in order.
COLUMNS = ("PID", "User", "CPU%", "MEM%", "RSS", "Thr", "State", "Command")

_SERVICES = (
    "trainer", "loader", "sampler", "evaluator", "reporter", "tokenizer", "sharder", "gateway",
    "scheduler", "planner", "router", "exporter", "indexer", "profiler", "watcher", "uploader",
    "compactor", "prefetch", "replayer", "auditor",
)  # fmt: skip
_USERS = ("root", "svc", "ml", "ray", "nobody")
_STATES = ("running", "sleeping", "sleeping", "sleeping", "idle", "disk-sleep", "zombie")

#: Filter words typed in turn; each matches about 1 row in 20, whatever the row count.
FILTER_WORDS = ("trainer", "sampler", "router", "indexer", "auditor")


#: What both sides time over the table, in order; each figure is named by `figure_name`.
TABLE_OPS = ("first render", "cursor move", "page down", "sort (invert CPU%)", "filter", "peak RSS")


#: More than a page of a 200x50 table: closer than this to the end, the cursor goes back to the
#: top before a timed move, so that every move moves.
PAGE = 60

#: deck also reports each step up to the frame written to a terminal, named with this suffix.
WRITTEN = " + terminal output"


def figure_name(rows: int, op: str) -> str:
    """The name of one table figure, the same on both sides: "10,000 rows: cursor move"."""
    return f"{rows:,} rows: {op}"


class ProcessRow(NamedTuple):
    """One process: the fields of the system plugin's ProcessInfo, as plain values."""

    pid: int
    name: str
    user: str
    cpu: float
    memory: float
    rss: int
    threads: int
    status: str
    command: str


def process_rows(count: int, seed: int = 1) -> list[ProcessRow]:
    """`count` processes, the same for the same seed."""
    pick = random.Random(seed)
    rows = []
    for index in range(count):
        service = pick.choice(_SERVICES)
        rows.append(
            ProcessRow(
                pid=1000 + index,
                name=service,
                user=pick.choice(_USERS),
                cpu=round(pick.random() * 100, 1),
                memory=round(pick.random() * 10, 1),
                rss=pick.randrange(1 << 20, 8 << 30),
                threads=pick.randrange(1, 64),
                status=pick.choice(_STATES),
                command=f"/opt/ai/bin/{service} --shard {index} --config /etc/ai/{service}.yaml",
            )
        )
    return rows
