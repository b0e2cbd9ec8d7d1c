"""`make run` opens the default deck, and `make run LAYOUT=NAME` any other (README)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def planned(*args: str) -> str:
    """The last command `make -n run ...` would run."""
    # Under `make test` the outer make's variables would make this one print "Leaving directory".
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
        env=env,
    )
    return done.stdout.strip().splitlines()[-1]


def test_make_run_takes_a_layout() -> None:
    assert planned("LAYOUT=falcon").endswith("/bin/deck --layout falcon")
    assert planned().endswith("/bin/deck")


def test_the_readme_runs_deck_from_the_venv() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run LAYOUT=" in readme
    assert "`.venv/bin/deck --layout NAME`" in readme
