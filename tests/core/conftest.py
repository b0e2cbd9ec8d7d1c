"""Paths to the core tests' own plugins and layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.fixture
def layouts() -> Path:
    """The folder of test layouts."""
    return HERE / "layouts"
