"""Test helpers: a real HTTP server on a free loopback port, free ports, layouts with their ports."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil

LAYOUTS = Path(__file__).resolve().parents[3] / "layouts"
#: A Dynamo 1.6.1 frontend's and worker's /metrics, recorded during a burst of requests.
DYNAMO_METRICS = Path(__file__).resolve().parents[2] / "fixtures" / "dynamo-1x" / "metrics-trimmed.txt"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test output is not the place for access logs."""

    def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/health":
            answer = {"status": "healthy", "endpoints": ["dyn://dynamo.backend.generate"], "api_key": "k-123"}
            self._send(200, json.dumps(answer).encode())
        elif self.path == "/notready":
            self._send(503, b'{"status":"notready","endpoints":{"generate":"notready"}}')
        elif self.path == "/slow":
            time.sleep(3)
            self._send(200, b"{}")
        elif self.path == "/big":
            self._send(200, b"[" + b"1," * 600_000 + b"1]")
        elif self.path == "/auth":
            token = self.headers.get("Authorization", "")
            self._send(200 if token == "Bearer t0k" else 401, json.dumps({"seen": bool(token)}).encode())
        elif self.path == "/dynamo-metrics":
            self._send(200, DYNAMO_METRICS.read_bytes(), "text/plain; version=0.0.4")
        elif self.path == "/escape":
            self._send(200, json.dumps({"name": "\x1b[2J\x1b[31mred", "status": "ok"}).encode())
        else:
            self._send(404, b'{"detail":"Not Found"}')


def serve() -> Iterator[str]:
    """The base URL of a local server with /health, /notready, /slow, /big, /auth, /escape and
    /dynamo-metrics."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def free_port() -> int:
    """A loopback port nothing listens on (bound and released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def layout_on(name: str, folder: Path, ports: dict[str, str]) -> Path:
    """A copy of a shipped layout with its addresses pointed at the test's servers."""
    text = (LAYOUTS / f"{name}.yaml").read_text(encoding="utf-8")
    for old, new in ports.items():
        assert old in text, f"{old} is not in layouts/{name}.yaml"
        text = text.replace(old, new)
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@contextmanager
def exporter() -> Iterator[int]:
    """Start the frontend exporter in a subprocess and yield its port; stop it after."""
    script = Path(__file__).with_name("frontend_exporter.py")
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield int(process.stdout.readline())
    finally:
        process.kill()
        process.wait()


def gone(pid: int) -> bool:
    """True once `pid` has died or is a zombie nobody reaped yet (polling up to 10 s: a kill
    lands within half a second, but a busy machine may take longer to show it)."""
    deadline = time.monotonic() + 10
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _running(pid)


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
