"""Shared fixtures: real state files written by Dynamo's own code, copied into a tmp folder.

The originals live in `tests/fixtures/dynamo` (its README.md says how Dynamo wrote them)
and are only ever read; every test that writes works on a copy in its own tmp folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from dynamo_deployment import MAKE_MODEL, ci_tool, free_port

from deck.testing import Harness, open_deck

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "dynamo"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The read-only originals (see their README.md for how they were made)."""
    if not (FIXTURES / "initial" / "dynamo.json").is_file():
        pytest.fail(
            f"the Dynamo fixtures are missing: expected {FIXTURES.resolve()}",
            pytrace=False,
        )
    return FIXTURES


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    """An empty state folder, like ~/.dynamo/state."""
    folder = tmp_path / "state"
    folder.mkdir()
    return folder


@pytest.fixture
def copy_fixture(fixtures_dir: Path, state_dir: Path) -> Callable[..., Path]:
    """Copy `<fixtures>/<relative>` into the state folder (as `name`, default the same file name)."""

    def copy(relative: str, name: str | None = None) -> Path:
        source = fixtures_dir / relative
        target = state_dir / (name or source.name)
        shutil.copyfile(source, target)
        return target

    return copy


LAYOUT = Path(__file__).resolve().parents[3] / "layouts" / "dynamo.yaml"


@pytest.fixture
def open_dynamo(tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    """Open the shipped dynamo layout headless, on a given state folder (and plugin settings)."""
    opened: list[Harness] = []

    def open_layout(
        folder: Path, *, size: tuple[int, int] = (120, 40), read_only: bool = False, **config: Any
    ) -> Harness:
        document = yaml.safe_load(LAYOUT.read_text())
        nobody = f"http://127.0.0.1:{free_port()}"  # the live sources find nothing unless told
        hermetic = {"discovery": f"file:{tmp_path / 'no-store'}", "frontend": nobody, "etcd": nobody}
        document["plugins"]["dynamo"].update(state_dir=str(folder), **{**hermetic, **config})
        layout = tmp_path / f"dynamo-{len(opened) + 1}.yaml"
        layout.write_text(yaml.safe_dump(document))
        harness = open_deck(layout, size=size, read_only=read_only)
        opened.append(harness)
        harness.first_results()
        return harness

    yield open_layout
    for harness in opened:
        harness.stop()


def _backend(script: str) -> str:
    """What a `.ci/` installer prints; with CI=true a backend that cannot be built fails the test."""
    try:
        return ci_tool(script)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(f"{script} could not provide the backend here: {str(exc)[:300]}")


@pytest.fixture(scope="session")
def dynamo_python() -> str:
    """The python of a venv with a real Dynamo 1.6.1 (.ci/dynamo-venv.sh, cached)."""
    return _backend("dynamo-venv.sh")


@pytest.fixture(scope="session")
def etcd_binary() -> str:
    """Debian's etcd (.ci/etcd.sh)."""
    return _backend("etcd.sh")


@pytest.fixture(scope="session")
def tiny_model(dynamo_python: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tokenizer-only model folder for the mocker, built offline."""
    folder = tmp_path_factory.mktemp("tiny-model")
    subprocess.run(
        [dynamo_python, str(MAKE_MODEL), str(folder)], check=True, capture_output=True, timeout=120
    )
    return folder
