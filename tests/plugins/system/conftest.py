"""Fixtures that put the seams of system_seams.py in place for decks built in a test."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

import psutil
import pytest
from system_seams import ManyCores, RecordedNvml


@pytest.fixture
def recorded_nvml(monkeypatch: pytest.MonkeyPatch) -> RecordedNvml:
    """The recorded H200 behind `import pynvml`, for decks built in this test."""
    nvml = RecordedNvml()
    monkeypatch.setitem(sys.modules, "pynvml", nvml)
    return nvml


@pytest.fixture
def many_cores(monkeypatch: pytest.MonkeyPatch) -> Callable[[Sequence[float]], ManyCores]:
    """Make decks built in this test see these per-core loads (percent) instead of this machine's."""

    def install(loads: Sequence[float]) -> ManyCores:
        cores = ManyCores(loads)
        monkeypatch.setattr(psutil, "cpu_times", cores)
        return cores

    return install
