"""The separate venv that holds Textual for the comparison; deck itself never depends on it.

Created on first use as bench/.venv-textual from the same interpreter as deck's venv, with
the pinned requirements-textual.txt, and reused while that file is unchanged.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

__all__ = ["REQUIREMENTS", "VENV", "textual_python"]

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-textual"
REQUIREMENTS = HERE / "requirements-textual.txt"
_STAMP = VENV / "installed-requirements.txt"


def _by_hand() -> str:
    return (
        f"to set it up by hand: {sys.executable} -m venv {VENV} && {VENV}/bin/pip install -r {REQUIREMENTS}"
    )


def textual_python(*, create: bool = True) -> tuple[Path | None, str]:
    """(the venv's python, "") when Textual is ready, else (None, why not and how to fix it)."""
    python = VENV / "bin" / "python"
    wanted = REQUIREMENTS.read_text()
    if python.exists() and _STAMP.exists() and _STAMP.read_text() == wanted:
        return python, ""
    if not create:
        return None, f"{VENV.name} is missing or out of date; {_by_hand()}"
    if not python.exists() and (failed := _run([sys.executable, "-m", "venv", str(VENV)])):
        return None, failed
    if failed := _run([str(python), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)]):
        return None, failed
    _STAMP.write_text(wanted)
    return python, ""


def _run(command: list[str]) -> str:
    """ "" when the command succeeds, else what failed and how to do it by hand."""
    done = subprocess.run(command, capture_output=True, text=True)
    if not done.returncode:
        return ""
    last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
    return f"{' '.join(command[:4])} failed ({last[0]}); {_by_hand()}"
