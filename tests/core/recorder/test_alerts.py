"""Alerts: each kind of rule fires and clears, shows in the header and panel, and marks the recorder."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from deck._errors import LayoutError
from deck.testing import Harness

from .conftest import Stepper

Opener = Callable[..., tuple[Harness, Stepper]]


def _open(recorded: Opener, levels: list[float], rule: str, **plugin: object) -> tuple[Harness, Stepper]:
    extra = "".join(f"\n    {key}: {value}" for key, value in plugin.items())
    harness, step = recorded(f"alerts:\n  - {rule}\n", plugin_config=f"levels: {levels}{extra}")
    return harness, step


def _fired(harness: Harness) -> list[tuple[str, bool]]:
    return [(a.rule, a.cleared is None) for a in harness.deck.recorder.alerts.history]


def test_a_threshold_fires_when_crossed_and_clears_when_back(recorded: Opener) -> None:
    harness, step = _open(
        recorded, [1, 9, 9, 1], "{name: too high, source: recorded.reading, field: level, above: 5}"
    )
    assert _fired(harness) == []
    step()
    assert _fired(harness) == [("too high", True)]
    assert "⚠ 1 ALERT" in harness.text().splitlines()[0]
    assert "alert: too high: level 9 > 5" in harness.text()
    step()
    assert len(_fired(harness)) == 1  # still the same alert, not a new one each result
    step()
    assert _fired(harness) == [("too high", False)]
    assert "ALERT" not in harness.text().splitlines()[0]


def test_below_fires_under_the_threshold(recorded: Opener) -> None:
    harness, step = _open(
        recorded, [5, 0.5], "{name: too low, source: recorded.reading, field: level, below: 1}"
    )
    step()
    assert _fired(harness) == [("too low", True)]


def test_rising_for_n_results_in_a_row(recorded: Opener) -> None:
    rule = "{name: climbing, source: recorded.reading, field: level, rising: 3}"
    harness, step = _open(recorded, [1, 2, 3, 2, 3, 4, 5], rule)
    step(2)
    assert _fired(harness) == []  # rose twice
    step()
    assert _fired(harness) == []  # fell: the count starts again
    step(2)
    assert _fired(harness) == []
    step()
    assert _fired(harness) == [("climbing", True)]


def test_a_rate_per_minute(recorded: Opener) -> None:
    # One result every 10 s: +1 is 6/min, +2 is 12/min.
    harness, step = _open(
        recorded, [0, 1, 3], "{name: fast, source: recorded.reading, field: level, rate_above: 10}"
    )
    step()
    assert _fired(harness) == []
    step()
    assert _fired(harness) == [("fast", True)]
    assert "grows 12/min" in harness.deck.recorder.alerts.history[0].message


def test_a_state(recorded: Opener) -> None:
    rule = "{name: failed, source: recorded.reading, field: phase, equals: failed, level: error}"
    harness, step = _open(recorded, [1], rule, fail_at=3)
    step()
    assert _fired(harness) == []
    step()
    assert _fired(harness) == [("failed", True)]
    assert harness.deck.recorder.alerts.history[0].level == "error"


def test_a_silent_source(recorded: Opener) -> None:
    harness, step = _open(recorded, [1], "{name: quiet, source: recorded.reading, silent: 30}")
    alerts = harness.deck.recorder.alerts
    alerts.check_silence()
    assert _fired(harness) == []
    step.clock.advance(60)  # the source (fetched once an hour) says nothing for a minute
    alerts.check_silence()
    assert _fired(harness) == [("quiet", True)]
    assert "silent for 60s" in alerts.history[0].message
    step()
    alerts.check_silence()
    assert _fired(harness) == [("quiet", False)]


def test_an_alert_marks_its_moment_and_the_panel_rewinds_there(recorded: Opener) -> None:
    harness, step = recorded(
        "alerts:\n  - {name: too high, source: recorded.reading, field: level, above: 5, bell: true}\n",
        plugin_config="levels: [1, 1, 9, 1, 1]",
        screen_panel="deck.alerts",
    )
    rang: list[bool] = []
    harness.deck.on_bell = lambda: rang.append(True)
    step(4)
    assert rang == [True]
    assert [label for _, label in harness.deck.recorder.jumps()] == ["too high: level 9 > 5"]
    harness.press("2")
    harness.wait_for("too high")
    harness.press("enter")
    assert "REPLAY" in harness.text().splitlines()[0]
    harness.press("1")
    assert "│step   3" in harness.text()  # the result that fired it


def test_a_plugin_s_default_rules_apply_unless_the_layout_turns_them_off(recorded: Opener) -> None:
    harness, _ = recorded(plugin_config="levels: [1]")
    assert [r.name for r in harness.deck.recorder.alerts.rules] == ["level extreme"]
    harness, _ = recorded("alerts:\n  - {name: level extreme, enabled: false}\n", plugin_config="levels: [1]")
    assert harness.deck.recorder.alerts.rules == []


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("{name: x, source: nobody.here, field: a, above: 1}", "which no plugin provides"),
        ("{name: x, source: recorded.reading, field: a}", "exactly one of above, below"),
        ("{name: x, source: recorded.reading, field: a, above: high}", "above must be a number"),
        ("{name: x, source: recorded.reading, above: 1}", "needs the field to watch"),
        ("{name: x, source: recorded.reading, field: a, above: 1, colour: red}", "no key 'colour'"),
    ],
)
def test_bad_rules_are_located_in_the_layout(recorded: Opener, rule: str, message: str) -> None:
    with pytest.raises(LayoutError, match=message) as caught:
        recorded(f"alerts:\n  - {rule}\n")
    assert "recorded.yaml:" in str(caught.value)
