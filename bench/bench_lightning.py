"""Benchmark the lightning-rollouts plugin at 100,000 rollouts against a real LightningStore.

    python bench/bench_lightning.py                  # starts `agl store` from the cached venv
    python bench/bench_lightning.py --url http://127.0.0.1:4747 --sizes 5000,100000
    python bench/bench_lightning.py --deck-only      # only the deck's own numbers

Loads the store over HTTP (batch enqueue, batch dequeue, some finished attempts), then times
both ways of feeding the rollout table: the whole list on the client (fetch + parse, then
sort / filter / page locally) and one page at a time from the server. Then it opens the deck
itself, headless, on the store: first render through the plugin's source and panel, and each
key (scroll, page, sort, filter, search) until the table shows its answer and is drawn.
Budget: fetch, parse and first render under 2 s; a key to redraw under 50 ms; under 400 MB RSS.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from deck.plugins.lightning_rollouts.client import API_PREFIX, LightningClient
from deck.plugins.lightning_rollouts.model import MODES, parse_items, parse_rollout
from deck.plugins.lightning_rollouts.model_query import COLUMNS, RolloutIndex, RolloutQuery
from deck.plugins.lightning_rollouts.source_loading import CLIENT_SIDE_LIMIT, server_params

BUDGET_FIRST_RENDER = 2.0
BUDGET_KEY = 0.050
BUDGET_RSS_MB = 400


def default_agl() -> Path:
    if os.environ.get("DECK_AGL"):
        return Path(os.environ["DECK_AGL"])
    cache = Path(os.environ.get("DECK_CACHE", Path.home() / ".cache" / "deck"))
    return cache / "agl-0.3.0" / "bin" / "agl"


def start_store(agl: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = tempfile.NamedTemporaryFile(prefix="agl-store-", suffix=".log", delete=False)  # noqa: SIM115
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    process = subprocess.Popen(
        [str(agl), "store", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"agl store exited with {process.returncode}; see {log.name}")
        try:
            if httpx.get(f"{url}{API_PREFIX}/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    process.kill()
    sys.exit(f"agl store did not start; see {log.name}")


def load(url: str, count: int, batch: int, started: float, finished: float) -> None:
    """Grow the store to `count` rollouts: batch enqueue, batch dequeue, finish a few attempts."""
    http = httpx.Client(base_url=url + API_PREFIX, timeout=300)
    have = http.get("/rollouts", params={"limit": 1}).json()["total"]
    t0 = time.perf_counter()
    for offset in range(have, count, batch):
        rollouts = [
            {
                "input": {"question": f"What is {i} + {i}?", "index": i},
                "mode": (*MODES, None)[i % 4],
                "metadata": {"dataset": "bench", "index": i},
            }
            for i in range(offset, min(count, offset + batch))
        ]
        http.post("/queues/rollouts/enqueue", json={"rollouts": rollouts}).raise_for_status()
    t1 = time.perf_counter()
    dequeued: list[dict[str, Any]] = []
    target = int((count - have) * started)
    while len(dequeued) < target:
        limit = min(1000, target - len(dequeued))
        body = {"limit": limit, "worker_id": f"worker-{len(dequeued) // 1000 % 16}"}
        got = http.post("/queues/rollouts/dequeue", json=body).json()
        if not got:
            break
        dequeued += got
    t2 = time.perf_counter()
    done = dequeued[: int(len(dequeued) * finished)]
    for i, rollout in enumerate(done):
        status = ("succeeded", "failed", "running")[i % 3]
        attempt = rollout["attempt"]["attempt_id"]
        path = f"/rollouts/{rollout['rollout_id']}/attempts/{attempt}"
        http.post(path, json={"status": status, "last_heartbeat_time": time.time()})
    t3 = time.perf_counter()
    http.close()
    print(
        f"\nload to {count:,}: {count - have:,} enqueued in {t1 - t0:.1f}s, "
        f"{len(dequeued):,} dequeued in {t2 - t1:.1f}s, "
        f"{len(done):,} attempts finished in {t3 - t2:.1f}s"
    )


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 1e6


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def client_keys() -> list[tuple[str, RolloutQuery]]:
    """The keys an operator presses on the rollout table, as queries."""
    keys = [
        (f"sort {column} {'desc' if descending else 'asc'}", RolloutQuery(sort=column, descending=descending))
        for column in COLUMNS
        for descending in (False, True)
    ]
    return [
        *keys,
        ("filter status=failed", RolloutQuery(statuses=frozenset({"failed"}))),
        ("filter mode=train", RolloutQuery(modes=frozenset({"train"}))),
        ("search id 'ab'", RolloutQuery(search="ab")),
        ("next page", RolloutQuery(page=1)),
        ("page 5 of 500", RolloutQuery(page=5, page_size=500)),
    ]


def bench_client_side(url: str, repeat: int, verbose: bool) -> dict[str, float]:
    """The design's way: fetch every rollout, then page, sort and filter locally."""
    http = httpx.Client(timeout=600)
    gc.collect()
    rss_before = rss_mb()
    best: dict[str, float] = {}
    for _ in range(repeat):
        clock = time.perf_counter()
        response = http.get(f"{url}{API_PREFIX}/rollouts", params={"limit": -1})
        fetch, clock = time.perf_counter() - clock, time.perf_counter()
        payload = json.loads(response.content)
        decode, clock = time.perf_counter() - clock, time.perf_counter()
        rollouts = parse_items(payload["items"], parse_rollout, "rollout")
        parse, clock = time.perf_counter() - clock, time.perf_counter()
        index = RolloutIndex(rollouts).warm()  # as load_rollouts does
        index.query(RolloutQuery())
        first = time.perf_counter() - clock
        run = {"fetch": fetch, "decode": decode, "parse": parse, "sort + page": first}
        run["first render"] = sum(run.values())
        if not best or run["first render"] < best["first render"]:
            best = run
        response = payload = None  # only the parsed rollouts stay, as in the deck
    http.close()
    gc.collect()
    keys = []
    for name, query in client_keys():
        clock = time.perf_counter()
        index.query(query)
        keys.append((time.perf_counter() - clock, name))
    worst_key, worst_name = max(keys)
    best["worst key"] = worst_key
    best["rss"] = rss_mb()
    print(f"client side, {len(rollouts):,} rollouts (best of {repeat}):")
    for name in ("fetch", "decode", "parse", "sort + page", "first render"):
        print(f"  {name:14} {ms(best[name]):>10}")
    if verbose:
        for seconds, name in keys:
            print(f"  {name:26} {ms(seconds):>10}")
    print(f"  slowest key    {ms(worst_key):>10}  ({worst_name})")
    print(f"  RSS            {best['rss']:7.0f} MB  (+{best['rss'] - rss_before:.0f} MB for the list)")
    return best


def bench_server_side(url: str) -> None:
    """The fallback: each view is one page the server sorts and filters."""
    print("server side, one page per view (best of 3):")
    views = [
        ("first page (start desc, 100)", RolloutQuery()),
        ("next page", RolloutQuery(page=1)),
        ("page 500 (deep offset)", RolloutQuery(page=500)),
        ("500 per page", RolloutQuery(page_size=500)),
        ("sort rollout id asc", RolloutQuery(sort="rollout", descending=False)),
        ("sort status", RolloutQuery(sort="status")),
        ("filter status=failed", RolloutQuery(statuses=frozenset({"failed"}))),
        ("search id 'ab'", RolloutQuery(search="ab")),
    ]
    with LightningClient(url, read_timeout=60) as client:
        for name, query in views:
            times = []
            for _ in range(3):
                clock = time.perf_counter()
                page = client.list_rollouts_page(**server_params(query))
                times.append(time.perf_counter() - clock)
            print(f"  {name:30} {ms(min(times)):>10}  ({len(page.items)} of {page.total:,})")
    print(f"  RSS {rss_mb():.0f} MB")


DECK_SIZE = (160, 50)


def deck_layout(url: str, client_side_limit: int) -> Path:
    """The shipped lightning layout pointed at `url`, in a temporary file."""
    import yaml

    from deck.plugins.lightning_rollouts.source_loading import CLIENT_SIDE_LIMIT as _default

    shipped = Path(__file__).resolve().parents[1] / "layouts" / "lightning.yaml"
    layout = yaml.safe_load(shipped.read_text())
    layout["plugins"]["lightning"].update(
        url=url, client_side_limit=client_side_limit or _default, timeout=120.0
    )
    path = Path(tempfile.mkdtemp(prefix="bench-lightning-")) / "lightning.yaml"
    path.write_text(yaml.safe_dump(layout))
    return path


def bench_deck(url: str, client_side_limit: int, label: str) -> dict[str, float]:
    """The deck, headless: first render through source and panel, then each key to redraw."""
    from deck.testing import open_deck

    gc.collect()
    rss_before = rss_mb()
    layout = deck_layout(url, client_side_limit)
    # The store scans every rollout for timeouts at most every 10 s, in the first request
    # after that; at 100,000 rollouts the scan takes seconds. Pay it here, to time the deck.
    clock = time.perf_counter()
    httpx.get(f"{url}{API_PREFIX}/rollouts", params={"limit": 1}, timeout=120).raise_for_status()
    scan = time.perf_counter() - clock
    clock = time.perf_counter()
    harness = open_deck(layout, size=DECK_SIZE)
    (panel,) = harness.deck.panels("lightning.rollouts")

    def settled() -> bool:
        return panel.page is not None and not panel.loading

    def draw() -> None:
        harness.shell.render(DECK_SIZE, focus=True)

    if not harness.wait_until(settled, timeout=300, step=0.0005):
        sys.exit(f"the deck never showed the rollouts: {harness.text()}")
    draw()
    first = time.perf_counter() - clock
    server_paged = panel.snapshot.view.server_paged

    def key(before: tuple[str, ...], press: str, done: Any) -> float:
        """Press `before` (untimed, e.g. opening a chooser), then time `press` to a redraw."""
        for name in before:
            harness.press(name)
        harness.run(0.05)
        if press == "n" and server_paged:  # an operator reads a page: time to fetch the next ahead
            ahead = dataclasses.replace(panel.query, page=panel.query.page + 1)
            harness.wait_until(lambda: panel.connection.cached_page(ahead) is not None, timeout=10)

        async def on_the_loop() -> None:  # as a terminal delivers keys: actions may spawn tasks
            harness.shell.keypress(DECK_SIZE, press)

        clock = time.perf_counter()
        harness.loop.run_until_complete(on_the_loop())
        harness.run()
        draw()  # the screen as the key leaves it at once (rows, or "loading…")
        acknowledged = time.perf_counter() - clock
        if not harness.wait_until(lambda: done() and settled(), timeout=120, step=0.0005):
            sys.exit(f"key {press!r} never finished: {harness.text()}")
        draw()
        return time.perf_counter() - clock, acknowledged

    query = lambda: panel.query  # noqa: E731
    keys = [
        ("scroll (j)", (), "j", lambda: panel.table.cursor == 1),
        ("page down (PgDn)", (), "page down", lambda: panel.table.cursor > 1),
        ("next page (n, fetched ahead)", (), "n", lambda: query().page == 1),
        ("previous page (p)", (), "p", lambda: query().page == 0),
        ("sort by rollout (s, 1)", ("s",), "1", lambda: query().sort == "rollout"),
        ("invert the sort (s, 1 again)", ("s",), "1", lambda: query().descending),
        ("invert again (I)", (), "I", lambda: not query().descending),
        ("filter failed (f, 5)", ("f",), "5", lambda: query().statuses == {"failed"}),
        ("all statuses (f, 1)", ("f",), "1", lambda: not query().statuses),
        ("search id (/, a)", ("/",), "a", lambda: query().search == "a"),
        ("search id (…, b)", (), "b", lambda: query().search == "ab"),
    ]
    times = []
    for name, before, press, done in keys:
        seconds, acknowledged = key(before, press, done)
        times.append((seconds, name, acknowledged))
        if press == "b":
            harness.press("esc")
            harness.wait_until(settled, timeout=120, step=0.0005)
    rss = rss_mb()
    harness.stop()
    mode = "server pages" if server_paged else "whole list on the client"
    print(f"deck, {label} ({mode}):")
    print(f"  first request  {ms(scan):>10}  (before the deck: the store's own scan, if due)")
    print(f"  first render   {ms(first):>10}  (build, start, fetch, parse, draw)")
    print(f"  {'key':30} {'rows drawn':>10} {'first redraw':>13}")
    for seconds, name, acknowledged in times:
        print(f"  {name:30} {ms(seconds):>10} {ms(acknowledged):>13}")
    worst, worst_name, _ = max(times)
    print(f"  slowest key    {ms(worst):>10}  ({worst_name})")
    print(f"  slowest first redraw {ms(max(t[2] for t in times)):>10}")
    print(f"  RSS            {rss:7.0f} MB  (+{rss - rss_before:.0f} MB)")
    return {"first render": first, "worst key": worst, "first redraw": max(t[2] for t in times), "rss": rss}


def fill_history(directory: Path, url: str, count: int) -> Path:
    """A 1.x history of `count` finished rollouts (1 LLM call and 1 reward each), as a sync
    writes them; returns the file."""
    from deck.plugins.lightning_rollouts.client_history import History, history_path
    from deck.plugins.lightning_rollouts.model_v1 import parse_event, parse_rollout_v1

    history = History(history_path(directory, url))
    now = time.time()
    with history._connect() as db:
        for i in range(count):
            state = "failed" if i % 7 == 0 else "succeeded"
            raw = {
                "rollout_id": f"ro-{i:06d}",
                "input": {"data_id": f"q-{i}", "question": f"What is {i}+{i}?"},
                "is_train": i % 5 != 0,
                "metadata": {"batch_idx": i // 64, "sample_idx_in_batch": i % 64, "step": i // 640},
                "status": {
                    "state": state,
                    "created_at": now - count + i,
                    "updated_at": now - count + i + 3,
                    "error_message": "subprocess exited with code 1" if state == "failed" else None,
                    "last_attempt_id": "0",
                    "version": 3,
                },
            }
            rollout = parse_rollout_v1(raw)
            assert rollout is not None
            history._upsert(db, rollout, now - count + i)
            events = [
                parse_event(
                    {
                        "event_type": "model_request",
                        "attempt_id": "0",
                        "timestamp": now,
                        "data": {
                            "request": {"messages": [{"role": "user", "content": f"What is {i}+{i}?"}]},
                            "response": {"choices": [{"message": {"content": str(2 * i)}}]},
                            "usage": {"prompt_tokens": 12, "completion_tokens": 3},
                            "latency_ms": 140.0,
                            "status": "ok",
                            "http_status": 200,
                        },
                    },
                    0,
                ),
                parse_event(
                    {
                        "event_type": "reward",
                        "attempt_id": "0",
                        "timestamp": now,
                        "data": {"value": float(state == "succeeded"), "source": "agent"},
                    },
                    1,
                ),
            ]
            history._store_events(db, rollout.rollout_id, [e for e in events if e is not None])
            db.execute(
                "UPDATE rollouts SET finished_seen = ?, reward = ? WHERE rollout_id = ?",
                (now, float(state == "succeeded"), rollout.rollout_id),
            )
    return history.path


def bench_history(count: int) -> None:
    """The 1.x history: file size, and the deck's first render and keys over `count` rows,
    against a real (empty) agl-server; the history was written as syncs write it."""
    import yaml

    from deck.testing import open_deck

    python = subprocess.run(
        [str(Path(__file__).resolve().parents[1] / ".ci" / "agl1x-venv.sh")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "plugins" / "lightning_rollouts"))
    from agl1x import Agl1xServer

    work = Path(tempfile.mkdtemp(prefix="bench-history-"))
    server = Agl1xServer(Path(python), work).start()
    try:
        clock = time.perf_counter()
        path = fill_history(work / "history", server.url, count)
        written = time.perf_counter() - clock
        size = sum(p.stat().st_size for p in path.parent.iterdir() if p.name.startswith(path.name))
        shipped = Path(__file__).resolve().parents[1] / "layouts" / "lightning.yaml"
        layout = yaml.safe_load(shipped.read_text())
        layout["plugins"]["lightning"].update(url=server.url, history_dir=str(work / "history"))
        layout_path = work / "lightning.yaml"
        layout_path.write_text(yaml.safe_dump(layout))
        clock = time.perf_counter()
        harness = open_deck(layout_path, size=DECK_SIZE)
        (panel,) = harness.deck.panels("lightning.rollouts")
        table = panel.history.table
        if not harness.wait_until(lambda: table.total == count, timeout=120, step=0.0005):
            sys.exit(f"the deck never showed the history: {harness.text()}")
        harness.shell.render(DECK_SIZE, focus=True)
        first = time.perf_counter() - clock
        panel.history.follow = False
        times = []
        for name, press in (
            ("scroll (j)", ("j",)),
            ("end (G)", ("end",)),
            ("home", ("home",)),
            ("sort by another column (s, 2)", ("s", "2")),
            ("invert (I)", ("I",)),
            ("filter (/ f a i l)", ("/", "f", "a", "i", "l")),
            ("clear (esc)", ("esc",)),
        ):
            clock = time.perf_counter()
            harness.press(*press)
            harness.shell.render(DECK_SIZE, focus=True)
            times.append((time.perf_counter() - clock, name))
        harness.stop()
    finally:
        server.stop()
    print(f"history of {count:,} rollouts (1 LLM call + 1 reward each):")
    print(f"  file size      {size / 1e6:8.1f} MB  ({size / count * 10_000 / 1e6:.1f} MB per 10k rollouts)")
    print(f"  written in     {ms(written):>10}")
    print(f"  first render   {ms(first):>10}  (start, probe, sync, read the history, draw)")
    for seconds, name in times:
        print(f"  {name:30} {ms(seconds):>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--history", type=int, default=0, help="only the 1.x history, with this many rollouts"
    )
    parser.add_argument("--url", help="use this server instead of starting one")
    parser.add_argument("--agl", type=Path, default=default_agl(), help="the `agl` to start")
    parser.add_argument("--sizes", default="1000,5000,10000,100000", help="store sizes to measure, ascending")
    parser.add_argument("--batch", type=int, default=5_000, help="rollouts per enqueue")
    parser.add_argument("--started", type=float, default=0.6, help="share given an attempt")
    parser.add_argument("--finished", type=float, default=0.02, help="share of those finished")
    parser.add_argument("--verbose", action="store_true", help="print every key's time")
    parser.add_argument("--deck-only", action="store_true", help="only the deck's numbers")
    parser.add_argument(
        "--deck-client-side",
        action="store_true",
        help="also open the deck with the whole list on the client at the largest size",
    )
    args = parser.parse_args()
    if args.history:
        bench_history(args.history)
        return
    sizes = sorted(int(size) for size in args.sizes.split(","))

    process = None
    url = args.url
    if url is None:
        if not args.agl.is_file():
            sys.exit(f"{args.agl} not found: run .ci/agl-venv.sh or pass --url / --agl")
        clock = time.perf_counter()
        process, url = start_store(args.agl)
        print(f"agl store started at {url} in {time.perf_counter() - clock:.1f}s")
    print(f"client-side limit: {CLIENT_SIDE_LIMIT:,} rollouts; load average {os.getloadavg()}")
    results = {}
    decks = {}
    try:
        for size in sizes:
            load(url, size, args.batch, args.started, args.finished)
            if not args.deck_only:
                results[size] = bench_client_side(url, 3 if size <= 20_000 else 1, args.verbose)
            decks[size] = bench_deck(url, 0, f"{size:,} rollouts")
        if not args.deck_only:
            bench_server_side(url)
        if args.deck_client_side:
            decks[-sizes[-1]] = bench_deck(url, sizes[-1] + 1, f"{sizes[-1]:,} rollouts, forced")
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
    print(
        f"\nbudget: first render < {BUDGET_FIRST_RENDER:g} s, key < {BUDGET_KEY * 1000:g} ms, "
        f"RSS < {BUDGET_RSS_MB} MB; load average {os.getloadavg()}"
    )
    print(f"{'deck at':>9} {'render':>9} {'key':>9} {'redraw':>9} {'RSS':>7}")
    for size, r in decks.items():
        ok = (
            r["first render"] < BUDGET_FIRST_RENDER
            and r["worst key"] < BUDGET_KEY
            and r["rss"] < BUDGET_RSS_MB
        )
        label = f"{abs(size):,}" + ("*" if size < 0 else "")
        print(
            f"{label:>9} {ms(r['first render']):>9} {ms(r['worst key']):>9} {ms(r['first redraw']):>9}"
            f" {r['rss']:5.0f} MB  {'ok' if ok else 'over budget'}"
        )
    print("  key: until the rows are drawn; redraw: the first redraw after the key")
    if any(size < 0 for size in decks):
        print("  * the whole list forced onto the client")
    if not results:
        return
    print(f"{'rollouts':>9} {'fetch':>9} {'parse':>9} {'render':>9} {'key':>9} {'RSS':>7}")
    for size, r in results.items():
        ok = (
            r["first render"] < BUDGET_FIRST_RENDER
            and r["worst key"] < BUDGET_KEY
            and r["rss"] < BUDGET_RSS_MB
        )
        print(
            f"{size:>9,} {ms(r['fetch']):>9} {ms(r['decode'] + r['parse']):>9} "
            f"{ms(r['first render']):>9} {ms(r['worst key']):>9} {r['rss']:5.0f} MB"
            f"  {'ok' if ok else 'over budget'}"
        )


if __name__ == "__main__":
    main()
