"""A real Agent-lightning 1.x server (`agentlightning==1.0.2` in a Python 3.12 venv) for tests.

`.ci/agl1x-venv.sh` builds the venv once (cached); each server is that venv's uvicorn running
`create_app` in a temporary directory on a free loopback port, stopped by its own pid. The
server keeps everything in memory, so a restart on the same port comes back empty.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from lightning_support import free_port

REPO = Path(__file__).resolve().parents[3]
_APP = """
import sys, uvicorn
from agentlightning.server.app import create_app
cfg = {"key": sys.argv[2], "default_proxy": {"model_name": "test-model",
       "train": {"temperature": 1.0}, "val": {"temperature": 0.7}}}
uvicorn.run(create_app(cfg), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def agl1x_python() -> Path:
    """The 1.x venv's python: DECK_AGL1X, else built (or reused) by .ci/agl1x-venv.sh.

    Under CI a venv that cannot be built fails the tests; elsewhere they are skipped.
    """
    explicit = os.environ.get("DECK_AGL1X")
    if explicit:
        return Path(explicit)
    script = REPO / ".ci" / "agl1x-venv.sh"
    done = subprocess.run([str(script)], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        reason = f"the Agent-lightning 1.x server could not be built:\n{done.stderr[-2000:]}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return Path(done.stdout.strip().splitlines()[-1])


class Agl1xServer:
    """One `agl-server` app; `restart()` brings it back, empty, on the same port."""

    def __init__(self, python: Path, workdir: Path, key: str = "") -> None:
        self.python, self.workdir, self.key = python, workdir, key
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Agl1xServer:
        log = (self.workdir / "agl-server.log").open("ab")
        self.process = subprocess.Popen(
            [str(self.python), "-c", _APP, str(self.port), self.key],
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = (self.workdir / "agl-server.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"agl-server exited with {self.process.returncode}:\n{tail}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        pytest.fail(f"agl-server did not become healthy within 60 s (log in {self.workdir})")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    # ---- populating it through its own API -----------------------------------------------------

    def call(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        response = httpx.request(method, self.url + path, json=body, headers=headers, timeout=10)
        response.raise_for_status()
        return response.json() if response.content else None

    def create(self, *items: dict[str, Any]) -> list[dict[str, Any]]:
        return self.call("POST", "/api/rollouts", list(items))

    def move(self, rollout_id: str, state: str, **status: Any) -> dict[str, Any]:
        return self.call("PATCH", f"/api/rollouts/{rollout_id}", {"status": {"state": state, **status}})

    def event(self, rollout_id: str, event_type: str, data: dict[str, Any], attempt: str = "0") -> Any:
        return self.call(
            "POST",
            f"/api/rollouts/{rollout_id}/attempt/{attempt}/events",
            {"event_type": event_type, "data": data},
        )

    def delete(self, rollout_id: str) -> None:
        self.call("DELETE", f"/api/rollouts/{rollout_id}")


def llm_call_data(question: str, answer: str, latency_ms: float = 120.0) -> dict[str, Any]:
    """A `model_request` event's data as the 1.x proxy records it (fixture events_ro-demo-ok)."""
    return {
        "model": "test-model",
        "model_version": 0,
        "request": {"model": "test-model", "messages": [{"role": "user", "content": question}]},
        "response": {
            "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": answer}}
            ],
            "usage": {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9},
        },
        "server": {"model": "test-model", "endpoint": "http://127.0.0.1:1/v1", "version": 0},
        "latency_ms": latency_ms,
        "http_status": 200,
        "status": "ok",
        "retry_count": 0,
        "usage": {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9},
        "finish_reason": "stop",
    }
