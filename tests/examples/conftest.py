"""The session's fresh venv with deck installed, shared with the guide's tests."""

from __future__ import annotations

from venv_fixture import deck_venv

__all__ = ["deck_venv"]
