"""One real local Ray cluster for the whole session, started and stopped by these fixtures.

The cluster runs as ``ray start --head --block`` in its own process group, on free ports and a
private temp dir, so it never touches another cluster on the machine (no ``ray stop``). It
uses token authentication (Ray's default for new local clusters) with a token that lives only
in the session's environment. RAY_ADDRESS points at it, so clients configured with
``address: auto`` find it the way the deck finds a run started with ``ray start``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from falcon_helpers import free_port

CLUSTER_START_TIMEOUT = 120.0


@dataclass(frozen=True)
class Cluster:
    address: str
    client_address: str
    pid: int  # the `ray start --block` process, leader of the head's process group


@contextlib.contextmanager
def ray_head() -> Iterator[Cluster]:
    """A Ray head on free ports and a private temp dir, stopped (by its own pid) on exit."""
    gcs_port, client_port, agent_port = free_port(), free_port(), free_port()
    temp_dir = tempfile.mkdtemp(prefix="rayt", dir="/tmp")  # socket paths must stay short
    command = [
        str(Path(sys.executable).with_name("ray")),
        "start",
        "--head",
        "--block",
        f"--port={gcs_port}",
        f"--ray-client-server-port={client_port}",
        f"--dashboard-agent-listen-port={agent_port}",
        "--num-cpus=2",
        "--include-dashboard=false",
        "--disable-usage-stats",
        f"--temp-dir={temp_dir}",
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    started = threading.Event()

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if "Ray runtime started" in line:
                started.set()

    threading.Thread(target=drain, daemon=True).start()
    try:
        if not started.wait(CLUSTER_START_TIMEOUT):
            raise RuntimeError("ray start did not finish:\n" + "".join(output[-40:]))
        yield Cluster(f"127.0.0.1:{gcs_port}", f"ray://127.0.0.1:{client_port}", process.pid)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        with contextlib.suppress(ProcessLookupError):  # what the head left behind, if it died hard
            os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(temp_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[Cluster]:
    if importlib.util.find_spec("ray") is None:  # not imported here: Ray reads RAY_AUTH_* on import
        pytest.skip("ray is not installed (pip install 'deck-tui[falcon]')")
    environment = pytest.MonkeyPatch()
    environment.setenv("RAY_AUTH_MODE", "token")  # Ray's default for new local clusters
    environment.setenv("RAY_AUTH_TOKEN", uuid.uuid4().hex)  # never ~/.ray/auth_token
    try:
        with ray_head() as cluster:
            environment.setenv("RAY_ADDRESS", cluster.address)
            yield cluster
    finally:
        environment.undo()


@pytest.fixture(scope="session")
def ray_driver(ray_cluster: Cluster) -> Iterator[Any]:
    """The test process as a Ray driver of the session cluster (to start and kill actors)."""
    import ray

    ray.init(
        address=ray_cluster.address,
        namespace="deck-tests",
        log_to_driver=False,
        logging_level=logging.ERROR,
    )
    yield ray
    ray.shutdown()


@pytest.fixture(scope="session")
def sim_run(ray_driver: Any) -> Iterator[Any]:
    """A simulated run shared by the tests: 2 nodes in their own actors, 6 in a group."""
    from deck.plugins.falcon_nodes.client_sim import start_sim

    run = start_sim(8, speed=20.0, solo=2, namespace=f"falcon-{uuid.uuid4().hex[:8]}")
    yield run
    run.stop()


@pytest.fixture
def namespace() -> str:
    """A Ray namespace no other test uses."""
    return f"falcon-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def slow_run(ray_driver: Any) -> Iterator[Any]:
    """A run so slow that no node finishes or fails during the session (for pause tests)."""
    from deck.plugins.falcon_nodes.client_sim import start_sim

    run = start_sim(3, speed=0.05, solo=1, fail_node=None, namespace=f"falcon-{uuid.uuid4().hex[:8]}")
    yield run
    run.stop()


@pytest.fixture(scope="session")
def hang_run(ray_driver: Any) -> Iterator[Any]:
    """A run whose node 'phi' never answers a status call (the others do)."""
    from deck.plugins.falcon_nodes.client_sim import start_sim

    run = start_sim(
        4, speed=20.0, solo=2, hang_node="phi", fail_node=None, namespace=f"falcon-{uuid.uuid4().hex[:8]}"
    )
    yield run
    run.stop()


LAYOUT = Path(__file__).resolve().parents[3] / "layouts" / "falcon.yaml"


@pytest.fixture
def open_falcon(tmp_path: Path) -> Iterator[Any]:
    """Open the shipped falcon layout headless with these plugin settings (stopped after the test)."""
    import yaml

    from deck.testing import Harness, open_deck

    opened: list[Harness] = []

    def open_with(size: tuple[int, int] = (120, 40), read_only: bool = False, **config: Any) -> Harness:
        layout = yaml.safe_load(LAYOUT.read_text())
        layout["plugins"]["falcon"].update(config)
        path = tmp_path / f"falcon-{len(opened)}.yaml"
        path.write_text(yaml.safe_dump(layout))
        harness = open_deck(path, size=size, read_only=read_only)
        opened.append(harness)
        return harness

    yield open_with
    for harness in opened:
        harness.stop()


# ---- falcon-sbi 0.5: real runs on CPU --------------------------------------------------------------

REPO = Path(__file__).resolve().parents[3]
SBI_GRAPH = Path(__file__).with_name("sbi_graph")
#: A real run takes ~25 s alone on two idle cores; runs share them in the suite.
SBI_RUN_TIMEOUT = 240.0


@pytest.fixture(scope="session")
def falcon_sbi() -> Path:
    """The `falcon` executable of falcon-sbi 0.5.1, installed by .ci/falcon-sbi-venv.sh (cached)."""
    script = REPO / ".ci" / "falcon-sbi-venv.sh"
    try:
        built = subprocess.run([str(script)], capture_output=True, text=True, check=True, timeout=1800)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        message = f"falcon-sbi could not be installed: {exc}\n{getattr(exc, 'stderr', '') or ''}"[-3000:]
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return Path(built.stdout.strip().splitlines()[-1])


@dataclass
class SbiLauncher:
    """Starts `falcon launch` runs of the test graph, each with its own local Ray and its own token."""

    falcon: Path
    workdir: Path
    processes: list[subprocess.Popen[bytes]]

    def launch(self, run_dir: Path, *overrides: str) -> subprocess.Popen[bytes]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
        environment.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=uuid.uuid4().hex)  # never ~/.ray
        with run_dir.with_name(f"{run_dir.name}.launch.log").open("wb") as output:  # for a failure's report
            process = subprocess.Popen(
                [str(self.falcon), "launch", "--no-interactive", "-o", str(run_dir), *overrides],
                cwd=self.workdir,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        return process


@pytest.fixture(scope="session")
def sbi_launcher(falcon_sbi: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SbiLauncher]:
    """Launch runs of the two-node test graph; any still running at the end are interrupted."""
    workdir = tmp_path_factory.mktemp("sbi-graph")
    shutil.copytree(SBI_GRAPH, workdir, dirs_exist_ok=True)
    launcher = SbiLauncher(falcon_sbi, workdir, [])
    yield launcher
    for process in launcher.processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    for process in launcher.processes:
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class SbiRun:
    """One `falcon launch` in the background, launched again when Ray's own start-up timed out.

    On a busy two-core machine a local Ray sometimes misses its fixed 30 s start-up window
    ("The current node timed out during startup") before the run has written anything: that is
    the machine, not the run, so the run is started afresh (at most three times).
    """

    ATTEMPTS = 3

    def __init__(self, launcher: SbiLauncher, run_dir: Path, *overrides: str) -> None:
        self.run_dir = run_dir
        self.log = run_dir.with_name(f"{run_dir.name}.launch.log")
        self.returncode: int | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(launcher, overrides), daemon=True)
        self._thread.start()

    def _run(self, launcher: SbiLauncher, overrides: tuple[str, ...]) -> None:
        for _ in range(self.ATTEMPTS):
            returncode = launcher.launch(self.run_dir, *overrides).wait()
            started = (self.run_dir / "graph" / "driver" / "output.log").exists()
            if returncode == 0 or started or "timed out during startup" not in self.output():
                break
            shutil.rmtree(self.run_dir, ignore_errors=True)
        self.returncode = returncode
        self._done.set()

    def wait(self) -> int:
        """Wait for the run's driver to exit; its exit status."""
        if not self._done.wait(SBI_RUN_TIMEOUT * self.ATTEMPTS):
            raise TimeoutError(f"{self.run_dir.name} did not end:\n{self.output()}")
        assert self.returncode is not None
        return self.returncode

    def output(self) -> str:
        """The end of what `falcon launch` printed (for a failure's message)."""
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else "(no output)"


@dataclass(frozen=True)
class SbiRuns:
    """Three real runs started side by side in one folder, for the tests to follow and to end."""

    folder: Path
    ok: Path  # completes its 150 epochs
    failed: Path  # its simulator raises on the third batch
    endless: Path  # trains until it is interrupted
    runs: dict[str, SbiRun]

    def wait(self, name: str) -> int:
        """Wait for one run's driver to exit; its exit status."""
        return self.runs[name].wait()

    def output(self, name: str) -> str:
        """The end of what `falcon launch` printed for one run."""
        return self.runs[name].output()


@pytest.fixture(scope="session")
def sbi_runs(sbi_launcher: SbiLauncher, tmp_path_factory: pytest.TempPathFactory) -> SbiRuns:
    """The runs, started at once (and shared): the tests follow them as they happen."""
    folder = tmp_path_factory.mktemp("sbi-runs")
    ok, failed, endless = folder / "run-ok", folder / "run-failed", folder / "run-endless"
    epochs, patience = "graph.z.estimator.max_epochs", "graph.z.estimator.early_stop_patience=100000"
    runs = {  # no early stopping: how many epochs a run trains must not depend on its losses
        "ok": SbiRun(sbi_launcher, ok, f"{epochs}=150", patience),
        "failed": SbiRun(sbi_launcher, failed, "graph.x.simulator.fail_after=2", f"{epochs}=150", patience),
        "endless": SbiRun(sbi_launcher, endless, f"{epochs}=100000", patience),
    }
    return SbiRuns(folder, ok, failed, endless, runs)
