"""falcon-nodes speed: coordinator get_status, client poll+parse, and the deck, for 2,000 nodes.

Starts a private local Ray cluster (2 CPUs), a simulated run of 2,000 nodes (4 in their own
actors, the rest in groups of 1,000), and prints one "name value" line per measurement:

- the coordinator's get_status and the client's poll (the Ray side);
- one deck refresh cycle, in this process: parse the reply, build the view (stable rows,
  sort), update the node table and draw the whole 200x50 screen (budget: 50 ms);
- the deck itself (`deck --layout falcon`, and its Ray child process) in a real 200x50 pty
  for 20 s at a 1 s refresh: CPU% of one core (budget: 10%).

- following a falcon-sbi run directory: from an Epoch line written to its loss on the screen.

    python bench/bench_falcon.py            # everything
    python bench/bench_falcon.py follow     # only the run-directory latency (no Ray)
"""

from __future__ import annotations

import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from _util import watch_in_pty

NODES = 2000
REPEATS = 15
RESULTS = os.dup(1)
ROOT = Path(__file__).resolve().parent.parent
SCREEN = (200, 50)
#: How long the deck's CPU use is watched in the pty, after it shows the nodes.
WATCH_SECONDS = 20.0


def report(name: str, value: float) -> None:
    """One result line on the real stdout (Ray's own messages go to /dev/null)."""
    os.write(RESULTS, f"{name} {value:.2f}\n".encode())


def median_ms(action: Callable[[], object], repeats: int = REPEATS) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


@contextmanager
def falcon_layout(address: str, namespace: str) -> Iterator[Path]:
    """The shipped falcon layout pointed at the benchmark's cluster and run."""
    layout = yaml.safe_load((ROOT / "layouts" / "falcon.yaml").read_text())
    layout["plugins"]["falcon"].update(address=address, namespace=namespace, refresh=1.0)
    folder = Path(tempfile.mkdtemp(prefix="falcon-bench-"))
    path = folder / "falcon.yaml"
    path.write_text(yaml.safe_dump(layout))
    try:
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def deck_cycle(layout: Path, replies: list[Any]) -> None:
    """One refresh as the deck does it, part by part: parse, view, table update, full redraw."""
    from deck import Result
    from deck.plugins.falcon_nodes.model import parse_status
    from deck.plugins.falcon_nodes.panels import NodesPanel
    from deck.plugins.falcon_nodes.source import STATUS_SOURCE, RunTracker, StatusFeed
    from deck.testing import open_deck

    harness = open_deck(layout, size=SCREEN)
    try:
        panel = harness.deck.panels("falcon.nodes")[0]
        assert isinstance(panel, NodesPanel)
        if not harness.wait_until(lambda: len(panel.table.visible_rows) == NODES, 180):
            raise RuntimeError(f"the deck did not show {NODES} nodes within 180 s")
        plugin = harness.deck.parts.host.plugins["falcon"].obj
        feed = StatusFeed(plugin.client, RunTracker(stale_after=2.0))
        connection = plugin.client.state
        parts: dict[str, list[float]] = {"parse": [], "view": [], "table": [], "render": [], "cycle": []}
        for index in range(REPEATS * 2):  # alternate replies: most rows change every cycle
            started = time.perf_counter()
            status = parse_status(replies[index % len(replies)])
            parsed = time.perf_counter()
            view = feed.accept(status, connection)
            viewed = time.perf_counter()
            panel.update(Result(STATUS_SOURCE, view, fetched_at=time.time()))
            updated = time.perf_counter()
            harness.text()
            drawn = time.perf_counter()
            for name, begin, end in (
                ("parse", started, parsed),
                ("view", parsed, viewed),
                ("table", viewed, updated),
                ("render", updated, drawn),
                ("cycle", started, drawn),
            ):
                parts[name].append((end - begin) * 1000)
        size = f"{SCREEN[0]}x{SCREEN[1]}"
        report(f"deck_parse_{NODES}_nodes_ms", statistics.median(parts["parse"]))
        report(f"deck_view_stable_rows_and_sort_{NODES}_nodes_ms", statistics.median(parts["view"]))
        report(f"deck_table_update_{NODES}_nodes_ms", statistics.median(parts["table"]))
        report(f"deck_render_{size}_ms", statistics.median(parts["render"]))
        report(f"deck_poll_cycle_{NODES}_nodes_{size}_ms", statistics.median(parts["cycle"]))
        report(f"deck_poll_cycle_{NODES}_nodes_{size}_max_ms", max(parts["cycle"]))
    finally:
        harness.stop()


def deck_cpu(layout: Path) -> None:
    """The deck in a real pty, 1 s refresh, 2,000 nodes: CPU% of one core (deck + its Ray child)."""
    deck = str(Path(sys.executable).with_name("deck"))
    usage = watch_in_pty(
        [deck, "--layout", str(layout), "--log", str(layout.with_name("deck.log"))],
        seconds=WATCH_SECONDS,
        slices=4,
        size=SCREEN,
        settle=3.0,
        ready="node-00",
        ready_timeout=180.0,
    )
    report(f"deck_cpu_percent_{NODES}_nodes_median", statistics.median(usage.cpu))
    report(f"deck_cpu_percent_{NODES}_nodes_max", max(usage.cpu))
    report("deck_rss_mb", usage.rss)


def follow_latency(samples: int = 10, refresh: float = 1.0) -> None:
    """From an Epoch line written to a falcon-sbi node log to the loss on the deck's screen.

    The deck follows a run directory headless at the layout's default refresh; each sample
    appends one line with a new val_loss and waits until the node table shows it.
    """
    from deck.testing import open_deck

    folder = Path(tempfile.mkdtemp(prefix="falcon-follow-"))
    run = folder / "run"
    shutil.copytree(ROOT / "tests" / "fixtures" / "falcon-sbi" / "run", run)
    log = run / "graph" / "z" / "output.log"
    log.write_text("")
    layout = yaml.safe_load((ROOT / "layouts" / "falcon-sbi.yaml").read_text())
    layout["plugins"]["falcon"] = {"run_dir": str(run), "refresh": refresh}
    path = folder / "follow.yaml"
    path.write_text(yaml.safe_dump(layout))
    harness = open_deck(path, size=(120, 40))
    latencies = []
    try:
        for epoch in range(1, samples + 1):
            loss = 1.0 + epoch / 1000 + 0.00001  # distinct on screen at 4 decimals
            with log.open("a") as handle:
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
                handle.write(f"{stamp} [INFO] Epoch {epoch}/300 | steps={epoch * 8} | n_sims=1280 | ")
                handle.write(f"train_loss={loss:.3e} | val_loss={loss:.6e}\n")
            written = time.perf_counter()
            if not harness.wait_until(lambda text=f"{loss:.4f}": text in harness.text(), 10 * refresh):
                raise RuntimeError(f"epoch {epoch} did not reach the screen")
            latencies.append((time.perf_counter() - written) * 1000)
            harness.run(refresh * 0.37)  # land the next line at another point of the poll cycle
    finally:
        harness.stop()
        shutil.rmtree(folder, ignore_errors=True)
    report(f"follow_epoch_line_to_screen_refresh_{refresh:g}s_median_ms", statistics.median(latencies))
    report(f"follow_epoch_line_to_screen_refresh_{refresh:g}s_max_ms", max(latencies))


def main() -> None:
    # A token only this process and its children know: Ray would otherwise write one to
    # ~/.ray/auth_token, which changes how every later `ray start` on the machine behaves.
    os.environ.setdefault("RAY_AUTH_MODE", "token")
    os.environ.setdefault("RAY_AUTH_TOKEN", uuid.uuid4().hex)
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    import ray

    from deck.plugins.falcon_nodes.client import FalconClient, FalconConfig
    from deck.plugins.falcon_nodes.client_coordinator import start_coordinator
    from deck.plugins.falcon_nodes.client_sim import start_sim
    from deck.plugins.falcon_nodes.client_simnodes import SimNode
    from deck.plugins.falcon_nodes.model import SortMode, parse_status, sort_nodes

    temp_dir = tempfile.mkdtemp(prefix="rayb", dir="/tmp")  # short: Ray's socket paths
    context = ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.ERROR,
        _temp_dir=temp_dir,
    )
    address = context.address_info["gcs_address"]
    os.environ["RAY_ADDRESS"] = address
    # Real time, so the nodes are still training (rows changing) while the deck is watched.
    run = start_sim(NODES, speed=1.0, namespace="falcon-bench", detached=False)
    coordinator = run.coordinator
    try:
        raw = ray.get(coordinator.get_status.remote())
        status_ms = median_ms(lambda: ray.get(coordinator.get_status.remote()))
        report(f"coordinator_get_status_{NODES}_nodes_ms", status_ms)

        with FalconClient(FalconConfig(address=address, namespace="falcon-bench")) as client:
            client.poll()
            report(f"client_poll_parse_{NODES}_nodes_ms", median_ms(client.poll))
            cpu_started = time.process_time()
            for _ in range(REPEATS):
                client.poll()
            cpu_ms = (time.process_time() - cpu_started) * 1000 / REPEATS
            report("client_poll_deck_process_cpu_ms", cpu_ms)
        report(f"parse_status_{NODES}_nodes_ms", median_ms(lambda: parse_status(raw)))
        nodes = parse_status(raw).nodes
        for mode in SortMode:
            report(f"sort_{mode.value}_{NODES}_nodes_ms", median_ms(lambda m=mode: sort_nodes(nodes, m)))

        replies = []  # three polls a second apart, as the deck sees them
        for _ in range(3):
            replies.append(ray.get(coordinator.get_status.remote()))
            time.sleep(1.0)
        with falcon_layout(address, "falcon-bench") as layout:
            deck_cycle(layout, replies)
            deck_cpu(layout)

        # The same 2,000 nodes through the per-node protocol (one call per node), spread over
        # 8 actors: what the group protocol saves.
        per_node = start_coordinator("per-node", name="per-node", namespace="falcon-bench", detached=False)
        actor_class = ray.remote(SimNode).options(num_cpus=0)
        actors = [actor_class.remote(f"a{index}", 0, 1.0, False) for index in range(8)]
        ray.get([actor.__ray_ready__.remote() for actor in actors])
        for index in range(NODES):
            ray.get(per_node.register_node.remote(f"n{index}", actors[index % len(actors)]))
        ray.get(per_node.get_status.remote(node_timeout=30.0))
        per_node_ms = median_ms(lambda: ray.get(per_node.get_status.remote(node_timeout=30.0)), 3)
        report(f"coordinator_get_status_{NODES}_per_node_calls_ms", per_node_ms)
    finally:
        run.stop()
        ray.shutdown()
        shutil.rmtree(temp_dir, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["follow"]:
        follow_latency()
    else:
        follow_latency()
        main()
