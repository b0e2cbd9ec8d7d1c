"""The child-process channel: plain values only, and a hung child is given up on."""

from __future__ import annotations

import importlib.util
import io
import os
import pickle
import subprocess
import time
from collections import OrderedDict, namedtuple
from fractions import Fraction

import pytest

from deck.plugins.falcon_nodes.client_driver import (
    DriverProcess,
    DriverTimeout,
    _encode,
    _PlainUnpickler,
)


def roundtrip(value: object) -> object:
    frame = _encode(value)
    return _PlainUnpickler(io.BytesIO(frame[4:])).load()


class Opaque:
    def __str__(self) -> str:
        return "opaque thing"


def test_builtin_values_pass_unchanged() -> None:
    value = {"nodes": {"a": {"loss": 0.5, "loss_history": [1.0, 0.5], "ok": True, "n": None}}}
    assert roundtrip(value) == value
    assert roundtrip(("ok", [1, 2], "x")) == ("ok", [1, 2], "x")


def test_other_objects_become_numbers_or_text() -> None:
    Point = namedtuple("Point", "x y")
    converted = roundtrip(
        {
            "fraction": Fraction(1, 4),
            "ordered": OrderedDict(a=1),
            "point": Point(1, 2),
            "set": {3},
            "object": Opaque(),
        }
    )
    assert converted == {
        "fraction": 0.25,
        "ordered": {"a": 1},
        "point": [1, 2],
        "set": {3},  # a builtin value: kept as it is
        "object": "opaque thing",
    }
    assert type(converted["ordered"]) is dict


class Scalar:
    """Like a one-element tensor or a numpy number: not a float, but convertible to one."""

    def __float__(self) -> float:
        return 0.25


def test_number_like_objects_become_floats() -> None:
    converted = roundtrip({"loss": Scalar(), "history": [Scalar()], "kind": int})
    assert converted == {"loss": 0.25, "history": [0.25], "kind": int}
    assert roundtrip(Opaque) == str(Opaque)


def test_a_reply_that_would_run_code_is_refused() -> None:
    payload = pickle.dumps(os.system)
    with pytest.raises(pickle.UnpicklingError, match=r"refusing posix\.system"):
        _PlainUnpickler(io.BytesIO(payload)).load()


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="needs ray")
def test_a_silent_child_times_out_and_is_killed() -> None:
    driver = DriverProcess()
    try:
        started = time.monotonic()
        with pytest.raises(DriverTimeout):
            # connecting to a port nobody answers on keeps the child busy past the deadline
            driver.request(("connect", "127.0.0.1:9", "ns", ["x"]), timeout=0.5)
        assert time.monotonic() - started < 2.0
    finally:
        driver.close(grace=0.5)
    assert subprocess.run(["kill", "-0", str(driver.pid)], capture_output=True).returncode != 0


def test_the_child_exits_when_its_input_closes() -> None:
    driver = DriverProcess()
    assert driver.request(("nonsense",), timeout=30) == ("err", "failed", "unknown request 'nonsense'")
    started = time.monotonic()
    driver.close(grace=10)
    assert time.monotonic() - started < 5
