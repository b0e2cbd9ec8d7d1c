"""docs/plugins.md is true: every block runs, in order, in a fresh venv, and the reference is complete.

File blocks (a first line like "# deck_ckpt/source.py") are written into the tutorial's project
folder, later versions over earlier ones. Console blocks run there, each `$ ` line through bash
with the venv first on PATH, and the output shown under a command must be what it prints (numbers
aside: clocks, dates, timings). Other Python blocks run as scripts in the same venv.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from doc_blocks import DOCS, blocks, check_console, write_file
from venv_fixture import Venv

import deck
import deck.widgets
from deck import _hookspecs
from deck._theme import ROLES

GUIDE = "plugins.md"


def _bash(venv: Venv, line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return venv.run(["bash", "-c", line], cwd=cwd, timeout=600, check=False)


def test_every_block_of_the_guide_runs_in_order(deck_venv: Venv, tmp_path: Path) -> None:
    project = tmp_path / "deck-ckpt"
    project.mkdir()
    ran = {"file": 0, "console": 0, "python": 0}
    for block in blocks(GUIDE):
        if block.file is not None:
            write_file(block, project)
            ran["file"] += 1
        elif block.lang == "console":
            check_console(block, lambda line: _bash(deck_venv, line, project), exact=False)
            ran["console"] += 1
        elif block.lang == "python":
            done = deck_venv.run([deck_venv.bin("python"), "-c", block.text], cwd=project, check=False)
            assert done.returncode == 0, f"{block.where}: the snippet failed\n{done.stderr}"
            ran["python"] += 1
        elif block.lang != "text":  # text: a screen captured where CI cannot run it (a GPU machine)
            raise AssertionError(f"{block.where}: a {block.lang!r} block that is neither a file nor run")
    assert ran["file"] >= 9 and ran["console"] >= 5 and ran["python"] >= 2, ran


def _section(title: str) -> str:
    text = (DOCS / GUIDE).read_text(encoding="utf-8")
    match = re.search(rf"^### {re.escape(title)}\n(.*?)(?=^##)", text, re.MULTILINE | re.DOTALL)
    assert match, f"no section {title!r}"
    return match.group(1)


def test_the_hook_table_names_every_hook_with_its_arguments() -> None:
    section = _section("Hooks")
    specs = {name for name in dir(_hookspecs) if name.startswith("deck_")}
    documented = set(re.findall(r"^\| `(deck_\w+)\(", section, re.MULTILINE))
    assert documented == specs
    for name in specs:
        arguments = [a for a in getattr(_hookspecs, name).__code__.co_varnames]
        assert f"`{name}({', '.join(arguments)})`" in section


def test_every_public_name_is_documented() -> None:
    text = (DOCS / GUIDE).read_text(encoding="utf-8")
    for name in [*deck.__all__, *deck.widgets.__all__]:
        assert re.search(rf"`@?(deck\.)?{re.escape(name)}\b", text), f"{name} is not in {GUIDE}"


def test_the_roles_offered_to_plugins_exist() -> None:
    section = _section("Theme roles")
    roles = re.findall(r"`(\w+)`", section.split("The rest")[0])
    assert len(roles) >= 15
    assert set(roles) <= set(ROLES)
