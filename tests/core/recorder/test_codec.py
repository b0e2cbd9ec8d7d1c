"""Tagged JSON: every snapshot type comes back as it was, secrets do not, and no class code runs."""

from __future__ import annotations

import datetime
import enum
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from deck._codec import MASK, Decoder, RecordingError, dumps
from deck._sources import Result
from deck.testing import Harness

from .conftest import Stepper


class Colour(enum.Enum):
    RED = "red"


@dataclass(frozen=True)
class Point:
    x: int
    tags: tuple[str, ...]
    colour: Colour
    password: str = ""


class Index:
    """A plugin's plain cache class: rebuilt from its attributes, its __init__ never run."""

    built = 0

    def __init__(self, rows: list[int]) -> None:
        Index.built += 1
        self.rows = rows
        self.orders: dict[tuple[str, bool], tuple[int, ...]] = {("a", True): (1, 2)}


def _round_trip(value: object) -> object:
    return Decoder([__name__]).decode(json.loads(dumps(value)))


def test_snapshot_types_come_back_equal() -> None:
    value = {
        "point": Point(1, ("a", "b"), Colour.RED),
        "set": frozenset({1, 2}),
        "keys": {(1, 2): "pair"},
        "when": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
        "raw": b"\x00\xff",
        "dollar": {"$": "not a tag"},
    }
    assert _round_trip(value) == value


def test_secrets_are_masked_by_key_and_field_name() -> None:
    encoded = dumps(
        {
            "API_KEY": "sk-1",
            "headers": {"Authorization": "Bearer x"},
            "p": Point(1, (), Colour.RED, "hunter2"),
        }
    ).decode()
    assert "sk-1" not in encoded and "Bearer x" not in encoded and "hunter2" not in encoded
    assert encoded.count(MASK) == 3


def test_a_plain_class_comes_back_without_running_its_init() -> None:
    built = Index.built
    index = _round_trip(Index([3, 4]))
    assert isinstance(index, Index)
    assert index.rows == [3, 4] and index.orders == {("a", True): (1, 2)}
    assert Index.built == built + 1  # only the original was built


def test_types_outside_the_allowed_modules_are_refused() -> None:
    with pytest.raises(RecordingError, match="not a type of this layout's plugins"):
        Decoder(["deck"]).decode(json.loads(dumps(Point(1, (), Colour.RED))))


def test_a_snapshot_that_cannot_be_recorded_still_reaches_the_panels(
    recorded: Callable[..., tuple[Harness, Stepper]],
) -> None:
    harness, _ = recorded()
    loop: list[object] = [(n for n in range(3))]  # no pickle holds a generator ...
    loop.append(loop)  # ... and no JSON a list that holds itself
    harness.deck._on_result(Result("recorded.reading", loop, fetched_at=1.0))
    harness.run(0.1)
    assert "not recording recorded.reading" in harness.text()
    assert harness.deck.screen.frames[0].results["recorded.reading"].value is loop
