"""The alerts panel (`deck.alerts`): every alert with its moment; Enter rewinds the deck to it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from deck._actions import Action
from deck._alerts import Alert
from deck._panels import Panel, PanelContext, PanelType
from deck.widgets import Column, Table
from deck.widgets._render import Segment

if TYPE_CHECKING:
    from deck._context import ActionContext

__all__ = ["alerts_actions", "alerts_panel_type", "alerts_segment"]


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))


def _state(alert: Alert) -> Any:
    if alert.cleared is None:
        return [("bad" if alert.level == "error" else "warn", "active")]
    return [("muted", "cleared")]


class AlertsPanel(Panel):
    """The alert history, newest first, redrawn whenever an alert fires or clears."""

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx)
        self.table: Table[Alert] = Table(
            [
                Column("Time", lambda a: _clock(a.at), width=9),
                Column("Level", lambda a: a.level, width=6),
                Column("Rule", lambda a: a.rule, weight=2, min_width=10),
                Column("What", lambda a: a.message, weight=4),
                Column("State", lambda a: a, width=8, render=_state, sort_key=lambda a: a.cleared or 0),
            ],
            row_id=lambda a: (a.at, a.rule),
            empty="no alerts (rules: the layout's alerts:, see docs/recorder.md)",
        )
        self.widget = self.table
        alerts = ctx.deck._deck.recorder.alerts
        alerts.watchers.append(self._show)
        self._show(alerts.history)

    def _show(self, history: list[Alert]) -> None:
        self.table.update(list(reversed(history)))

    @property
    def subtitle(self) -> str:
        return self.table.summary

    @property
    def selection(self) -> Alert | None:
        return self.table.selected


def alerts_panel_type() -> PanelType:
    """The core's alerts panel."""
    return PanelType(
        "deck.alerts", AlertsPanel, description="alerts that fired, with their moments", title="Alerts"
    )


def _jump(ctx: ActionContext) -> str:
    panel = ctx.panel
    alert = panel.selection if isinstance(panel, AlertsPanel) else None
    if alert is None:
        return "no alert selected"
    ctx._deck.recorder.goto(alert.at)
    return f"rewound to {alert.rule} at {_clock(alert.at)} (Esc: live)"


def alerts_actions() -> list[Action]:
    """Enter on an alert rewinds the deck to the moment it fired."""
    return [Action("deck.rec_alert", "Rewind to this alert", _jump, keys=("enter",), scope="deck.alerts")]


def alerts_segment(alerts: list[Alert]) -> list[Segment]:
    """The header's alert count: nothing when all is quiet."""
    if not alerts:
        return []
    role = "bad" if any(a.level == "error" for a in alerts) else "warn"
    return [(role, f" ⚠ {len(alerts)} ALERT{'S' if len(alerts) > 1 else ''} ")]
