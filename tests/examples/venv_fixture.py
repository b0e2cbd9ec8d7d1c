"""One fresh virtual environment per test session, with deck installed from this checkout.

The venv does not see the system's or the test runner's site-packages: deck, its dependencies and
pytest come from the package index, as they would for a user. The scaffold, the example plugin
and the plugin guide are installed into it and run from it; they share it so it is built once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["ROOT", "Venv", "deck_venv"]

ROOT = Path(__file__).resolve().parents[2]
#: What a wheel of deck is built from; copied so that building never writes into the checkout.
_DISTRIBUTION = ("pyproject.toml", "README.md", "core", "plugins", "layouts", "themes")
_INSTALL_TIMEOUT = 900


@dataclass(frozen=True)
class Venv:
    """A virtual environment whose commands run with it first on PATH."""

    path: Path

    @property
    def env(self) -> dict[str, str]:
        """The current environment (with each test's isolated XDG folders), pointed at the venv."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        env["PATH"] = f"{self.path / 'bin'}{os.pathsep}{env.get('PATH', os.defpath)}"
        env["VIRTUAL_ENV"] = str(self.path)
        return env

    def bin(self, name: str) -> str:
        """The path of a command installed in the venv."""
        return str(self.path / "bin" / name)

    def run(
        self, command: Sequence[str], *, cwd: Path, timeout: float = 120, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run a command with the venv first on PATH; fail with its output when it fails."""
        done = subprocess.run(
            list(command), cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"{' '.join(command)} exited with {done.returncode} in {cwd}\n"
                f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
            )
        return done

    def pip_install(self, *requirements: str, cwd: Path) -> None:
        """pip install into the venv (the package index is used for what is missing)."""
        self.run(
            [self.bin("python"), "-m", "pip", "install", "--quiet", *requirements],
            cwd=cwd,
            timeout=_INSTALL_TIMEOUT,
        )


#: The session's venv, built by the first test that asks for it.
_shared: dict[str, Venv] = {}


def _create(base: Path) -> Venv:
    source = base / "deck-source"
    for name in _DISTRIBUTION:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            source.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, source / name)
    path = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=_INSTALL_TIMEOUT)
    venv = Venv(path)
    venv.pip_install(str(source), "pytest>=8", cwd=base)
    return venv


@pytest.fixture(scope="session")
def deck_venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """The session's venv with deck installed (created on first use, shared afterwards)."""
    if "venv" not in _shared:
        _shared["venv"] = _create(tmp_path_factory.mktemp("deck-venv"))
    return _shared["venv"]
