"""The simulator as operators run it, and the promise that the deck side never loads Ray."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from falcon_helpers import wait_for

from deck.plugins.falcon_nodes.client import FalconClient, FalconConfig

SIM = [sys.executable, "-m", "deck.plugins.falcon_nodes.client_sim"]


def test_importing_the_plugin_modules_does_not_load_ray() -> None:
    code = (
        "import sys\n"
        "import deck.plugins.falcon_nodes.client, deck.plugins.falcon_nodes.model\n"
        "import deck.plugins.falcon_nodes.client_coordinator, deck.plugins.falcon_nodes.client_sim\n"
        "import deck.plugins.falcon_nodes.client_driver, deck.plugins.falcon_nodes.client_simnodes\n"
        "print('ray' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_unknown_node_options_fail_before_touching_ray() -> None:
    result = subprocess.run(
        [*SIM, "--nodes", "3", "--hang-node", "nope"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "hang node 'nope' is not one of the 3 simulated nodes" in result.stderr


def test_sim_runs_until_interrupted(ray_cluster: Any, namespace: str, tmp_path: Path) -> None:
    command = [*SIM, "--address", ray_cluster.address, "--namespace", namespace]
    command += ["--nodes", "5", "--solo", "1", "--speed", "10"]
    # Ray's warnings go to a file: a pipe nobody reads would fill up and stop the simulator.
    errors = (tmp_path / "sim.err").open("w")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True)
    client = FalconClient(FalconConfig(address=ray_cluster.address, namespace=namespace))
    try:
        assert process.stdout is not None
        # Ray may print its own warnings (e.g. "(raylet) WARNING: ...") before the ready line.
        ready = next((line for line in process.stdout if "nodes running" in line), "")
        assert "5 nodes running" in ready and namespace in ready
        status = wait_for(client.poll, 60, interval=0.2)
        assert [node.name for node in status.nodes] == ["theta", "phi", "x_embed", "y_embed", "z_model"]

        process.send_signal(signal.SIGINT)
        try:
            assert process.wait(60) == 0
        except subprocess.TimeoutExpired:
            process.kill()
            said, errors_said = process.stdout.read(), (tmp_path / "sim.err").read_text()[-3000:]
            pytest.fail(f"no exit 60 s after Ctrl-C; stdout:\n{said}\nstderr:\n{errors_said}")
        assert "stopping" in process.stdout.read()
        started = time.monotonic()
        wait_for(lambda: client.poll() is None, 30, interval=0.2)
        assert time.monotonic() - started < 30
    finally:
        client.close()
        errors.close()
        if process.poll() is None:
            process.kill()
            process.wait()
