"""Helpers for the lightning tests: recorded answers, and finding the real server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest

# The real server's answers recorded from agentlightning 0.3.0 (INDEX.md says how), only read.
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "lightning"

# (method, path, query) -> (fixture file, status), exactly as INDEX.md records them.
RECORDED: list[tuple[str, str, str, str, int]] = [
    ("GET", "/v1/agl/health", "", "health.json", 200),
    ("GET", "/v1/agl/rollouts", "limit=-1", "rollouts.json", 200),
    (
        "GET",
        "/v1/agl/rollouts",
        "limit=5&offset=5&sort_by=start_time&sort_order=desc",
        "rollouts_page_limit5_offset5_sort_start_time_desc.json",
        200,
    ),
    ("GET", "/v1/agl/rollouts", "status_in=failed", "rollouts_status_in_failed.json", 200),
    (
        "GET",
        "/v1/agl/rollouts",
        "status_in=queuing&status_in=requeuing",
        "rollouts_status_in_queuing_requeuing.json",
        200,
    ),
    ("GET", "/v1/agl/rollouts/ro-6eedb2fc3a09", "", "rollout_ro-6eedb2fc3a09.json", 200),
    ("GET", "/v1/agl/rollouts/ro-13ef00b5635c", "", "rollout_ro-13ef00b5635c.json", 200),
    (
        "GET",
        "/v1/agl/rollouts/ro-6eedb2fc3a09/attempts",
        "",
        "rollout_ro-6eedb2fc3a09_attempts.json",
        200,
    ),
    (
        "GET",
        "/v1/agl/rollouts/ro-6eedb2fc3a09/attempts/latest",
        "",
        "rollout_ro-6eedb2fc3a09_attempts_latest.json",
        200,
    ),
    (
        "GET",
        "/v1/agl/rollouts/ro-13ef00b5635c/attempts/latest",
        "",
        "rollout_ro-13ef00b5635c_attempts_latest.json",
        200,
    ),
    ("GET", "/v1/agl/resources", "", "resources.json", 200),
    ("GET", "/v1/agl/resources/latest", "", "resources_latest.json", 200),
    (
        "GET",
        "/v1/agl/spans",
        "rollout_id=ro-339e107ec270",
        "spans_rollout_ro-339e107ec270.json",
        200,
    ),
    (
        "GET",
        "/v1/agl/spans",
        "rollout_id=ro-6eedb2fc3a09",
        "spans_rollout_ro-6eedb2fc3a09.json",
        200,
    ),
    ("GET", "/v1/agl/workers", "", "workers.json", 200),
    ("GET", "/v1/agl/statistics", "", "statistics.json", 200),
    ("GET", "/v1/agl/rollouts/ro-doesnotexist", "", "error_rollout_unknown.json", 500),
    ("GET", "/v1/agl/rollouts", "status_in=bogus", "error_status_in_bogus.json", 422),
    ("GET", "/v1/agl/spans", "", "error_spans_without_rollout_id.json", 422),
]

# Query parameters the server fills in when absent: a request that sends them explicitly
# asks the same thing, so they are dropped before comparing.
SERVER_DEFAULTS = {
    "limit": "-1",
    "offset": "0",
    "sort_order": "asc",
    "filter_logic": "and",
}
SEQUENCE_SORTED = ("/attempts", "/spans")


def canonical_query(path: str, query: str) -> tuple[tuple[str, str], ...]:
    """The query as the server understands it, order of repeated keys kept."""
    pairs = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if SERVER_DEFAULTS.get(key) == value:
            continue
        if key == "sort_by" and value == "sequence_id" and path.endswith(SEQUENCE_SORTED):
            continue
        pairs.append((key, value))
    return tuple(sorted(pairs))


def fixtures_dir() -> Path:
    """The recorded answers' folder; fails the test (not skips it) when it is missing."""
    if not (FIXTURES / "INDEX.md").is_file():
        pytest.fail(
            f"the recorded LightningStore answers are missing: expected {FIXTURES.resolve()}",
            pytrace=False,
        )
    return FIXTURES


def load(name: str) -> bytes:
    return (fixtures_dir() / name).read_bytes()


class RecordedServer:
    """A MockTransport handler answering the recorded requests; anything else is a 404."""

    def __init__(self) -> None:
        fixtures_dir()  # fail at once, naming the folder, rather than at the first request
        self.routes = {
            (method, path, canonical_query(path, query)): (name, status)
            for method, path, query, name, status in RECORDED
        }
        self.requests: list[httpx.Request] = []
        self.unmatched: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        key = (request.method, path, canonical_query(path, request.url.query.decode()))
        if key not in self.routes:
            self.unmatched.append(f"{request.method} {request.url}")
            return httpx.Response(404, json={"detail": "Not Found"})
        name, status = self.routes[key]
        return httpx.Response(status, content=load(name), headers={"content-type": "application/json"})


def fixture_json(name: str):
    return json.loads(load(name))


def agl_executable() -> Path:
    """`DECK_AGL`, else where `.ci/agl-venv.sh` puts it in the cache."""
    explicit = os.environ.get("DECK_AGL")
    if explicit:
        return Path(explicit)
    cache = Path(os.environ.get("DECK_CACHE", Path.home() / ".cache" / "deck"))
    return cache / "agl-0.3.0" / "bin" / "agl"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(base_url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 90  # importing agentlightning alone takes ~10 s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            pytest.fail(f"agl store exited with {process.returncode}:\n{tail}")
        try:
            if httpx.get(f"{base_url}/v1/agl/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    pytest.fail(f"agl store did not become healthy within 90 s: {log_path}")
