"""A real Dynamo 1.6.1 deployment on CPU for the tests: mocker workers and a frontend, and etcd.

The venv comes from `.ci/dynamo-venv.sh`, Debian's etcd from `.ci/etcd.sh`. Every process is
started here, on free loopback ports, and stopped by its own pid.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[3]
MAKE_MODEL = Path(__file__).with_name("make_tiny_model.py")


def ci_tool(script: str) -> str:
    """Run a `.ci/` installer and return what it prints (a path); raises with its log on failure."""
    done = subprocess.run([str(ROOT / ".ci" / script)], capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f".ci/{script} failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def free_port(low: int = 0, high: int = 0) -> int:
    """A free loopback port; within [low, high] when given (Dynamo reads system ports as i16)."""
    for _ in range(200):
        port = random.randint(low, high) if low else 0
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise RuntimeError("no free port")


def wait(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll until `condition` holds; returns the seconds it took, raises naming `what` otherwise."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(0.05)
    raise TimeoutError(f"{what}: not within {timeout:g} s")


def http_json(url: str, body: object | None = None) -> tuple[int, object]:
    """GET (or POST `body`) and decode JSON; connection errors read as status 0."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except OSError:
        return 0, None


class Deployment:
    """Processes of one deployment sharing a file store (or etcd) under `root`."""

    def __init__(self, python: str, model: Path, root: Path, etcd: str | None = None) -> None:
        self.python = python
        self.model = model
        self.root = root
        self.store = root / "kvstore"
        self.store.mkdir(parents=True, exist_ok=True)
        self.etcd = etcd
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.frontend = ""

    def _env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DYN_", "ETCD_"))}
        env.update(DYN_FILE_KV=str(self.store), **extra)
        if self.etcd:
            env["ETCD_ENDPOINTS"] = self.etcd
        return env

    def _backend(self) -> list[str]:
        if self.etcd:
            return ["--discovery-backend", "etcd", "--event-plane", "zmq", "--request-plane", "tcp"]
        return ["--discovery-backend", "file"]

    def _start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = open(self.root / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [self.python, "-m", *argv], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=self.root
        )
        log.close()
        self.processes[name] = process
        return process

    def start_worker(self, name: str) -> int:
        """A mocker worker; returns its system port (where its /health and /metrics are)."""
        port = free_port(20000, 32000)
        argv = ["dynamo.mocker", "--model-path", str(self.model), "--model-name", "tiny"]
        argv += [*self._backend(), "--speedup-ratio", "10"]
        self._start(name, argv, self._env(DYN_SYSTEM_PORT=str(port)))
        return port

    def start_frontend(self, port: int) -> None:
        """The frontend on `port` (file store, or etcd when the deployment has one)."""
        argv = ["dynamo.frontend", "--http-port", str(port), *self._backend()]
        self._start("frontend", argv, self._env())
        self.frontend = f"http://127.0.0.1:{port}"

    def signal(self, name: str, sig: int) -> None:
        """Send a signal to one process started here, and reap it."""
        process = self.processes.pop(name)
        process.send_signal(sig)
        process.wait(timeout=30)

    def instance_files(self) -> list[str]:
        """The instance keys in the file store (decoded), skipping Dynamo's temp files."""
        folder = self.store / "v1" / "instances"
        names = os.listdir(folder) if folder.is_dir() else []
        return [unquote(n) for n in names if not n.startswith(".tmp_")]

    def log(self, name: str) -> str:
        """The tail of a process's log, for failure messages."""
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def stop(self) -> None:
        """SIGTERM every process started here (a clean stop deletes its store entries), then SIGKILL."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()


class Etcd:
    """Debian's etcd on free loopback ports, with its data in a temp folder."""

    def __init__(self, binary: str, root: Path) -> None:
        self.client_port, self.peer_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.client_port}"
        peer = f"http://127.0.0.1:{self.peer_port}"
        argv = [binary, "--data-dir", str(root / "etcd-data"), "--name", "deck-test"]
        argv += ["--listen-client-urls", self.url, "--advertise-client-urls", self.url]
        argv += ["--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer]
        argv += ["--initial-cluster", f"deck-test={peer}"]
        log = open(root / "etcd.log", "wb")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait(lambda: http_json(f"{self.url}/health")[0] == 200, 20, "etcd answering /health")

    def put(self, key: str, value: str) -> None:
        """Write a key through the JSON gateway (what the planner does with its decisions)."""
        import base64

        body = {
            "key": base64.b64encode(key.encode()).decode(),
            "value": base64.b64encode(value.encode()).decode(),
        }
        status, _ = http_json(f"{self.url}/v3/kv/put", body)
        assert status == 200, f"etcd put {key}: HTTP {status}"

    def stop(self) -> None:
        """Stop it by its pid."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
