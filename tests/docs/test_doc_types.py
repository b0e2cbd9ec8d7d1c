"""Every Python example in docs/ and the example plugin type-checks under `mypy --strict`.

mypy reads deck as a user gets it: installed from a wheel into a fresh venv, through its py.typed
marker. A tutorial file that a later block replaces is checked in each of its versions.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from doc_blocks import DOCS, blocks
from venv_fixture import ROOT, Venv

EXAMPLE = ROOT / "examples" / "deck-logtail"


def _versions(doc: str) -> list[dict[str, str]]:
    """The doc's Python files as a reader has them at each point a file is about to be replaced.

    Blocks without a file name become their own modules, beside the files written before them.
    """
    files: dict[str, str] = {}
    versions = []
    for block in blocks(doc):
        if block.file is not None and block.file.endswith(".py"):
            if block.file in files and files[block.file] != block.text:
                versions.append(dict(files))
            files[block.file] = block.text
        elif block.lang == "python":
            files[f"example_line_{block.line}.py"] = block.text
    return [*versions, files] if files else []


def _mypy(venv: Venv, cwd: Path, files: list[str], cache: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mypy", "--strict", "--python-executable", venv.bin("python")]
    return subprocess.run(
        [*command, "--cache-dir", str(cache), *files], cwd=cwd, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for the module: deck and its dependencies are analysed once."""
    return tmp_path_factory.mktemp("mypy-cache")


DOCS_WITH_PYTHON = [doc.name for doc in sorted(DOCS.glob("*.md")) if _versions(doc.name)]


def test_the_docs_have_python_examples_to_check() -> None:
    assert {"plugins.md", "layouts.md"} <= set(DOCS_WITH_PYTHON)
    assert len(_versions("plugins.md")) >= 2  # the tutorial's plugin.py grows in a later step


@pytest.mark.parametrize("doc", DOCS_WITH_PYTHON)
def test_the_python_examples_of_a_doc_type_check(
    doc: str, deck_venv: Venv, cache: Path, tmp_path: Path
) -> None:
    for index, files in enumerate(_versions(doc)):
        folder = tmp_path / f"version-{index}"
        for name, text in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
        done = _mypy(deck_venv, folder, sorted(files), cache)
        assert done.returncode == 0, (
            f"docs/{doc} (as of its version {index}: {', '.join(sorted(files))}) fails mypy --strict:\n"
            f"{done.stdout}{done.stderr}"
        )


def test_the_example_plugin_type_checks(deck_venv: Venv, cache: Path) -> None:
    files = sorted(str(path.relative_to(EXAMPLE)) for path in EXAMPLE.rglob("*.py"))
    assert "deck_logtail.py" in files
    done = _mypy(deck_venv, EXAMPLE, files, cache)
    assert done.returncode == 0, f"examples/deck-logtail fails mypy --strict:\n{done.stdout}{done.stderr}"


def test_a_wrong_type_in_an_example_is_caught(deck_venv: Venv, cache: Path, tmp_path: Path) -> None:
    (tmp_path / "wrong.py").write_text(
        'from deck import Source\n\nSource("x.y", lambda: 1, interval="often")\n', encoding="utf-8"
    )
    done = _mypy(deck_venv, tmp_path, ["wrong.py"], cache)
    assert done.returncode == 1 and 'incompatible type "str"' in done.stdout, done.stdout
