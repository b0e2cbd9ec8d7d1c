"""docs/layouts.md and docs/themes.md are true: every example loads, and every command prints what
the docs show.

The examples are written into one folder (files named "broken" must fail to load); console
blocks run there with this checkout's `deck`. Good layouts are also opened headless, so every
panel they place builds and draws.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from doc_blocks import DOCS, blocks, check_console, write_file

from deck import DeckError
from deck._app import check_layout
from deck._theme import ROLES, load_theme
from deck.testing import open_deck

BIN = Path(sys.executable).parent


def _bash(line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', os.defpath)}"}
    return subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("doc", ["layouts.md", "themes.md"])
def test_every_example_loads_and_every_command_prints_what_is_shown(
    doc: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # theme paths are relative to where deck runs
    written: list[Path] = []
    consoles = 0
    for block in blocks(doc):
        if block.file is not None:
            written.append(write_file(block, tmp_path))
        elif block.lang == "console":
            check_console(block, lambda line: _bash(line, tmp_path), exact=True)
            consoles += 1
        else:
            raise AssertionError(
                f"{doc} {block.where}: a {block.lang!r} block that is neither a file nor run"
            )
    assert consoles >= 2
    layouts = [p for p in written if p.parent.name == "layouts"]
    themes = [p for p in written if p.parent.name == "themes"]
    assert layouts
    for path in themes:
        if "broken" in path.stem:
            with pytest.raises(DeckError):
                load_theme(path)
        else:
            load_theme(path)
    for path in layouts:
        if "broken" in path.stem:
            with pytest.raises(DeckError):
                check_layout(path)
            continue
        check_layout(path)
        deck = open_deck(path, size=(120, 40))
        try:
            assert deck.first_results(10)
            screen = deck.text()
            assert "⚠" not in screen, f"a panel of {path.name} failed:\n{screen}"
        finally:
            deck.stop()


def test_the_roles_table_is_every_role_with_its_meaning() -> None:
    text = (DOCS / "themes.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `(\w+)` \| (.+?) \|$", text.split("## Roles")[1], re.MULTILINE))
    assert table == dict(ROLES)
