"""The runs list of a falcon-sbi output folder: picking a run shows it in every other falcon panel."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from deck import PanelContext, Result, TablePanel
from deck.plugins.falcon_nodes.client_rundir import RunSummary
from deck.plugins.falcon_nodes.panels import STATUS_ROLES
from deck.plugins.falcon_nodes.source import LOG_SOURCE, STATUS_SOURCE
from deck.plugins.falcon_nodes.source_rundir import RUNS_SOURCE
from deck.widgets import Cell, Column, badge, duration, local_time

__all__ = ["RunsPanel"]

_ROLES = {**STATUS_ROLES, "starting": "good", "running": "good"}


def _state(run: RunSummary) -> str:
    return "running" if run.state == "starting" else run.state


def _duration(run: RunSummary) -> float | None:
    return run.ended - run.started if run.started is not None and run.ended is not None else None


def _loss(value: float | None) -> Cell:
    return [("muted", "—")] if value is None or not math.isfinite(value) else f"{value:.4f}"


class RunsPanel(TablePanel[RunSummary]):
    """Every run in the folder, newest first; the selected one is what the node table shows."""

    sources = (RUNS_SOURCE,)
    columns = (
        Column("Run", lambda r: r.name, weight=3, min_width=12),
        Column("State", _state, badge(_ROLES), width=13),
        Column("Started", lambda r: r.started, lambda v: local_time(v, "%m-%d %H:%M:%S"), width=14),
        Column("Duration", _duration, duration, width=10, align="right"),
        Column("Nodes", lambda r: r.nodes, width=6, align="right"),
        Column("Best val loss", lambda r: r.best_loss, _loss, width=13, align="right"),
    )

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx, row_id=lambda run: run.path, empty="no falcon-sbi runs in this folder yet")
        self.table.on_select = self._selected

    def update(self, result: Result[Any]) -> None:
        if result.value is not None:
            self.table.update(result.value)

    def _selected(self, run: RunSummary | None) -> None:
        path = run.path if run is not None else None
        if path is not None and path != self.ctx.deck.params(STATUS_SOURCE).get("run"):
            self.ctx.deck.retarget(STATUS_SOURCE, run=path)
            self.ctx.deck.retarget(LOG_SOURCE, run=path)

    def hints(self) -> Sequence[tuple[str, str] | str]:
        return ("falcon.interrupt",)
