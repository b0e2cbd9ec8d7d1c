"""Budget check for the dynamo-namespaces plugin: a namespace with 1,000 watchers.

Prints numbers, asserts nothing. Budgets (issue 4): load and first render under 100 ms; a file
change on screen under 1 s. Change detection is stat polling of the state folder
(`directory_stamp`), then a reload of the changed file. The dashboard numbers come from the
shipped `dynamo` layout run headless (deck.testing), timed until the text is on the screen.
The state files come from the recorded fixtures in `tests/fixtures/dynamo`.

    .venv/bin/python bench/bench_dynamo.py
"""

from __future__ import annotations

import json
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from deck.plugins.dynamo_namespaces.client import (
    directory_stamp,
    discover,
    load_state,
    plan_add,
    scale,
)
from deck.plugins.dynamo_namespaces.source import StateFolderSource
from deck.testing import Harness, open_deck

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "dynamo" / "initial" / "dynamo.json"
LAYOUT = ROOT / "layouts" / "dynamo.yaml"
WATCHERS = 1_000
POLL_INTERVAL = 0.25
CHANGES = 20


def build_state_file(folder: Path) -> Path:
    """initial/dynamo.json grown to WATCHERS watchers, written as Dynamo's LocalConnector does."""
    document = json.loads(FIXTURE.read_bytes())
    gpus = [str(i) for i in range(WATCHERS + 8)]
    document["environment"]["SYSTEM_RESOURCES"] = {"total_gpus": len(gpus), "gpu_info": gpus}
    config = document["environment"]["DYNAMO_SERVICE_CONFIG"]
    base_cmd = document["components"]["dynamo_VllmWorker"]["cmd"].split("--worker-env")[0]
    index = 1
    while len(document["components"]) < WATCHERS:
        key = f"dynamo_VllmWorker_{index}"
        env = json.dumps([{"CUDA_VISIBLE_DEVICES": str(index + 1), "DYNAMO_SERVICE_CONFIG": config}])
        document["components"][key] = {
            "watcher_name": key,
            "cmd": f"{base_cmd}--worker-env '{env}' --custom-component-name '{key}'",
            "resources": {"allocated_gpus": [str(index + 1)]},
        }
        index += 1
    path = folder / "dynamo.json"
    path.write_text(json.dumps(document, indent=2))
    return path


def timed(label: str, action: Callable[[], object], runs: int = 30) -> None:
    action()  # warm up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    print(f"{label:<48} median {statistics.median(samples):7.2f} ms   max {max(samples):7.2f} ms")


def change_latency(folder: Path, path: Path) -> list[float]:
    """Seconds from the start of a write to the poller holding the reloaded snapshot."""
    seen: list[tuple[float, str]] = []
    stop = threading.Event()

    def poller() -> None:
        stamp = directory_stamp(folder)
        while not stop.wait(POLL_INTERVAL):
            current = directory_stamp(folder)
            if current != stamp:
                stamp = current
                state = load_state(path)
                seen.append((time.perf_counter(), state.version.sha256 if state.ok else ""))

    thread = threading.Thread(target=poller, daemon=True)
    thread.start()
    latencies = []
    for number in range(CHANGES):
        time.sleep(0.05 + (number * 0.037) % POLL_INTERVAL)  # land at varied points in a poll
        already_seen, started = len(seen), time.perf_counter()
        result = scale(path, "add" if number % 2 == 0 else "remove", "PrefillWorker")
        version = result.state.version.sha256
        while not any(v == version for _, v in seen[already_seen:]):
            time.sleep(0.005)
        latencies.append(next(t for t, v in seen[already_seen:] if v == version) - started)
    stop.set()
    thread.join()
    return latencies


def dashboard_layout(folder: Path) -> Path:
    """The shipped layout, pointed at the bench folder and its namespace."""
    document = yaml.safe_load(LAYOUT.read_text())
    document["plugins"]["dynamo"].update(state_dir=str(folder), namespace="dynamo")
    path = folder.parent / "dynamo-bench.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def run_until(harness: Harness, condition: Callable[[], bool], timeout: float = 10.0) -> float:
    """Seconds until `condition()` holds, letting the deck run in 1 ms steps."""
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > timeout:
            raise TimeoutError("the dashboard never showed it")
        harness.run(0.001)
    return time.perf_counter() - started


def first_render(layout: Path, runs: int = 7) -> None:
    """Build and start the deck, then time until the watchers table is on the screen."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        harness = open_deck(layout, size=(120, 40))
        try:
            run_until(harness, lambda h=harness: "dynamo_VllmWorker_1 " in h.text())
            samples.append((time.perf_counter() - started) * 1000)
            harness.deck.show_screen("Raw state")
            shown = time.perf_counter()
            text = harness.text()
            json_ms = (time.perf_counter() - shown) * 1000
            assert '"namespace": "dynamo"' in text
        finally:
            harness.stop()
    print(
        f"{'dashboard: build + load + first render':<48} median {statistics.median(samples):7.2f} ms   "
        f"max {max(samples):7.2f} ms"
    )
    print(f"{'dashboard: raw-state screen, first draw':<48} last   {json_ms:7.2f} ms")


def change_on_screen(layout: Path, path: Path) -> list[float]:
    """Seconds from the start of a write to the dashboard's text showing it."""
    harness = open_deck(layout, size=(120, 40))
    latencies = []
    try:
        run_until(harness, lambda: "dynamo_VllmWorker_1 " in harness.text())
        count = len(load_state(path).watchers)
        for number in range(CHANGES):
            harness.run(0.05 + (number * 0.037) % POLL_INTERVAL)  # land at varied points in a poll
            action = "add" if number % 2 == 0 else "remove"
            count += 1 if action == "add" else -1
            started = time.perf_counter()
            assert scale(path, action, "PrefillWorker").ok
            run_until(
                harness,
                lambda c=count: f"✓ {c} watchers" in harness.text(),
            )
            latencies.append(time.perf_counter() - started)
    finally:
        harness.stop()
    return latencies


def unchanged_poll(folder: Path) -> None:
    """What one poll of an unchanged folder costs the worker thread (the steady state)."""
    source = StateFolderSource(folder)
    params = {"namespace": "dynamo"}
    source.fetch(params)
    timed("source fetch, folder unchanged (one poll)", lambda: source.fetch(params), 200)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = build_state_file(folder)
        state = load_state(path)
        print(
            f"state file: {len(state.watchers)} watchers, {path.stat().st_size / 1e6:.2f} MB, "
            f"{len(state.gpu_info)} GPUs"
        )
        timed("load + parse + summary + GPU map", lambda: load_state(path))
        timed("discover (list namespaces)", lambda: discover(folder))
        timed("load + pretty_json (raw state view text)", lambda: load_state(path).pretty_json, 10)
        timed("plan_add (confirmation content)", lambda: plan_add(state, "PrefillWorker"))
        flip = iter(range(10**9))
        timed(
            "scale add/remove (lock, re-read, write, fsync)",
            lambda: scale(path, "add" if next(flip) % 2 == 0 else "remove", "PrefillWorker"),
            20,
        )
        timed("directory_stamp (one poll)", lambda: directory_stamp(folder), 200)
        latencies = [s * 1000 for s in change_latency(folder, path)]
        print(
            f"change -> reloaded snapshot, polling every {POLL_INTERVAL * 1000:.0f} ms: "
            f"mean {statistics.mean(latencies):.0f} ms, max {max(latencies):.0f} ms "
            f"({CHANGES} changes)"
        )
        unchanged_poll(folder)
        layout = dashboard_layout(folder)
        first_render(layout)
        latencies = [s * 1000 for s in change_on_screen(layout, path)]
        print(
            f"dashboard: change -> on screen, polling every {POLL_INTERVAL * 1000:.0f} ms: "
            f"mean {statistics.mean(latencies):.0f} ms, max {max(latencies):.0f} ms "
            f"({CHANGES} changes; budget 1000 ms)"
        )


if __name__ == "__main__":
    main()
