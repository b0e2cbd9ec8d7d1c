"""The docs' tests run the guide in the same fresh venv as the example and scaffold tests."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

from venv_fixture import deck_venv

__all__ = ["deck_venv"]
