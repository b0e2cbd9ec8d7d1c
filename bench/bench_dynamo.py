"""Budget check for the dynamo-namespaces plugin: 1,000 watchers, and a 1.x store of 1,000 instances.

Prints numbers, asserts nothing. Budgets (issue 4): load and first render under 100 ms; a file
change on screen under 1 s. Budgets (issue 15): a 1.x store of 1,000 instances rendered first
within 200 ms and refreshed within 20 ms of CPU; a 1 MB frontend /metrics page parsed within
30 ms. Change detection is stat polling of the state folder (`directory_stamp`), then a reload
of the changed file. The dashboard numbers come from the shipped `dynamo` layout run headless
(deck.testing), timed until the text is on the screen. The state files come from the recorded
fixtures in `tests/fixtures/dynamo`, the 1.x store and metrics page from `tests/fixtures/dynamo-1x`.
Times of the 1.x refresh and the metrics parse are CPU time of the thread doing the work
(steadier than wall time on a shared machine, and blind to other threads).

    .venv/bin/python bench/bench_dynamo.py
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from deck import Result
from deck.plugins.dynamo_namespaces.client import (
    directory_stamp,
    discover,
    load_state,
    plan_add,
    scale,
)
from deck.plugins.dynamo_namespaces.client_live import FRONTEND_FAMILIES, FileStore
from deck.plugins.dynamo_namespaces.model_live import LiveStore
from deck.plugins.dynamo_namespaces.source import StateFolderSource
from deck.plugins.dynamo_namespaces.source_live import STORE, StoreSource
from deck.prometheus import parse
from deck.testing import Harness, open_deck

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "dynamo" / "initial" / "dynamo.json"
FIXTURES_1X = ROOT / "tests" / "fixtures" / "dynamo-1x"
INSTANCES = 1_000
DEAD = "http://127.0.0.1:9"  # nothing listens: the frontend and planner sources fail at once
WORKER_PORT = "127.0.0.1:23999"
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


def timed(label: str, action: Callable[[], object], runs: int = 30, *, cpu: bool = False) -> None:
    clock = time.thread_time if cpu else time.perf_counter
    action()  # warm up
    samples = []
    for _ in range(runs):
        start = clock()
        action()
        samples.append((clock() - start) * 1000)
    kind = " CPU" if cpu else ""
    print(f"{label:<48} median {statistics.median(samples):7.2f} ms{kind}   max {max(samples):7.2f} ms{kind}")


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


def build_store(root: Path) -> list[str]:
    """A file store with INSTANCES workers (a generate entry and a model card each), as Dynamo names them."""
    instance = json.loads((FIXTURES_1X / "instance-backend-generate.json").read_bytes())
    # every worker's system port is one small server in another process (see worker_port)
    recorded = (FIXTURES_1X / "mdc-backend-generate.json").read_text()
    card = json.loads(recorded.replace("192.0.2.2:8082", WORKER_PORT))
    (root / "v1" / "instances").mkdir(parents=True)
    (root / "v1" / "mdc").mkdir(parents=True)
    ids = []
    for n in range(INSTANCES):
        instance_id = 0x6224F00BB4170D81 + n * 7919
        hex_id = f"{instance_id:x}"
        name = FileStore.file_name(f"dynamo/backend/generate/{hex_id}")
        (root / "v1" / "instances" / name).write_text(json.dumps({**instance, "instance_id": instance_id}))
        (root / "v1" / "mdc" / name).write_text(json.dumps({**card, "instance_id": instance_id}))
        ids.append(hex_id)
    return ids


WORKER_SERVER = """
import http.server, sys
health = b'{"status":"ready","endpoints":{"generate":"ready"}}'
metrics = open(sys.argv[2], "rb").read().split(b"### worker")[1].split(b"\\n", 1)[1]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = health if self.path == "/health" else metrics
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def worker_port() -> subprocess.Popen[bytes]:
    """The workers' /health and /metrics (the recorded worker page), served by another process."""
    port = WORKER_PORT.rsplit(":", 1)[1]
    metrics = FIXTURES_1X / "metrics-trimmed.txt"
    server = subprocess.Popen([sys.executable, "-c", WORKER_SERVER, port, str(metrics)])
    time.sleep(0.5)
    return server


def live_first_render(root: Path, ids: list[str], runs: int = 5) -> Harness:
    """Build and start a deck on a Fleet screen of the store; time until the workers are on screen.

    The first run pays Python's imports; the median is of every run. The last deck is returned open.
    """
    layout = root / "live.yaml"
    config = {
        "state_dir": str(root / "no-state"),
        "discovery": f"file:{root}",
        "frontend": DEAD,
        "etcd": DEAD,
    }
    fleet = [{"height": 6, "panel": "dynamo.live"}, {"panel": "dynamo.fleet"}]
    layout.write_text(
        yaml.safe_dump({"plugins": {"dynamo": config}, "screens": [{"name": "Fleet", "rows": fleet}]})
    )
    walls, cpus = [], []
    for run in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        harness = open_deck(layout, size=(120, 40))
        harness.wait_for(f"{ids[0]} ·", timeout=30)
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        if run < runs - 1:
            harness.stop()
    print(
        f"1.x store, {INSTANCES} instances: build + read + first render "
        f"median {statistics.median(walls):.0f} ms "
        f"({statistics.median(cpus):.0f} ms CPU), first run {walls[0]:.0f} ms (budget 200 ms)"
    )
    return harness


def live_refresh(root: Path, harness: Harness) -> None:
    """CPU of one refresh of an unchanged store: the fetch, the fleet table's update, a frame."""
    source = StoreSource(LiveStore("file", str(root), "layout"))
    source.fetch()
    fleet = next(f.panel for s in harness.deck.screens for f in s.frames if f.type_name == "dynamo.fleet")
    samples = []
    for _ in range(20):
        start = time.thread_time()
        view = source.fetch()
        fleet.update(Result(STORE, view, fetched_at=time.time()))
        harness.text()
        samples.append((time.thread_time() - start) * 1000)
    print(
        f"1.x store refresh (fetch + fleet update + frame): median {statistics.median(samples):.1f} ms CPU, "
        f"max {max(samples):.1f} ms (budget 20 ms)"
    )


def metrics_page() -> str:
    """About 1 MB of frontend /metrics: the recorded families, per-worker gauges for 1,000 workers,
    latency histograms for 40 models, and runtime families the views never read."""
    recorded = (FIXTURES_1X / "metrics-trimmed.txt").read_text().split("### worker")[0]
    lines = [recorded]
    buckets = [line for line in recorded.splitlines() if "_bucket{" in line]
    for model in range(40):
        lines += [b.replace('model="tiny"', f'model="model-{model}"') for b in buckets]
    for family in ("active_decode_blocks", "active_prefill_tokens", "last_time_to_first_token_seconds"):
        lines.append(f"# TYPE dynamo_frontend_worker_{family} gauge")
        labels = 'dp_rank="0",worker_id="{}",worker_type="decode"'
        lines += [
            f"dynamo_frontend_worker_{family}{{{labels.format(7072041247935237505 + n)}}} {n % 7}"
            for n in range(INSTANCES)
        ]
    n = 0
    while sum(len(line) + 1 for line in lines) < 1_000_000:
        lines.append(f"# TYPE dynamo_tokio_worker_{n}_busy_seconds counter")
        lines += [f'dynamo_tokio_worker_{n}_busy_seconds_total{{worker="{w}"}} {w * 1.5}' for w in range(40)]
        n += 1
    return "\n".join(lines) + "\n"


def metrics_parse() -> None:
    page = metrics_page()
    families = parse(page, families=FRONTEND_FAMILIES)
    print(f"frontend /metrics page: {len(page) / 1e6:.2f} MB; the views read {len(families.samples)} samples")
    timed(
        "parse the families the views read (budget 30 ms)",
        lambda: parse(page, families=FRONTEND_FAMILIES),
        10,
    )
    timed("parse every family of the page", lambda: parse(page), 5)


def live() -> None:
    metrics_parse()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ids = build_store(root)
        server = worker_port()
        try:
            harness = live_first_render(root, ids)
            try:
                live_refresh(root, harness)
            finally:
                harness.stop()
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
    live()
