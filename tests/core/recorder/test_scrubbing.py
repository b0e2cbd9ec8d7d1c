"""Pausing and scrubbing through the recorded past with the keys, in a headless deck."""

from __future__ import annotations

from collections.abc import Callable

from deck.testing import Harness

from .conftest import Stepper


def _step_shown(harness: Harness) -> int:
    line = next(line for line in harness.text().splitlines() if line.startswith("│step"))
    return int(line.split()[1])


def test_z_pauses_and_brackets_step_through_time(
    recorded: Callable[..., tuple[Harness, Stepper]],
) -> None:
    harness, step = recorded()
    step(5)
    assert _step_shown(harness) == 6
    harness.press("z")
    assert "REPLAY" in harness.text().splitlines()[0]
    harness.press("[")
    assert _step_shown(harness) == 5
    assert "-10s" in harness.text().splitlines()[0]
    harness.press("[", "[")
    assert _step_shown(harness) == 3
    harness.press("]")
    assert _step_shown(harness) == 4


def test_braces_move_by_a_minute_and_past_now_is_live(
    recorded: Callable[..., tuple[Harness, Stepper]],
) -> None:
    harness, step = recorded()
    step(8)  # 80 seconds recorded
    harness.press("{")
    assert _step_shown(harness) == 3  # 60 s before the newest result (step 9)
    harness.press("{")
    assert _step_shown(harness) == 1  # no further back than the recording reaches
    harness.press("}")
    assert _step_shown(harness) == 7
    harness.press("}")
    assert "REPLAY" not in harness.text()
    assert _step_shown(harness) == 9


def test_rewound_panels_hold_live_results_back_until_esc(
    recorded: Callable[..., tuple[Harness, Stepper]],
) -> None:
    harness, step = recorded()
    step(2)
    harness.press("z", "[")
    assert _step_shown(harness) == 2
    step(3)  # new results arrive while rewound: recorded, not shown
    assert _step_shown(harness) == 2
    harness.press("esc")
    assert "REPLAY" not in harness.text()
    assert _step_shown(harness) == 6
    assert "rec 50s" in harness.text().splitlines()[-1]


def test_actions_are_disabled_while_rewound_but_help_and_screens_work(
    recorded: Callable[..., tuple[Harness, Stepper]],
) -> None:
    harness, step = recorded()
    step(1)
    harness.press("z", "b")
    assert "Bump: disabled while rewound" in harness.text()
    harness.press("2")
    assert harness.deck.screen.spec.name == "Other"
    harness.press("1", "?")
    harness.wait_for("Help: every")
    harness.press("esc")
    assert "REPLAY" in harness.text()  # Esc closed help, the deck stays rewound
    harness.press("esc")
    harness.press("b")
    assert "bumped" in harness.text()


def test_help_lists_the_recorder_keys(recorded: Callable[..., tuple[Harness, Stepper]]) -> None:
    harness, _ = recorded()
    from deck._help import help_rows

    rows = {(row.key, row.label) for row in help_rows(harness.deck)}
    assert ("z", "Pause live view (rewind) / back to live") in rows
    assert ("{", "Rewind a minute") in rows
    assert ("[", "Step back") in rows
    assert ("Esc", "Live") in rows
