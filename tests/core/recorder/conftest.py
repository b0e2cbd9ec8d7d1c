"""A deck on the recorded test plugin, stepped by hand on a fixed clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from deck.testing import Clock, Harness, open_deck

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"
START = 1_800_000_000.0


class Stepper:
    """Fetches the test source once per call, each result ten seconds after the last."""

    def __init__(self, harness: Harness, clock: Clock) -> None:
        self.harness = harness
        self.clock = clock

    def __call__(self, times: int = 1) -> None:
        recorder = self.harness.deck.recorder
        for _ in range(times):
            self.clock.advance(10)
            seq = recorder._seq
            self.harness.deck.scheduler.refresh("recorded.reading")
            self.harness.wait_until(lambda seq=seq: recorder._seq > seq, what="a new result recorded")
        self.harness.run(0.06)


@pytest.fixture
def recorded(tmp_path: Path) -> Iterator[Callable[..., tuple[Harness, Stepper]]]:
    """Open the recorded layout (its source fetched only when stepped), with layout text added.

    `plugin_config` adds lines to the plugin's config; `screen_panel` is the second screen's panel.
    """
    opened: list[Harness] = []

    def factory(
        extra: str = "", *, plugin_config: str = "", screen_panel: str = "deck.sources", **kwargs: object
    ) -> tuple[Harness, Stepper]:
        text = (LAYOUTS / "recorded.yaml").read_text()
        text = text.replace("from: ../plugins/", f"from: {LAYOUTS.parent}/plugins/")
        text = text.replace("interval: 3600", f"interval: 3600\n    {plugin_config}".rstrip())
        text = text.replace("panel: deck.sources", f"panel: {screen_panel}")
        layout = tmp_path / "recorded.yaml"
        layout.write_text(text + extra)
        clock = Clock(START)
        harness = open_deck(layout, size=(60, 12), clock=clock, **kwargs)  # type: ignore[arg-type]
        opened.append(harness)
        harness.wait_for("step")
        return harness, Stepper(harness, clock)

    yield factory
    for harness in opened:
        harness.stop()
