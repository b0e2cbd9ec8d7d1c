"""The live view against a real Dynamo 1.6.1 on CPU: mocker workers, a frontend, and etcd.

One deployment (two workers and a frontend on the file store) serves the module; tests that
kill or add processes use processes of their own.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from dynamo_deployment import Deployment, Etcd, free_port, http_json, wait

from deck.testing import Harness

MODELS_SCREEN, LOAD_SCREEN, PLANNER_SCREEN = "4", "5", "6"


def _ready_workers(frontend: str) -> int:
    status, answer = http_json(f"{frontend}/v1/models/tiny/ready")
    if status != 200 or not isinstance(answer, dict):
        return 0
    types = answer["namespaces"]["dynamo"]["worker_types"]
    return sum(t["workers"] for t in types.values())


@pytest.fixture(scope="module")
def deployment(
    dynamo_python: str, tiny_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("dynamo-1x")
    deployment = Deployment(dynamo_python, tiny_model, root)
    deployment.start_worker("w1")
    deployment.start_worker("w2")
    deployment.start_frontend(free_port())
    try:
        wait(lambda: _ready_workers(deployment.frontend) == 2, 90, "two workers ready at the frontend")
    except TimeoutError:
        deployment.stop()
        pytest.fail("the deployment did not come up:\n" + deployment.log("frontend") + deployment.log("w1"))
    yield deployment
    deployment.stop()


def _chat(frontend: str, tokens: int = 16) -> None:
    body = {"model": "tiny", "messages": [{"role": "user", "content": "hello world"}], "max_tokens": tokens}
    status, _ = http_json(f"{frontend}/v1/chat/completions", body)
    assert status == 200


class _Traffic:
    """Real chat requests in the background while the deck is watched."""

    def __init__(self, frontend: str) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(frontend,), daemon=True)
        self._thread.start()

    def _run(self, frontend: str) -> None:
        while not self._stop.is_set():
            _chat(frontend, 64)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


@pytest.fixture
def open_live(
    open_dynamo: Callable[..., Harness], tmp_path: Path, deployment: Deployment
) -> Callable[..., Harness]:
    """The dynamo layout on the deployment (no state files, so it opens on the Fleet)."""

    def open_it(**config: object) -> Harness:
        empty = tmp_path / "no-state"
        empty.mkdir(exist_ok=True)
        settings = {
            "discovery": f"file:{deployment.store}",
            "frontend": deployment.frontend,
            "etcd": f"http://127.0.0.1:{free_port()}",  # nobody there: no planner
            "live_interval": 0.5,
            **config,
        }
        return open_dynamo(empty, **settings)

    return open_it


def _worker_ids(deployment: Deployment) -> list[str]:
    return sorted(key.rsplit("/", 1)[1] for key in deployment.instance_files() if "/generate/" in key)


def test_fleet_models_load_and_traffic_of_a_real_deployment(open_live, deployment):
    traffic = _Traffic(deployment.frontend)
    try:
        deck = open_live()
        hex_a, hex_b = _worker_ids(deployment)
        screen = deck.wait_for(f"{hex_a} · {int(hex_a, 16)}")
        assert f"{hex_b} · {int(hex_b, 16)}" in screen
        # The frontend and the workers register one by one: wait for the whole fleet.
        screen = deck.wait_for("2 workers · 4 instances · 1 model · 1 namespace")
        assert f"file:{deployment.store}  (layout)" in screen
        assert "healthy" in screen and "generate" in screen
        assert "stale" not in screen

        deck.press(MODELS_SCREEN)
        screen = deck.wait_for("● ready")
        row = next(line for line in screen.splitlines() if "tiny" in line and "aggregated" in line)
        assert row.strip("│ ").split() == [
            "tiny",
            "aggregated",
            "●",
            "ready",
            "2",
            "16384",
            "256",
            "4096",
            "—",
        ]
        assert deck.wait_until(lambda: "success" in deck.text() and "/s" in deck.text(), 10), deck.text()

        deck.press(LOAD_SCREEN)
        screen = deck.wait_for(hex_a)
        assert hex_b in screen and "tiny" in screen

        def worker_ttft_shown() -> bool:
            rows = [line for line in deck.text().splitlines() if hex_a in line or hex_b in line]
            return any(re.search(r"\d+ms ● (ready|routed)", row) for row in rows)

        assert deck.wait_until(worker_ttft_shown, 10), deck.text()
        assert deck.wait_until(lambda: "TTFT       " in deck.text() and "p50 —" not in deck.text(), 10), (
            deck.text()
        )
    finally:
        traffic.stop()


def test_a_worker_added_later_appears_within_two_seconds_and_a_killed_one_goes_stale_then_away(
    open_live, deployment
):
    deck = open_live()
    before = set(_worker_ids(deployment))
    deck.wait_for(min(before))
    deployment.start_worker("late")
    assert deck.wait_until(lambda: len(_worker_ids(deployment)) == 3, 60), deployment.log("late")
    (late,) = set(_worker_ids(deployment)) - before
    start = time.monotonic()
    assert deck.wait_until(lambda: late in deck.text(), 2.0), deck.text()
    shown_after = time.monotonic() - start
    assert shown_after < 2.0

    deployment.signal("late", signal.SIGKILL)
    screen = deck.wait_for("stale", timeout=20)
    line = next(line for line in screen.splitlines() if late in line and "generate" not in line)
    assert "stale" in line
    assert "1 stale" in screen
    assert deck.wait_until(lambda: late not in deck.text(), 30), deck.text()
    assert "stale" not in deck.text()


def test_the_frontend_going_away_and_coming_back(open_live, deployment):
    deck = open_live()
    deck.wait_for("healthy")
    port = int(deployment.frontend.rsplit(":", 1)[1])
    deployment.signal("frontend", signal.SIGTERM)
    deck.wait_for("not reachable (connection refused)", timeout=10)
    deployment.start_frontend(port)
    assert deck.wait_until(lambda: "healthy" in deck.text(), 60), deployment.log("frontend")
    wait(lambda: _ready_workers(deployment.frontend) == 2, 60, "workers back at the restarted frontend")


def test_busy_threshold_is_shown_changed_after_a_confirm_and_read_back(open_live, deployment):
    deck = open_live()
    deck.wait_for("routed")  # opened on the Fleet
    deck.press(MODELS_SCREEN)
    deck.wait_for("● ready")
    deck.press("b")
    deck.wait_for("Busy threshold of tiny")
    deck.press(*["backspace"] * 8).type("0.75").press("enter")
    screen = deck.wait_for("Set the busy threshold of tiny")
    assert "to 0.75?" in screen
    deck.press("y")
    assert deck.wait_until(lambda: "the frontend now uses it" in deck.deck.status.text, 10), deck.text()
    status, answer = http_json(f"{deployment.frontend}/busy_threshold")
    assert status == 200
    assert answer["thresholds"][0]["active_decode_blocks_threshold"] == 0.75
    deck.wait_for("0.75")


def test_the_etcd_store_and_the_planner(
    open_live, deployment, etcd_binary, dynamo_python, tiny_model, tmp_path
):
    etcd = Etcd(etcd_binary, tmp_path)
    on_etcd = Deployment(dynamo_python, tiny_model, tmp_path / "on-etcd", etcd=etcd.url)
    try:
        on_etcd.start_worker("etcd-worker")
        deck = open_live(discovery=f"etcd:{etcd.url}", etcd=None)
        assert deck.wait_until(lambda: "1 worker · 2 instances" in deck.text(), 60), on_etcd.log(
            "etcd-worker"
        )
        assert f"etcd:{etcd.url}  (layout)" in deck.text()
        assert "lease" in deck.text()  # etcd entries live by lease, not by file age

        for key, value in (("num_prefill_workers", "0"), ("num_decode_workers", "3"), ("decision_id", "2")):
            etcd.put(f"v1/dynamo/planner/{key}", value)
        etcd.put("v1/dynamo/planner/scaled_decision_id", "1")
        deck.press(PLANNER_SCREEN)
        screen = deck.wait_for("not applied yet")
        assert "! dynamo: decision not applied yet" in screen  # the summary above the table
        row = next(line for line in screen.splitlines() if "not applied yet" in line and "/ 3" in line)
        assert "0 / 0" in row and "1 / 3" in row and "2 → 1" in row
        etcd.put("v1/dynamo/planner/scaled_decision_id", "2")
        deck.wait_for("2 → 2 applied")
    finally:
        on_etcd.stop()
        etcd.stop()
