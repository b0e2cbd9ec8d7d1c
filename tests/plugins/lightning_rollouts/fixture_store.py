"""A real HTTP server on a loopback port that answers like `agl store`, from the recorded answers.

The deck connects to it by URL, as to the real server. Lists are paged, sorted and filtered
the way the store does it, over the recorded rollouts (plus any a test adds), so the deck's
requests need not match a recording byte for byte. A test can take it down and bring it back
on the same port, make it stall, or make every answer something else (HTML, a 422).
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from lightning_support import fixture_json, free_port

PREFIX = "/v1/agl"
STATUSES = ("queuing", "preparing", "running", "failed", "succeeded", "cancelled", "requeuing")
RECORDED_ATTEMPTS = {"ro-6eedb2fc3a09": "rollout_ro-6eedb2fc3a09_attempts.json"}
RECORDED_SPANS = {
    "ro-339e107ec270": "spans_rollout_ro-339e107ec270.json",
    "ro-6eedb2fc3a09": "spans_rollout_ro-6eedb2fc3a09.json",
}

Answer = tuple[int, Any, str]  # status, body (JSON value, or bytes as is), content type
TIME_FIELDS = ("start_time", "end_time", "last_heartbeat_time")


def aged(rollouts: list[dict[str, Any]], newest_age: float, now: float) -> list[dict[str, Any]]:
    """The rollouts with every time moved so the newest is `newest_age` seconds before `now`.

    The recording keeps its gaps, but its age no longer depends on the day the test runs.
    """
    records = [r for rollout in rollouts for r in (rollout, rollout.get("attempt") or {})]
    newest = max(r[f] for r in records for f in TIME_FIELDS if r.get(f) is not None)
    shift = now - newest_age - newest
    for record in records:
        for field in TIME_FIELDS:
            if record.get(field) is not None:
                record[field] += shift
    return rollouts


def paged(items: list[Any], query: dict[str, list[str]]) -> dict[str, Any]:
    """`{"items", "limit", "offset", "total"}` as the store pages a list."""
    limit = int(query.get("limit", ["-1"])[0])
    offset = int(query.get("offset", ["0"])[0])
    chosen = items[offset:] if limit < 0 else items[offset : offset + limit]
    return {"items": chosen, "limit": limit, "offset": offset, "total": len(items)}


class FixtureStore:
    """The recorded store, served for real; `rollouts` may be changed by a test."""

    def __init__(self) -> None:
        self.rollouts: list[dict[str, Any]] = copy.deepcopy(fixture_json("rollouts.json")["items"])
        self.requests: list[str] = []
        self.override: Callable[[str, str], Answer | None] | None = None
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.port = free_port()
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ---- life --------------------------------------------------------------------------------

    def start(self) -> FixtureStore:
        store = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                store._serve(self, "GET")

            def do_POST(self) -> None:
                store._serve(self, "POST")

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening: new connections are refused, as when the server is down."""
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def stall(self) -> None:
        """From now on, hold every request without answering until `unstall`."""
        self.release.clear()
        self.stalled.set()

    def unstall(self) -> None:
        self.stalled.clear()
        self.release.set()

    def count(self, fragment: str) -> int:
        """How many requests so far contained `fragment` (e.g. "GET /v1/agl/rollouts?")."""
        with self._lock:
            return sum(1 for r in self.requests if fragment in r)

    # ---- answers ------------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        with self._lock:
            self.requests.append(f"{method} {handler.path}")
        if self.stalled.is_set():
            self.release.wait(30)
        length = int(handler.headers.get("content-length") or 0)
        body = json.loads(handler.rfile.read(length)) if length else None
        answer = self.override(method, handler.path) if self.override else None
        if answer is None:
            answer = self.answer(method, handler.path, body)
        status, value, content_type = answer
        data = value if isinstance(value, bytes) else json.dumps(value).encode()
        try:
            handler.send_response(status)
            handler.send_header("content-type", content_type)
            handler.send_header("content-length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:
            pass  # the client gave up (a timeout test)

    def answer(self, method: str, target: str, body: Any) -> Answer:
        parts = urlsplit(target)
        query = parse_qs(parts.query, keep_blank_values=True)
        path = parts.path.removeprefix(PREFIX)
        segments = [unquote(s) for s in path.strip("/").split("/")]
        ok = "application/json"
        if path == "/health":
            return 200, {"status": "ok"}, ok
        if path in ("/resources", "/workers"):
            return 200, paged(fixture_json(f"{path[1:]}.json")["items"], query), ok
        if path in ("/resources/latest", "/statistics"):
            name = "resources_latest.json" if path == "/resources/latest" else "statistics.json"
            return 200, fixture_json(name), ok
        if path == "/spans":
            return self._spans(query)
        if path == "/rollouts" and method == "GET":
            return self._rollouts(query)
        if segments[0] == "rollouts" and len(segments) >= 2:
            rollout = next((r for r in self.rollouts if r["rollout_id"] == segments[1]), None)
            if rollout is None and segments[2:] == ["attempts"]:
                return 200, paged([], query), ok  # as the store answers: no attempts, no error
            if rollout is None:
                return 500, fixture_json("error_rollout_unknown.json"), ok
            if len(segments) == 2 and method == "POST":
                rollout.update(body or {})
                return 200, {k: v for k, v in rollout.items() if k != "attempt"}, ok
            if len(segments) == 2:
                return 200, rollout, ok
            if segments[2:] == ["attempts"]:
                recorded = RECORDED_ATTEMPTS.get(rollout["rollout_id"])
                items = fixture_json(recorded)["items"] if recorded else [rollout.get("attempt")]
                return 200, paged([a for a in items if a], query), ok
        return 404, {"detail": "Not Found"}, ok

    def _rollouts(self, query: dict[str, list[str]]) -> Answer:
        statuses = query.get("status_in", [])
        if any(s not in STATUSES for s in statuses):
            return 422, fixture_json("error_status_in_bogus.json"), "application/json"
        rows = [r for r in self.rollouts if not statuses or r["status"] in statuses]
        needle = query.get("rollout_id_contains", [""])[0]
        rows = [r for r in rows if needle in r["rollout_id"]]
        field = query.get("sort_by", [None])[0]
        if field:
            rows.sort(key=lambda r: (r.get(field) is None, r.get(field) or 0))
            if query.get("sort_order", ["asc"])[0] == "desc":
                rows.reverse()
        return 200, paged(rows, query), "application/json"

    def _spans(self, query: dict[str, list[str]]) -> Answer:
        if "rollout_id" not in query:
            return 422, fixture_json("error_spans_without_rollout_id.json"), "application/json"
        recorded = RECORDED_SPANS.get(query["rollout_id"][0])
        items = fixture_json(recorded)["items"] if recorded else []
        attempt = query.get("attempt_id", [None])[0]
        items = [s for s in items if attempt is None or s["attempt_id"] == attempt]
        return 200, paged(items, query), "application/json"


def more_rollouts(count: int, start: float = 1795642000.0) -> list[dict[str, Any]]:
    """`count` more rollouts shaped like the recorded ones, older than them, one per second."""
    template = fixture_json("rollouts.json")["items"][0]
    made = []
    for index in range(count):
        rollout = copy.deepcopy(template)
        rollout_id = f"ro-extra{index:07d}"
        rollout.update(rollout_id=rollout_id, start_time=start - index, end_time=start - index + 2)
        rollout["status"] = ("succeeded", "failed", "running")[index % 3]
        rollout["mode"] = ("train", "val", "test")[index % 3]
        rollout["input"] = {"question": f"extra {index}"}
        rollout["attempt"].update(
            rollout_id=rollout_id,
            attempt_id=f"at-x{index:07d}",
            status=rollout["status"],
            start_time=start - index,
            end_time=start - index + 2,
        )
        made.append(rollout)
    return made
