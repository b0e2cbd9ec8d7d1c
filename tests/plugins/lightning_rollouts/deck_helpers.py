"""Reading the lightning deck in tests: its panels, rows and border texts."""

from __future__ import annotations

from typing import Any

from deck.plugins.lightning_rollouts.panels import ResourcesPanel, RunnersPanel, SettingsPanel
from deck.plugins.lightning_rollouts.panels_rollout_rows import RolloutRow
from deck.plugins.lightning_rollouts.panels_rollouts import RolloutsPanel
from deck.plugins.lightning_rollouts.panels_traces import SpansPanel, WaterfallPanel
from deck.testing import Harness

PANELS: dict[str, type] = {
    "lightning.rollouts": RolloutsPanel,
    "lightning.resources": ResourcesPanel,
    "lightning.spans": SpansPanel,
    "lightning.waterfall": WaterfallPanel,
    "lightning.runners": RunnersPanel,
    "lightning.settings": SettingsPanel,
}


def panel(harness: Harness, name: str) -> Any:
    (found,) = harness.deck.panels(name)
    assert isinstance(found, PANELS[name])
    return found


def rollouts(harness: Harness) -> RolloutsPanel:
    return panel(harness, "lightning.rollouts")


def keys(harness: Harness) -> list[str]:
    """The ids of the rollout rows on show (attempt ids for nested rows; not "loading…")."""
    rows = rollouts(harness).table.visible_rows
    return [row.key for row in rows if isinstance(row, RolloutRow)]


def wait_until(harness: Harness, condition: Any, what: str, timeout: float = 10.0) -> None:
    if not harness.wait_until(condition, timeout):
        raise AssertionError(f"{what} did not happen within {timeout} s; the screen was:\n{harness.text()}")


def loaded(harness: Harness) -> Harness:
    """Wait until the rollout table has rows."""
    wait_until(harness, lambda: rollouts(harness).page is not None, "the rollout table loading")
    return harness


def search(harness: Harness, text: str) -> None:
    """`/` and type `text` (one key per loop turn, as a person types)."""
    harness.press("/")
    harness.type(text)
    harness.press("enter")


def status_line(harness: Harness) -> str:
    return harness.text().splitlines()[-1]
