"""examples/deck-logtail: its tail reader on real files, and the package installed into a fresh venv,
loaded by entry point, by `module:attr` and by `.py` path, each rendered by `deck --snapshot`."""

from __future__ import annotations

import importlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from venv_fixture import ROOT, Venv

EXAMPLE = ROOT / "examples" / "deck-logtail"
LOG = "10:00:01 INFO app started\n10:00:02 ERROR checkpoint write failed\n"


@pytest.fixture
def logtail(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The example's module, imported from the checkout."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    yield importlib.import_module("deck_logtail")


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("2025-06-02 10:00:01 ERROR disk full", "error"),
        ("[WARNING] slow step", "warning"),
        ('ts=1 level=debug msg="cache hit"', "debug"),
        ('{"level": "critical", "msg": "gone"}', "critical"),
        ("a line with info in lower case", "info"),
        ("no level at all", "info"),
    ],
)
def test_the_level_is_read_from_the_start_of_a_line(logtail: ModuleType, line: str, level: str) -> None:
    assert logtail.level_of_line(line) == level


def test_appended_lines_arrive_and_a_partial_line_waits_for_its_end(
    logtail: ModuleType, tmp_path: Path
) -> None:
    path = tmp_path / "app.log"
    path.write_text(LOG + "10:00:03 INFO half")
    tail = logtail.Tail(path, keep=100)
    first = tail.read()
    assert [line.text for line in first] == LOG.splitlines()
    assert [line.level for line in first] == ["info", "error"]
    assert tail.read() == first  # unchanged file, equal snapshot: deck will not redraw
    with path.open("a") as file:
        file.write(" a line\n")
    assert tail.read()[-1].text == "10:00:03 INFO half a line"


def test_truncation_and_rotation_start_the_tail_over(logtail: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text(LOG)
    tail = logtail.Tail(path, keep=100)
    tail.read()
    path.write_text("truncated\n")
    assert [line.text for line in tail.read()] == ["truncated"]
    path.rename(tmp_path / "app.log.1")
    path.write_text("rotated, and longer than before\n")
    assert [line.text for line in tail.read()] == ["rotated, and longer than before"]


def test_a_big_file_is_read_only_at_its_end(logtail: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    path.write_text("".join(f"line {n} " + "x" * (n % 700) + "\n" for n in range(20_000)))
    tail = logtail.Tail(path, keep=10)
    lines = tail.read()
    assert len(lines) == 10
    assert lines[-1].text.startswith("line 19999 ")
    assert all(line.text.startswith("line ") for line in lines)  # never from the middle of a line


def test_a_missing_file_fails_with_its_path(logtail: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"gone\.log does not exist"):
        logtail.Tail(tmp_path / "gone.log", keep=10).read()


@pytest.fixture(scope="module")
def installed(deck_venv: Venv, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example installed (not editable) from a copy, so the checkout stays clean."""
    copy = tmp_path_factory.mktemp("example") / "deck-logtail"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache"))
    deck_venv.pip_install(str(copy), cwd=copy.parent)
    return copy


ROUTES = {
    "entry point": "logtail: {files: {app: app.log}}",
    "module:attr": 'tail: {from: "deck_logtail:LogtailPlugin", files: {app: app.log}}',
    ".py path": f"tail: {{from: {EXAMPLE / 'deck_logtail.py'}, files: {{app: app.log}}}}",
}


@pytest.mark.parametrize("route", list(ROUTES))
def test_each_discovery_route_renders_the_log(
    route: str, installed: Path, deck_venv: Venv, tmp_path: Path
) -> None:
    (tmp_path / "app.log").write_text(LOG)
    layout = tmp_path / "route.yaml"
    layout.write_text(
        f"title: ROUTE\nplugins:\n  {ROUTES[route]}\nscreens:\n  - name: Logs\n    panel: logtail.tail\n"
    )
    screen = deck_venv.run(
        ["deck", "--layout", str(layout), "--snapshot", "--size", "100x10"], cwd=tmp_path
    ).stdout
    assert re.search(r"─ Log ─+ app · 2 lines · debug\+ · following ─", screen), screen
    assert "│INFO  10:00:01 INFO app started" in screen
    assert "│ERROR 10:00:02 ERROR checkpoint write failed" in screen
    assert "[p] Pause / follow" in screen


def test_the_example_passes_its_own_tests_in_the_venv(installed: Path, deck_venv: Venv) -> None:
    done = deck_venv.run([deck_venv.bin("pytest"), "-q", "-p", "no:cacheprovider"], cwd=installed)
    assert re.search(r"^5 passed", done.stdout, re.MULTILINE), done.stdout
