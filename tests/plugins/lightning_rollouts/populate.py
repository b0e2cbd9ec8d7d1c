"""Fill a real `agl store` over HTTP the way runners do: resources, rollouts, retries, spans.

Used by the live tests, and by hand to look at the deck against real data:

    agl store --host 127.0.0.1 --port 4747 &
    python tests/plugins/lightning_rollouts/populate.py http://127.0.0.1:4747 --rollouts 60
    deck --layout lightning
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

API_PREFIX = "/v1/agl"
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


class Runner:
    """What an agent runner sends the store: enqueue, dequeue, spans, attempt updates."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url + API_PREFIX, timeout=30)

    def post(self, path: str, body: Any = None) -> Any:
        response = self.http.post(path, json=body)
        response.raise_for_status()
        return response.json()

    def dequeue(self, worker: str) -> dict:
        (rollout,) = self.post("/queues/rollouts/dequeue", {"worker_id": worker})
        return rollout

    def finish(self, rollout: dict, status: str, **fields: Any) -> None:
        attempt = rollout["attempt"]["attempt_id"]
        self.post(f"/rollouts/{rollout['rollout_id']}/attempts/{attempt}", {"status": status, **fields})

    def heartbeat(self, worker: str, **stats: Any) -> None:
        self.post(f"/workers/{worker}", {"heartbeat_stats": stats})

    def span(
        self,
        rollout: dict,
        span_id: str,
        parent: str | None,
        name: str,
        start: float,
        *,
        seconds: float = 1.0,
        status: str = "OK",
        attributes: dict[str, Any] | None = None,
        trace: str = TRACE,
    ) -> None:
        rollout_id, attempt_id = rollout["rollout_id"], rollout["attempt"]["attempt_id"]
        sequence = self.post("/spans/next", {"rollout_id": rollout_id, "attempt_id": attempt_id})

        def context(sid: str) -> dict:
            return {"trace_id": trace, "span_id": sid, "is_remote": False, "trace_state": {}}

        self.post(
            "/spans",
            {
                "rollout_id": rollout_id,
                "attempt_id": attempt_id,
                "sequence_id": sequence["sequence_id"],
                "trace_id": trace,
                "span_id": span_id,
                "parent_id": parent,
                "name": name,
                "status": {"status_code": status, "description": "boom" if status == "ERROR" else None},
                "attributes": attributes if attributes is not None else {"step": name},
                "events": [],
                "links": [],
                "start_time": start,
                "end_time": start + seconds,
                "context": context(span_id),
                "parent": context(parent) if parent else None,
                "resource": {"attributes": {}, "schema_url": ""},
            },
        )

    def close(self) -> None:
        self.http.close()


@dataclass
class Populated:
    """The ids a test needs from a populated store."""

    url: str
    resources_id: str
    retried: str = ""
    traced: str = ""
    running: str = ""
    failed: str = ""
    queued: list[str] = field(default_factory=list)
    rollouts: int = 0


QUESTIONS = [
    "What is 17 * 23?",
    "Translate 'good morning' to French",
    "Summarize the following paragraph about photosynthesis in plants and algae",
    "日本語 ✓ テスト",
    "Sort [3, 1, 2]",
    "Is 97 prime?",
]


def trace_tree(runner: Runner, rollout: dict, start: float, rng: random.Random, error: bool) -> int:
    """A root, agent steps with LLM and tool calls under them, one annotation; returns the count."""
    prefix = rollout["attempt"]["attempt_id"][-6:]
    count = 0

    def sid(n: int) -> str:
        return f"{prefix}{n:010x}"[-16:]

    runner.span(rollout, sid(1), None, "agentlightning.rollout", start, seconds=6.0)
    count += 1
    clock = start + 0.1
    for step in range(2):
        step_id = sid(10 + step)
        runner.span(rollout, step_id, sid(1), "agent.step", clock, seconds=2.4)
        llm_seconds = rng.uniform(0.4, 1.5)
        runner.span(
            rollout,
            sid(20 + step),
            step_id,
            "openai.chat.completion",
            clock + 0.05,
            seconds=llm_seconds,
            attributes={"gen_ai.request.model": "Qwen2.5-1.5B", "gen_ai.usage.total_tokens": 412},
        )
        failed = error and step == 1
        runner.span(
            rollout,
            sid(30 + step),
            step_id,
            "tool.call",
            clock + 0.1 + llm_seconds,
            seconds=0.3,
            status="ERROR" if failed else "OK",
            attributes={"tool.name": "calculator"},
        )
        count += 3
        clock += 2.5
    runner.span(
        rollout,
        sid(40),
        sid(1),
        "agentlightning.annotation",
        start + 5.8,
        seconds=0.01,
        attributes={"reward": 1.0},
    )
    return count + 1


def _inputs(count: int, offset: int = 0) -> list[dict[str, Any]]:
    items = []
    for index in range(offset, offset + count):
        question = QUESTIONS[index % len(QUESTIONS)]
        items.append(
            {
                "input": {"question": question, "index": index} if index % 3 else question,
                "mode": ("train", "val", "test", None)[index % 4],
            }
        )
    return items


def populate(url: str, rollouts: int = 40, seed: int = 7) -> Populated:
    """Resources in two versions, then `rollouts` rollouts in every state a runner leaves them:
    retried up to three attempts, traced (one span tree with an error), succeeded, failed,
    running, cancelled, and still queued."""
    rng = random.Random(seed)
    runner = Runner(url)
    llm = {"resource_type": "llm", "endpoint": "http://localhost:8000/v1", "model": "Qwen/Qwen2.5-1.5B"}
    prompt = {"resource_type": "prompt_template", "template": "You are {name}.", "engine": "f-string"}
    runner.post("/resources", {"main_llm": llm, "system_prompt": prompt})
    resources = runner.post("/resources", {"main_llm": {**llm, "model": "m-1"}})
    runner.post(f"/resources/{resources['resources_id']}", {"main_llm": {**llm, "model": "m-2"}})
    done = Populated(url, resources["resources_id"], rollouts=rollouts)
    now = time.time()

    # Retries first, alone in the queue: fail, fail, then succeed on the third attempt.
    retry = {"max_attempts": 3, "retry_condition": ["failed"]}
    retried = runner.post(
        "/queues/rollouts/enqueue",
        {"rollouts": [{**item, "config": retry} for item in _inputs(2)]},
    )
    done.retried = retried[0]["rollout_id"]
    for attempt in range(1, 4):
        for _ in retried:
            rollout = runner.dequeue(f"worker-{attempt}")
            if attempt == 1:
                trace_tree(runner, rollout, now - 60, rng, error=True)
            last = rollout["rollout_id"] == done.retried and attempt == 3
            runner.finish(rollout, "succeeded" if last else "failed", last_heartbeat_time=time.time())
        if attempt == 2:
            retried = retried[:1]  # the second one stays failed after two attempts... and requeued
    rest = max(0, rollouts - 2)
    enqueued = runner.post("/queues/rollouts/enqueue", {"rollouts": _inputs(rest, 2)})
    workers = [f"worker-{n}" for n in range(1, 7)]
    started = rest * 3 // 4
    for index in range(started):
        worker = workers[index % len(workers)]
        rollout = runner.dequeue(worker)
        if rollout["attempt"]["sequence_id"] > 1:  # the requeued retry comes back first
            runner.finish(rollout, "failed")
            continue
        outcome = ("succeeded", "failed", "running", "succeeded")[index % 4]
        if index % 3 == 0:
            done.traced = done.traced or rollout["rollout_id"]
            trace_tree(runner, rollout, now - 30 + index, rng, error=outcome == "failed")
        fields: dict[str, Any] = {"last_heartbeat_time": time.time() - rng.uniform(0, 5)}
        if outcome == "failed":
            fields["metadata"] = {"error": "tool call failed"}
        runner.finish(rollout, outcome, **fields)
        if outcome == "running":
            done.running = done.running or rollout["rollout_id"]
        elif outcome == "failed":
            done.failed = done.failed or rollout["rollout_id"]
    for worker in workers[:3]:
        runner.heartbeat(worker, cpu_percent=round(rng.uniform(5, 95), 1), gpu_mem_mb=10240, host="node-a")
    queued = [r["rollout_id"] for r in enqueued[started:]]
    if queued:
        runner.post(f"/rollouts/{queued[0]}", {"status": "cancelled"})
    done.queued = queued[1:]
    runner.close()
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the store, e.g. http://127.0.0.1:4747")
    parser.add_argument("--rollouts", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    done = populate(args.url, args.rollouts, args.seed)
    print(f"{done.rollouts} rollouts in {done.url}; traced {done.traced}, retried {done.retried}")


if __name__ == "__main__":
    main()
