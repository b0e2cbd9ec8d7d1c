"""`deck new-plugin`: names are checked, nothing is overwritten, and the package it writes installs
into a fresh venv, shows in `deck --list`, passes its own test and renders its layout."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from venv_fixture import Venv

from deck._cli import main
from deck._scaffold import plugin_names

FILES = [
    "README.md",
    "deck_demo_x/__init__.py",
    "deck_demo_x/actions.py",
    "deck_demo_x/panels.py",
    "deck_demo_x/plugin.py",
    "deck_demo_x/source.py",
    "layouts/demo_x.yaml",
    "pyproject.toml",
    "tests/test_demo_x.py",
]


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_the_names_of_the_package_follow_from_the_plugin_name() -> None:
    names = plugin_names("gpu_fleet2")
    assert (names.plugin, names.package, names.distribution) == (
        "gpu_fleet2",
        "deck_gpu_fleet2",
        "deck-gpu-fleet2",
    )
    assert (names.cls, names.title) == ("GpuFleet2Plugin", "Gpu Fleet2")


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("Demo-X", "try 'demo_x'"),
        ("9lives", "for example 'gpu_fleet'"),
        ("a__b", "try 'a_b'"),
        ("trailing_", "try 'trailing'"),
        ("x" * 41, f"try '{'x' * 40}'"),
        ("deck", "reserved"),
    ],
)
def test_an_invalid_name_is_refused_with_a_hint(
    name: str, hint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new-plugin", name, "--dir", str(tmp_path)]) == 1
    assert hint in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_name_of_an_installed_plugin_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new-plugin", "system", "--dir", str(tmp_path)]) == 1
    assert "a plugin named 'system' is already installed" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_never_overwritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "deck-demo-x"
    target.mkdir()
    (target / "pyproject.toml").write_text("mine")
    assert main(["new-plugin", "demo_x", "--dir", str(tmp_path)]) == 1
    assert "already exists; nothing was written" in capsys.readouterr().err
    assert _files(target) == ["pyproject.toml"]
    assert (target / "pyproject.toml").read_text() == "mine"


def test_the_package_has_every_part_and_passes_the_linters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new-plugin", "demo_x", "--dir", str(tmp_path / "new")]) == 0
    assert "pip install -e '.[test]'" in capsys.readouterr().out
    project = tmp_path / "new" / "deck-demo-x"
    assert _files(project) == FILES
    pyproject = (project / "pyproject.toml").read_text()
    assert '[project.entry-points."deck.plugins"]\ndemo_x = "deck_demo_x.plugin:DemoXPlugin"' in pyproject
    assert "$" not in "".join((project / name).read_text() for name in FILES)
    ruff = [sys.executable, "-m", "ruff"]
    rules = ["--isolated", "--select", "E,F,W,I,UP,B,SIM,RUF", "--line-length", "110"]
    for command in (["check", *rules], ["format", "--check", "--isolated", "--line-length", "110"]):
        done = subprocess.run([*ruff, *command, str(project)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    sources = sorted(str(path.relative_to(project)) for path in project.rglob("*.py"))
    mypy = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "mypy"), *sources]
    done = subprocess.run(mypy, cwd=project, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_venv_is_fresh(deck_venv: Venv, tmp_path: Path) -> None:
    code = "import deck, importlib.util as u; print(deck.__file__); print(u.find_spec('ray') is None)"
    done = deck_venv.run([deck_venv.bin("python"), "-c", code], cwd=tmp_path)
    location, no_ray = done.stdout.split()
    assert Path(location).is_relative_to(deck_venv.path)
    assert no_ray == "True"  # the test runner's packages are not visible


def test_a_new_plugin_installs_lists_passes_its_test_and_renders(deck_venv: Venv, tmp_path: Path) -> None:
    deck_venv.run(["deck", "new-plugin", "demo_x", "--dir", str(tmp_path)], cwd=tmp_path)
    project = tmp_path / "deck-demo-x"
    deck_venv.pip_install(str(project), cwd=tmp_path)

    listed = deck_venv.run(["deck", "--list"], cwd=tmp_path).stdout
    assert re.search(r"^  demo_x +Demo X: items and their status\.$", listed, re.MULTILINE), listed
    assert re.search(r"^  demo_x\.items +items; a acknowledges +\[no options\]$", listed, re.MULTILINE)
    assert re.search(
        r"^  demo_x\.acknowledge +a +demo_x\.items +Acknowledge  \(mutating\)$", listed, re.MULTILINE
    )
    commands = listed.split("\nCommands\n")[1].splitlines()[0]
    assert "new-plugin" in commands.split(", ")

    tests = deck_venv.run([deck_venv.bin("pytest"), "-q", "-p", "no:cacheprovider"], cwd=project)
    assert re.search(r"^2 passed", tests.stdout, re.MULTILINE), tests.stdout

    screen = deck_venv.run(
        ["deck", "--layout", "demo_x", "--snapshot", "--size", "80x12"], cwd=project
    ).stdout
    assert screen.startswith(" DEMO X  demo_x"), screen
    for row in ("│alpha", "│beta", "│gamma"):
        assert re.search(rf"{re.escape(row)} +● new +│", screen), screen
    assert "[a] Acknowledge" in screen
