"""The deck-side client against a real Ray cluster: connection states, polling, commands."""

from __future__ import annotations

import importlib.util
import math
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from falcon_helpers import free_port, wait_for

from deck.plugins.falcon_nodes.client import FalconClient, FalconConfig, FalconError, Phase
from deck.plugins.falcon_nodes.client_coordinator import LEGACY_COORDINATOR_NAME, start_coordinator
from deck.plugins.falcon_nodes.model import STATUS_ORDER, FalconStatus, SortMode, sort_nodes


@pytest.fixture
def make_client() -> Iterator[Any]:
    clients: list[FalconClient] = []

    def make(**options: Any) -> FalconClient:
        client = FalconClient(FalconConfig(**options))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def poll_until(client: FalconClient, timeout: float = 30) -> FalconStatus:
    return wait_for(client.poll, timeout, interval=0.2)


def test_status_contents_and_sort_orders(make_client: Any, sim_run: Any) -> None:
    client = make_client(namespace=sim_run.namespace)  # address auto finds the test cluster

    def failed_and_trained() -> FalconStatus | None:
        status = client.poll()
        if status is None or status.node("x_embed").status != "error":
            return None
        return status if sum(bool(node.loss_history) for node in status.nodes) >= 3 else None

    status = wait_for(failed_and_trained, 30, interval=0.2)

    assert client.state.phase is Phase.CONNECTED
    assert client.state.describe().startswith("connected to ")
    assert client.state.describe().endswith("(falcon:coordinator)")
    assert status.run_dir == "outputs/sim"
    assert status.elapsed() is not None
    assert status.buffer is not None and status.buffer.training is not None
    assert sorted(node.name for node in status.nodes) == sorted(sim_run.names)
    assert "NaN" in (status.node("x_embed").error or "")
    for node in status.nodes:
        assert node.progress is None or 0.0 <= node.progress <= 1.0

    by_name = [node.name for node in sort_nodes(status.nodes, SortMode.NAME)]
    assert by_name == sorted(sim_run.names)
    by_status = sort_nodes(status.nodes, SortMode.STATUS)
    assert by_status[0].name == "x_embed"
    ranks = [STATUS_ORDER.get(node.status, len(STATUS_ORDER)) for node in by_status]
    assert ranks == sorted(ranks)
    losses = [node.loss for node in sort_nodes(status.nodes, SortMode.LOSS)]
    known = [loss for loss in losses if loss is not None and not math.isnan(loss)]
    assert known == sorted(known) and len(known) >= 3
    assert losses[: len(known)] == known  # nodes without a loss come last


def test_node_log(make_client: Any, sim_run: Any) -> None:
    client = make_client(namespace=sim_run.namespace)
    lines = client.node_log("theta", 4)
    assert 1 <= len(lines) <= 4
    assert all(line.startswith("[") and "] " in line for line in lines)
    assert client.node_log("no-such-node") == ()


def test_pause_and_resume(make_client: Any, slow_run: Any) -> None:
    client = make_client(namespace=slow_run.namespace)
    assert client.pause("phi") == "phi paused"
    assert poll_until(client).node("phi").status == "paused"
    assert client.resume("phi") == "phi resumed"
    assert poll_until(client).node("phi").status != "paused"
    with pytest.raises(FalconError, match="no node named 'ghost'"):
        client.pause("ghost")


def test_waiting_for_a_run_then_connected(
    make_client: Any, ray_driver: Any, sim_run: Any, namespace: str
) -> None:
    client = make_client(namespace=namespace)
    assert client.poll() is None
    assert client.state.phase is Phase.WAITING
    assert client.state.describe().startswith("coordinator not found (waiting for a run)")
    with pytest.raises(FalconError, match="waiting for a run"):
        client.node_log("theta")

    coordinator = start_coordinator("late", namespace=namespace, detached=False)
    try:
        sim_run.register(coordinator)
        status = poll_until(client)
        assert status.run_dir == "late"
        assert len(status.nodes) == len(sim_run.names)
    finally:
        ray_driver.kill(coordinator)


def test_coordinator_killed_mid_run_then_replaced(
    make_client: Any, ray_driver: Any, sim_run: Any, namespace: str
) -> None:
    client = make_client(namespace=namespace)
    first = start_coordinator("first", namespace=namespace, detached=True)
    sim_run.register(first)
    assert poll_until(client).run_dir == "first"

    ray_driver.kill(first, no_restart=True)
    assert client.poll() is None
    gone = client.state
    assert gone.phase is Phase.GONE  # the cluster is fine: only the coordinator went
    assert gone.describe().startswith("coordinator gone: 'falcon:coordinator' died")

    wait_for(lambda: client.poll() is None and client.state.phase is Phase.WAITING, 30)
    second = start_coordinator("second", namespace=namespace, detached=True)
    try:
        sim_run.register(second)
        status = poll_until(client)
        assert status.run_dir == "second"
        assert len(status.nodes) == len(sim_run.names)
        assert client.state.phase is Phase.CONNECTED
    finally:
        ray_driver.kill(second, no_restart=True)


def test_explicit_addresses_and_the_legacy_actor_name(
    make_client: Any, ray_driver: Any, ray_cluster: Any, sim_run: Any, namespace: str
) -> None:
    legacy = start_coordinator("legacy", name=LEGACY_COORDINATOR_NAME, namespace=namespace, detached=False)
    try:
        sim_run.register(legacy)
        for address in (ray_cluster.address, ray_cluster.client_address):
            client = make_client(address=address, namespace=namespace)
            assert poll_until(client, 60).run_dir == "legacy"
            assert client.state.describe().endswith(f"({LEGACY_COORDINATOR_NAME})")
    finally:
        ray_driver.kill(legacy)


def test_no_cluster_gives_one_clear_message(make_client: Any, capfd: Any) -> None:
    port = free_port()
    client = make_client(address=f"127.0.0.1:{port}")
    started = time.monotonic()
    assert client.poll() is None
    assert time.monotonic() - started < 2.0
    assert client.state.phase is Phase.NO_CLUSTER
    assert re.fullmatch(
        rf"no Ray cluster at 127\.0\.0\.1:{port}: Connection refused \(retrying in 1 s\)",
        client.state.describe(),
    )
    with pytest.raises(FalconError, match=f"no Ray cluster at 127.0.0.1:{port}"):
        client.pause("theta")
    assert capfd.readouterr() == ("", "")


def test_no_cluster_behind_auto(make_client: Any, monkeypatch: pytest.MonkeyPatch, capfd: Any) -> None:
    monkeypatch.setenv("RAY_ADDRESS", f"127.0.0.1:{free_port()}")
    client = make_client()
    assert client.poll() is None
    assert client.state.describe().startswith("no Ray cluster at auto: Connection refused")
    assert capfd.readouterr() == ("", "")


def test_a_silent_listener_is_given_up_on_in_bounded_time(make_client: Any, capfd: Any) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        client = make_client(address=f"127.0.0.1:{port}", connect_timeout=3.0)
        started = time.monotonic()
        assert client.poll() is None
        assert time.monotonic() - started < 3.0 + 2.0
    assert client.state.phase is Phase.NO_CLUSTER
    assert client.state.describe().startswith(f"no Ray cluster at 127.0.0.1:{port}")
    assert capfd.readouterr() == ("", "")


def test_config_from_layout_options() -> None:
    config = FalconConfig.from_mapping({"address": "ray://head:10001", "timeout": 3})
    assert config.timeout == 3.0
    assert config.actor_names == ("falcon:coordinator", "falcon:monitor_bridge")
    only = FalconConfig.from_mapping({"actor": "mine", "fallback_actor": None})
    assert only.actor_names == ("mine",)
    for bad, message in (
        ({"adress": "auto"}, "unknown falcon option"),
        ({"address": "head"}, "'address' must be"),
        ({"timeout": 0}, "'timeout' must be a positive number"),
        ({"namespace": ""}, "'namespace' must be a non-empty string"),
    ):
        with pytest.raises(ValueError, match=message):
            FalconConfig.from_mapping(bad)


def test_a_cluster_that_wants_a_token_says_so(
    make_client: Any, ray_cluster: Any, monkeypatch: pytest.MonkeyPatch, capfd: Any
) -> None:
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")  # as a deck started without the token
    monkeypatch.setenv("RAY_gcs_server_port_wait_time_s", "2")  # Ray retries for 20 s otherwise
    client = make_client(address=ray_cluster.address, connect_timeout=60)
    assert client.poll() is None
    assert client.state.phase is Phase.REFUSED
    assert client.state.describe().startswith(
        f"the Ray cluster at {ray_cluster.address} refused the connection: authentication token"
    )
    assert capfd.readouterr() == ("", "")


def test_without_ray_installed_the_message_says_how_to_get_it(
    make_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real_find_spec(name, *a)
    )
    client = make_client()
    assert client.poll() is None
    assert client.state.phase is Phase.NO_RAY
    assert client.state.describe() == "Ray is not installed here (pip install 'deck-tui[falcon]')"


def test_reconnecting_keeps_the_last_failure_visible(make_client: Any) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        client = make_client(address=f"127.0.0.1:{server.getsockname()[1]}", connect_timeout=1.5)
        assert client.poll() is None
        failure = client.state
        assert failure.phase is Phase.NO_CLUSTER and failure.retry_at is not None

        # the listener still answers: worth trying again at the next poll, back-off or not
        attempt = threading.Thread(target=client.poll)
        attempt.start()
        seen = wait_for(lambda: client.state.phase is Phase.CONNECTING and client.state, 5, interval=0.02)
        attempt.join()
    assert seen.describe() == (
        f"connecting to {failure.address} (last attempt: no Ray cluster at {failure.address}: "
        f"{failure.detail})"
    )
    assert client.state.phase is Phase.NO_CLUSTER and client.state.retry_at != failure.retry_at
