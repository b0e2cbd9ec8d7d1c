"""The ring's pickler: slotted dataclasses the fast way, every other class its own way."""

from __future__ import annotations

import enum
import pickle
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, NamedTuple

from deck._pickling import dumps


@dataclass(frozen=True, slots=True)
class Base:
    name: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Node(Base):
    loss: float | None = None
    history: tuple[float, ...] = field(default=(), compare=True)
    derived: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "derived", len(self.history))
        Node.built += 1

    built = 0  # not a field: how many times __init__ ran


@dataclass(slots=True)
class Lonely:
    only: int


@dataclass(frozen=True, slots=True)
class OwnState:
    secret: str
    shown: str

    def __getstate__(self) -> dict[str, Any]:
        return {"secret": "***", "shown": self.shown}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)


class Colour(enum.Enum):
    RED = "red"


class Point(NamedTuple):
    x: int
    y: int


@dataclass
class Plain:
    n: int


def test_a_slotted_dataclass_comes_back_equal_without_running_its_init() -> None:
    nodes = tuple(Node(f"node-{i}", ("gpu",), loss=i / 3, history=(1.0, 0.5)) for i in range(3))
    built = Node.built
    restored = pickle.loads(dumps({"nodes": nodes, "lonely": Lonely(7)}))
    assert restored["nodes"] == nodes and restored["lonely"] == Lonely(7)
    assert [node.derived for node in restored["nodes"]] == [2, 2, 2]  # init=False fields too
    assert Node.built == built


def test_only_slotted_dataclasses_that_keep_the_usual_state_take_the_fast_way() -> None:
    assert b"_rebuild" in dumps(Node("node-1"))
    assert b"_rebuild" not in dumps(OwnState("hunter2", "ok"))
    assert b"_rebuild" not in dumps(Lonely(7))  # one field: pickled as usual


def test_a_class_that_pickles_its_own_way_keeps_it() -> None:
    restored = pickle.loads(dumps(OwnState("hunter2", "ok")))
    assert (restored.secret, restored.shown) == ("***", "ok")


def test_every_other_value_pickles_as_pickle_would() -> None:
    value = {
        "pattern": re.compile(r"node-\d+", re.I),  # copyreg's reducer
        "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        "point": Point(1, 2),
        "colour": Colour.RED,
        "sets": (frozenset({1}), {2}),
        "plain": Plain(3),
    }
    restored = pickle.loads(dumps(value))
    assert restored == value
