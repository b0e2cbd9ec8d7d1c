"""Running a declared command and fetching a declared URL, both bounded in time and size."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass

import httpx

from deck.plugins.declare.model import mask_text

__all__ = ["CommandOutput", "FetchError", "HttpReply", "http_get", "run_command", "stream_command"]

#: How much of stderr is kept: enough for the message, never a flood.
STDERR_CAP = 16 * 1024
_CHUNK = 65536
#: How often a running command checks its timeout and whether the deck is closing.
_TICK = 0.5


class FetchError(Exception):
    """A command or URL that could not give an answer; the message says why, for the panel."""


@dataclass(frozen=True)
class CommandOutput:
    """What a finished command printed and how it ended."""

    stdout: bytes
    stderr: bytes
    status: int
    capped: bool
    seconds: float


@dataclass(frozen=True)
class HttpReply:
    """A response body (cut at the cap) with its status and type."""

    status: int
    body: bytes
    content_type: str
    capped: bool
    seconds: float


@contextmanager
def _started(argv: tuple[str, ...]) -> Iterator[subprocess.Popen[bytes]]:
    """Start `argv` in its own process group, and kill the whole group however we leave."""
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise FetchError(f"command not found: {argv[0]}") from None
    except PermissionError:
        raise FetchError(f"not permitted to run {argv[0]}") from None
    except OSError as exc:
        raise FetchError(f"cannot run {argv[0]}: {exc.strerror or exc}") from None
    try:
        yield process
    finally:
        if process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()


def stream_command(
    argv: tuple[str, ...],
    *,
    timeout: float,
    max_bytes: int,
    on_output: Callable[[bytes, bool], None] | None = None,
    stop: threading.Event | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> CommandOutput:
    """Run `argv` (no shell), handing output to `on_output(chunk, is_stderr)` as it comes.

    Past `max_bytes` of stdout the command is killed and what came so far is returned, marked
    capped. A command still running at `timeout` is killed with its children and raises.
    Only the first STDERR_CAP bytes of stderr are kept (and handed on). Setting `stop` (the
    deck is closing) kills the command within half a second.
    """
    started = clock()
    stdout, stderr = bytearray(), bytearray()
    capped = False
    with _started(argv) as process:
        assert process.stdout is not None and process.stderr is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ, stdout)
            selector.register(process.stderr, selectors.EVENT_READ, stderr)
            while selector.get_map() and not capped:
                left = _time_left(timeout, clock() - started, stop, stderr)
                for key, _ in selector.select(min(left, _TICK)):
                    chunk = os.read(key.fd, _CHUNK)
                    if not chunk:
                        selector.unregister(key.fileobj)
                        continue
                    if key.data is stderr:
                        chunk = chunk[: max(0, STDERR_CAP - len(stderr))]
                        stderr += chunk
                        if on_output is not None and chunk:
                            on_output(chunk, True)
                        continue
                    room = max_bytes - len(stdout)
                    if len(chunk) > room:
                        chunk, capped = chunk[:room], True
                    stdout += chunk
                    if on_output is not None and chunk:
                        on_output(chunk, False)
        status = 0
        while not capped:
            # Its output is closed; it may still be running (a child kept nothing open).
            left = _time_left(timeout, clock() - started, stop, stderr)
            try:
                status = process.wait(min(left, _TICK))
                break
            except subprocess.TimeoutExpired:
                continue
    return CommandOutput(bytes(stdout), bytes(stderr), status, capped, clock() - started)


def _time_left(timeout: float, spent: float, stop: threading.Event | None, stderr: bytearray) -> float:
    """Seconds the command may still run; raises once it may not (the command is then killed)."""
    if stop is not None and stop.is_set():
        raise FetchError("stopped: the deck is closing")
    if spent >= timeout:
        raise FetchError(
            f"timed out after {timeout:g} s and was killed" + (f"; stderr: {_tail(stderr)}" if stderr else "")
        )
    return timeout - spent


def run_command(
    argv: tuple[str, ...], *, timeout: float, max_bytes: int, stop: threading.Event | None = None
) -> CommandOutput:
    """Run `argv` and return its output; a failing exit status raises with its stderr."""
    output = stream_command(argv, timeout=timeout, max_bytes=max_bytes, stop=stop)
    if output.status != 0:
        detail = _tail(output.stderr) or _tail(output.stdout) or "no output"
        name = os.path.basename(argv[0])
        raise FetchError(f"{name} exited with status {_status(output.status)}: {detail}")
    return output


def _status(code: int) -> str:
    if code < 0:
        try:
            return f"{code} ({signal.Signals(-code).name})"
        except ValueError:
            return str(code)
    return str(code)


def _tail(data: bytes | bytearray, limit: int = 400) -> str:
    """The last lines of some output, at most `limit` characters, as one line."""
    text = bytes(data).decode("utf-8", "replace").strip()
    text = " | ".join(mask_text(line.strip()) for line in text.splitlines()[-5:] if line.strip())
    return text if len(text) <= limit else "…" + text[-limit:]


def http_get(
    client: httpx.Client,
    url: str,
    *,
    headers: Mapping[str, str],
    timeout: float,
    max_bytes: int,
    clock: Callable[[], float] = time.monotonic,
) -> HttpReply:
    """GET `url`; an error status, a dead server or a timeout raises with a one-line reason."""
    started = clock()
    body = bytearray()
    capped = False
    try:
        with client.stream("GET", url, headers=dict(headers), timeout=timeout) as response:
            for chunk in response.iter_bytes():
                room = max_bytes - len(body)
                if len(chunk) > room:
                    body += chunk[:room]
                    capped = True
                    break
                body += chunk
                if clock() - started > timeout:
                    raise FetchError(f"the body took longer than {timeout:g} s")
    except httpx.TimeoutException:
        raise FetchError(f"no answer within {timeout:g} s") from None
    except httpx.ConnectError as exc:
        raise FetchError(f"cannot connect: {exc}") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}") from None
    if response.status_code >= 400:
        raise FetchError(
            f"HTTP {response.status_code} {response.reason_phrase}: {_tail(body, 200) or 'empty body'}"
        )
    return HttpReply(
        response.status_code, bytes(body), response.headers.get("content-type", ""), capped, clock() - started
    )
