"""Failures on the wire: refused connections, stalls, retries (GET only), big and odd answers."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from lightning_support import fixture_json, free_port

from deck.plugins.lightning_rollouts.client import LightningClient
from deck.plugins.lightning_rollouts.client_errors import (
    HTTPStatusError,
    OfflineError,
    RequestTimeoutError,
)
from deck.plugins.lightning_rollouts.model_display import input_preview


def test_server_down_is_offline() -> None:
    port = free_port()  # nothing listens there once the probe socket is closed
    lightning = LightningClient(f"http://127.0.0.1:{port}", retries=1, backoff=0)
    with lightning, pytest.raises(OfflineError) as caught:
        lightning.list_rollouts()
    assert "connection refused" in str(caught.value)
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert "agl store" in (caught.value.hint or "")


class StallingServer:
    """Accepts connections and never answers, like a wedged process."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def stalling() -> Iterator[StallingServer]:
    server = StallingServer()
    yield server
    server.close()


@pytest.mark.parametrize("call", ["get", "post"])
def test_a_stalled_server_times_out_once(stalling: StallingServer, call: str) -> None:
    url = f"http://127.0.0.1:{stalling.port}"
    with LightningClient(url, read_timeout=0.3, retries=3, backoff=0) as lightning:
        started = time.monotonic()
        with pytest.raises(RequestTimeoutError) as caught:
            if call == "get":
                lightning.list_rollouts()
            else:
                lightning.cancel_rollout("ro-1")
        elapsed = time.monotonic() - started
    assert "no answer within 0.3s" in str(caught.value)
    assert elapsed < 3, "a timeout must not be retried"
    assert len(stalling.accepted) == 1
    if call == "post":
        assert "may or may not have been applied" in (caught.value.hint or "")


class Flaky:
    """Fails the first `failures` requests with `error`, then answers `body`."""

    def __init__(self, failures: int, error: Exception | int, body: object) -> None:
        self.failures, self.error, self.body = failures, error, body
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls <= self.failures:
            if isinstance(self.error, int):
                return httpx.Response(self.error, text="bad gateway")
            raise self.error
        return httpx.Response(200, json=self.body)


def test_gets_are_retried_until_they_connect(serve) -> None:
    flaky = Flaky(2, httpx.ConnectError("connection refused"), {"status": "ok"})
    assert serve(flaky, retries=2).health() is True
    assert flaky.calls == 3


def test_retries_give_up_and_say_offline(serve) -> None:
    flaky = Flaky(5, httpx.ConnectError("connection refused"), {"status": "ok"})
    with pytest.raises(OfflineError):
        serve(flaky, retries=2).health()
    assert flaky.calls == 3


def test_backoff_doubles(serve) -> None:
    flaky = Flaky(2, httpx.ConnectError("connection refused"), {"status": "ok"})
    started = time.monotonic()
    serve(flaky, retries=2, backoff=0.05).health()
    assert time.monotonic() - started >= 0.05 + 0.1


def test_posts_are_never_retried(serve) -> None:
    flaky = Flaky(1, httpx.ConnectError("connection refused"), fixture_json("rollout_ro-13ef00b5635c.json"))
    with pytest.raises(OfflineError):
        serve(flaky, retries=3).requeue_rollout("ro-13ef00b5635c")
    assert flaky.calls == 1


@pytest.mark.parametrize(("status", "calls"), [(502, 2), (503, 2), (504, 2), (500, 1), (404, 1)])
def test_only_gateway_errors_are_retried(serve, status: int, calls: int) -> None:
    flaky = Flaky(1, status, {"status": "ok"})
    lightning = serve(flaky, retries=1)
    if calls == 2:
        assert lightning.health() is True
    else:
        with pytest.raises(HTTPStatusError):
            lightning.health()
    assert flaky.calls == calls


def test_dropped_connection_mid_answer_is_retried(serve) -> None:
    flaky = Flaky(1, httpx.RemoteProtocolError("peer closed connection"), {"status": "ok"})
    assert serve(flaky, retries=1).health() is True


def test_huge_answers_parse(serve) -> None:
    base = fixture_json("rollout_ro-13ef00b5635c.json")
    huge_text = "x" * 5_000_000
    items = [
        {**base, "rollout_id": "ro-text", "input": huge_text},
        {**base, "rollout_id": "ro-list", "input": list(range(200_000))},
        {**base, "rollout_id": "ro-deep", "input": json.loads("[" * 500 + "]" * 500)},
        *({**base, "rollout_id": f"ro-{i}"} for i in range(20_000)),
    ]
    lightning = serve(lambda request: httpx.Response(200, json={"items": items}))
    rollouts = lightning.list_rollouts()
    assert len(rollouts) == 20_003
    text, numbers, deep = rollouts[:3]
    assert text.input == huge_text
    assert len(numbers.input) == 200_000
    assert input_preview(text.input) == '"' + "x" * 33 + "…"
    assert len(input_preview(numbers.input)) == 35
    assert input_preview(deep.input).startswith("[[[[")


def test_escape_sequences_stay_data(serve) -> None:
    nasty = "\x1b[31mred\x1b[0m\x1b]0;title\x07\r\n\u202eevil\x00"
    base = fixture_json("rollout_ro-6eedb2fc3a09.json")
    attempt = {**base["attempt"], "worker_id": nasty}
    item = {**base, "rollout_id": nasty, "input": {nasty: nasty}, "attempt": attempt}
    lightning = serve(lambda request: httpx.Response(200, json={"items": [item]}))
    (rollout,) = lightning.list_rollouts()
    assert rollout.rollout_id == nasty
    assert rollout.input == {nasty: nasty}
    assert rollout.attempt.worker_id == nasty


def test_health_checks_share_one_http_client(fixture_store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new client loads the system's certificates: once per check was most of an idle deck's CPU."""
    from deck.plugins.lightning_rollouts.source import LightningConnection

    connection = LightningConnection()
    connection.configure({"url": fixture_store.url})
    made: list[httpx.Client] = []
    real_init = httpx.Client.__init__

    def counted(self: httpx.Client, *args: object, **kwargs: object) -> None:
        made.append(self)
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx.Client, "__init__", counted)
    try:
        for _ in range(5):
            assert connection.fetch_health().backend == "0.3.0"
    finally:
        connection.close()
    assert len(made) == 1
    assert made[0].is_closed  # closed with the connection
