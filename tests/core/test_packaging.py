"""The built wheel installs into a fresh venv and runs, so packaging can never silently break."""

import subprocess
import sys
import venv
from importlib.metadata import entry_points
from pathlib import Path

from deck._plugins import load_object
from deck.plugins import BUILTIN

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_installs_into_a_fresh_venv_and_runs_a_snapshot(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    wheel = next(dist.glob("deck_tui-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True, timeout=600)
    done = subprocess.run(
        [str(env_dir / "bin" / "deck"), "--layout", "system", "--snapshot", "--size", "100x30"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "Processes" in done.stdout
    listed = subprocess.run(
        [str(env_dir / "bin" / "deck"), "--list"], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    for name in ("neon-syndicate", "daylight", "mono", "system"):
        assert name in listed.stdout
    imported = subprocess.run(
        [str(python), "-c", "import deck, sys; print('ray' in sys.modules, 'httpx' in sys.modules)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert imported.stdout.strip() == "False False"


def test_builtin_plugins_match_their_entry_points() -> None:
    ours = {ep.name: ep.value for ep in entry_points(group="deck.plugins") if ep.dist.name == "deck-tui"}
    assert ours == BUILTIN
    for origin in BUILTIN.values():
        assert callable(load_object(origin))


def test_a_builtin_only_deck_starts_without_reading_package_metadata() -> None:
    code = "import sys, deck._app as a; a.build_deck('system'); print('importlib.metadata' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["False"], done.stderr
