"""A test plugin whose snapshots use every type a recording must keep: dataclasses, tuples, enums, secrets."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from deck import Action, ActionContext, Option, Panel, PanelContext, PanelType, Result, Source, hookimpl
from deck.widgets import KeyValue


class Phase(enum.Enum):
    """A state that alerts and panels read."""

    RUNNING = "running"
    FAILED = "failed"


@dataclass(frozen=True)
class Reading:
    """One snapshot: a step, a level, a phase, a secret and a tuple of tags."""

    step: int
    level: float
    phase: Phase
    api_key: str
    tags: tuple[str, ...]
    settings: Mapping[str, Any]


class ReadingPanel(Panel):
    """Shows the snapshot's fields as the recording must bring them back."""

    sources = ("recorded.reading",)

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx)
        self.view = KeyValue()
        self.widget = self.view

    def update(self, result: Result[Reading]) -> None:
        reading = result.value
        self.view.pairs = [
            ("step", str(reading.step)),
            ("level", f"{reading.level:.1f}"),
            ("phase", reading.phase.value),
            ("key", reading.api_key),
            ("tags", ",".join(reading.tags)),
            ("token", str(reading.settings.get("token"))),
        ]


class RecordedPlugin:
    """Counts steps; the level follows a script the test gives in the layout."""

    def __init__(self) -> None:
        self.step = 0
        self.levels: list[float] = []

    @hookimpl
    def deck_options(self) -> Mapping[str, Option]:
        return {"interval": Option(float, 0.05), "levels": Option(list, [1.0]), "fail_at": Option(int, -1)}

    @hookimpl
    def deck_sources(self, config: Mapping[str, Any]) -> list[Source[Reading]]:
        levels = [float(v) for v in config["levels"]]

        def fetch() -> Reading:
            self.step += 1
            level = levels[min(self.step, len(levels)) - 1]
            phase = Phase.FAILED if self.step == config["fail_at"] else Phase.RUNNING
            return Reading(self.step, level, phase, "sk-live-123", ("a", "b"), {"token": "t0k3n", "n": 1})

        return [Source("recorded.reading", fetch, interval=config["interval"])]

    @hookimpl
    def deck_panels(self) -> list[PanelType]:
        return [PanelType("recorded.reading", ReadingPanel)]

    @hookimpl
    def deck_alerts(self) -> list[dict[str, Any]]:
        return [{"name": "level extreme", "source": "recorded.reading", "field": "level", "above": 100}]

    @hookimpl
    def deck_actions(self) -> list[Action]:
        def bump(ctx: ActionContext) -> str:
            return "bumped"

        return [Action("recorded.bump", "Bump", bump, keys="b", scope="recorded.reading", mutating=True)]


plugin = RecordedPlugin
