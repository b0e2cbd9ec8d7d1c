"""Fixtures: recorded server answers through httpx.MockTransport, and a real LightningStore."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from agl1x import Agl1xServer, agl1x_python
from fixture_store import FixtureStore
from lightning_support import RecordedServer, agl_executable, free_port, wait_healthy

from deck.plugins.lightning_rollouts.client import LightningClient
from deck.testing import Harness, open_deck

LAYOUT = Path(__file__).resolve().parents[3] / "layouts" / "lightning.yaml"


@pytest.fixture(autouse=True)
def own_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test keeps its saved settings and histories to itself, whatever the environment."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("AGL_SERVER_HOST", raising=False)
    monkeypatch.delenv("AGL_SERVER_PORT", raising=False)


@pytest.fixture
def recorded() -> RecordedServer:
    return RecordedServer()


@pytest.fixture
def client(recorded: RecordedServer) -> Iterator[LightningClient]:
    with LightningClient(transport=httpx.MockTransport(recorded), backoff=0) as lightning:
        yield lightning
    assert not recorded.unmatched, f"requests no fixture records: {recorded.unmatched}"


@pytest.fixture
def serve() -> Iterator[Callable[..., LightningClient]]:
    """A client whose server is the given handler (request -> response)."""
    made: list[LightningClient] = []

    def make(handler: Callable[[httpx.Request], httpx.Response], **options) -> LightningClient:
        options.setdefault("backoff", 0)
        made.append(LightningClient(transport=httpx.MockTransport(handler), **options))
        return made[-1]

    yield make
    for lightning in made:
        lightning.close()


@pytest.fixture(scope="module")
def agl_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start `agl store` on a free loopback port; yields its base URL."""
    agl = agl_executable()
    if not agl.is_file():
        reason = (
            f"the real LightningStore is not installed: {agl} is missing "
            "(run .ci/agl-venv.sh, or set DECK_AGL to an agentlightning 0.3.0 `agl`)"
        )
        if os.environ.get("DECK_AGL"):  # asked for explicitly (CI): missing is a failure
            pytest.fail(reason)
        print(f"SKIP: {reason}", file=sys.stderr)
        pytest.skip(reason)
    port = free_port()
    log_path = tmp_path_factory.mktemp("agl") / "agl-store.log"
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "NO_COLOR": "1"}
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [str(agl), "store", "--host", "127.0.0.1", "--port", str(port)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base_url, process, log_path)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def fixture_store() -> Iterator[FixtureStore]:
    """The recorded answers served by a real HTTP server on a free loopback port."""
    store = FixtureStore().start()
    yield store
    store.stop()


@pytest.fixture
def open_lightning(tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    """Open the shipped lightning layout headless, with the plugin settings given."""
    opened: list[Harness] = []

    def open_(size: tuple[int, int] = (120, 40), read_only: bool = False, **config: Any) -> Harness:
        layout = yaml.safe_load(LAYOUT.read_text())
        layout["plugins"]["lightning"] = {**layout["plugins"]["lightning"], **config}
        path = tmp_path / f"lightning-{len(opened)}.yaml"
        path.write_text(yaml.safe_dump(layout, sort_keys=False))
        harness = open_deck(path, size=size, read_only=read_only)
        opened.append(harness)
        return harness

    yield open_
    for harness in opened:
        harness.stop()


@pytest.fixture(scope="session")
def agl1x_python_path() -> Path:
    """The real 1.x server's venv python, built once per test run by .ci/agl1x-venv.sh."""
    return agl1x_python()


@pytest.fixture
def agl1x(agl1x_python_path: Path, tmp_path: Path) -> Iterator[Agl1xServer]:
    """A fresh, empty 1.x server (with the API key `s3cret`) on a free loopback port."""
    server = Agl1xServer(agl1x_python_path, tmp_path, key="s3cret").start()
    yield server
    server.stop()
