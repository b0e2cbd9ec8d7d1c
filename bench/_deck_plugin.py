"""A deck plugin that shows the synthetic process table in the system plugin's own panel.

Loaded by path from the layout `side_deck.py` writes (`from: .../_deck_plugin.py`), so the
table under test is exactly the one `deck --layout system` shows, fed the benchmark's rows.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from deck import Option, PanelType, Source, hookimpl
from deck.plugins.system.model import ProcessInfo
from deck.plugins.system.panels_processes import ProcessesPanel

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the bench folder, for _data
from _data import ProcessRow, process_rows

__all__ = ["BenchPlugin", "as_process_info", "plugin"]


def as_process_info(rows: Sequence[ProcessRow]) -> tuple[ProcessInfo, ...]:
    """The rows as the snapshot the system plugin's source would deliver."""
    return tuple(ProcessInfo(*row) for row in rows)


class BenchProcessesPanel(ProcessesPanel):
    """The system process table, fed by the benchmark source."""

    sources = ("bench.processes",)


class BenchPlugin:
    """One source of synthetic processes and the process-table panel."""

    @hookimpl
    def deck_options(self) -> Mapping[str, Option]:
        return {
            "rows": Option(int, 300, "processes in the snapshot"),
            "seed": Option(int, 1, "seed of the synthetic rows"),
        }

    @hookimpl
    def deck_sources(self, config: Mapping[str, Any]) -> list[Source[Any]]:
        count, seed = config["rows"], config["seed"]
        return [Source("bench.processes", lambda: as_process_info(process_rows(count, seed)), interval=None)]

    @hookimpl
    def deck_panels(self) -> list[PanelType]:
        return [PanelType("bench.processes", BenchProcessesPanel, {}, "synthetic processes", "Processes")]


plugin = BenchPlugin
