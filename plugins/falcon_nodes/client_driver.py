"""A Ray driver in a child process, so the deck never loads Ray and outlives a lost cluster.

Inside the deck, Ray can hang a call for a minute when its cluster disappears, prints to the
terminal from native code, and installs its own signal handlers. The deck therefore talks to
Ray through this module run as ``python -m deck.plugins.falcon_nodes.client_driver``: requests and
replies are length-prefixed pickles on the child's stdin and stdout, and the deck can always
give up on a call by killing the child.

Replies contain only plain Python values: the child turns anything else (numpy numbers,
tensors, custom objects) into numbers or text, and the deck's reader accepts nothing else.
"""

from __future__ import annotations

import contextlib
import io
import logging
import numbers
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any, BinaryIO

__all__ = ["DriverGone", "DriverProcess", "DriverTimeout", "serve"]

_HEADER = struct.Struct(">I")
_PLAIN_TYPES: dict[str, type] = {kind.__name__: kind for kind in (bool, dict, float, int, list, str, tuple)}


class DriverTimeout(Exception):
    """The driver process did not answer in time (it is then unusable)."""


class DriverGone(Exception):
    """The driver process exited or closed its pipes."""


class _PlainPickler(pickle.Pickler):
    """Pickles builtin values as usual and anything else as a number or text."""

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if kind in (dict, list, tuple) or (kind is type and obj in _PLAIN_TYPES.values()):
            return NotImplemented
        if isinstance(obj, str):
            return str, (str(obj),)
        if isinstance(obj, numbers.Integral):
            return int, (int(obj),)
        if isinstance(obj, Mapping):
            return dict, (dict(obj),)
        if isinstance(obj, (list, tuple)):
            return list, (list(obj),)
        try:
            return float, (float(obj),)
        except (TypeError, ValueError):
            return str, (str(obj),)


class _PlainUnpickler(pickle.Unpickler):
    """Refuses every global but the builtin value types, so a reply cannot run code."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "builtins" and name in _PLAIN_TYPES:
            return _PLAIN_TYPES[name]
        raise pickle.UnpicklingError(f"refusing {module}.{name} in a driver reply")


def _encode(message: Any) -> bytes:
    buffer = io.BytesIO()
    _PlainPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(message)
    payload = buffer.getvalue()
    return _HEADER.pack(len(payload)) + payload


def _read_blocking(stream: BinaryIO, size: int) -> bytes | None:
    data = stream.read(size)
    return data if data and len(data) == size else None


class DriverProcess:
    """The deck's end: starts the child and exchanges one request and reply at a time."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "deck.plugins.falcon_nodes.client_driver"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self._process.pid

    def request(self, message: Any, timeout: float) -> Any:
        """Send one request and wait at most timeout seconds for its reply."""
        deadline = time.monotonic() + timeout
        stdin = self._process.stdin
        try:
            assert stdin is not None
            stdin.write(_encode(message))
            stdin.flush()
        except (BrokenPipeError, ValueError, OSError) as exc:
            raise DriverGone("driver process is not running") from exc
        (size,) = _HEADER.unpack(self._read(_HEADER.size, deadline))
        return _PlainUnpickler(io.BytesIO(self._read(size, deadline))).load()

    def _read(self, size: int, deadline: float) -> bytes:
        stdout = self._process.stdout
        assert stdout is not None
        fd = stdout.fileno()
        chunks: list[bytes] = []
        while size > 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise DriverTimeout("driver process did not answer in time")
            chunk = os.read(fd, min(size, 1 << 20))
            if not chunk:
                raise DriverGone("driver process exited")
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def kill(self) -> None:
        """End the child now, from any thread: a request waiting on it fails with DriverGone."""
        with contextlib.suppress(OSError):
            self._process.kill()

    def close(self, grace: float = 1.0) -> None:
        """Ask the child to exit by closing its input; kill it if it does not within grace."""
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        try:
            self._process.wait(grace)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


_AUTH_HINT = (
    "authentication token missing or wrong (set RAY_AUTH_MODE=token, and RAY_AUTH_TOKEN or "
    "~/.ray/auth_token as on the cluster)"
)


def _refused_for_auth(exc: BaseException | None) -> bool:
    """Whether Ray's connection error (or one it was raised from) is a token rejection."""
    while exc is not None:
        if type(exc).__name__ == "AuthenticationError" or "InvalidAuthToken" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class _Session:
    """The child's end: one Ray connection and the coordinator handle it found."""

    def __init__(self) -> None:
        self._actor_names: list[str] = []
        self._namespace = ""
        self._handle: Any = None
        self._actor = ""

    def connect(self, address: str, namespace: str, actor_names: list[str]) -> tuple[Any, ...]:
        import ray

        self._actor_names = list(actor_names)
        self._namespace = namespace
        try:
            context = ray.init(
                address=address,
                namespace=namespace,
                log_to_driver=False,
                logging_level=logging.ERROR,
            )
        except Exception as exc:
            if _refused_for_auth(exc):
                return "err", "refused", _AUTH_HINT
            return "err", "no_cluster", _first_line(exc)
        info = getattr(context, "address_info", None) or {}
        return "ok", str(info.get("gcs_address") or address)

    def _resolve(self) -> bool:
        import ray

        for name in self._actor_names:
            try:
                self._handle = ray.get_actor(name, namespace=self._namespace)
            except ValueError:
                continue
            self._actor = name
            return True
        return False

    def call(self, method: str, args: list[Any], timeout: float) -> tuple[Any, ...]:
        import ray
        import ray.exceptions

        if self._handle is None and not self._resolve():
            names = " or ".join(repr(name) for name in self._actor_names)
            return "err", "not_found", f"no {names} in namespace {self._namespace!r}"
        try:
            bound = getattr(self._handle, method)
        except AttributeError:
            return "err", "failed", f"coordinator {self._actor!r} has no method {method!r}"
        try:
            return "ok", ray.get(bound.remote(*args), timeout=timeout), self._actor
        except ray.exceptions.GetTimeoutError:
            return "err", "timeout", f"{self._actor!r} did not answer within {timeout:g} s"
        except ray.exceptions.RayTaskError as exc:
            # The coordinator answered with an error (a node's own death included): checked
            # before RayActorError, which Ray's task errors also derive from for their cause.
            cause = exc.cause if isinstance(exc.cause, BaseException) else exc
            if isinstance(cause, LookupError):  # the coordinator's own "node 'x': why"
                return "err", "failed", _first_line(cause)
            return "err", "failed", f"{type(cause).__name__}: {_first_line(cause)}"
        except ray.exceptions.RayActorError as exc:
            self._handle = None
            return "err", "gone", f"{self._actor!r} died ({type(exc).__name__})"
        except Exception as exc:  # the connection itself is in doubt: start afresh
            return "err", "broken", f"{type(exc).__name__}: {_first_line(exc)}"

    def handle(self, request: Any) -> tuple[Any, ...]:
        op, *args = request
        if op == "connect":
            return self.connect(*args)
        if op == "call":
            return self.call(*args)
        return "err", "failed", f"unknown request {op!r}"


def _exit_with_parent(parent: int) -> None:
    """Leave as soon as the deck is gone, even while a Ray call is blocked."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def serve() -> None:
    """Answer requests from stdin until it closes; Ray's own output goes to /dev/null."""
    channel = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    session = _Session()
    requests = sys.stdin.buffer
    while (header := _read_blocking(requests, _HEADER.size)) is not None:
        (size,) = _HEADER.unpack(header)
        payload = _read_blocking(requests, size)
        if payload is None:
            break
        try:
            reply = session.handle(pickle.loads(payload))
        except Exception as exc:
            reply = ("err", "failed", f"{type(exc).__name__}: {_first_line(exc)}")
        channel.write(_encode(reply))
        channel.flush()
    if "ray" in sys.modules:  # leave the cluster cleanly; the deck kills us if this hangs
        with contextlib.suppress(Exception):
            sys.modules["ray"].shutdown()
    os._exit(0)


if __name__ == "__main__":
    serve()
