"""The deck's connection to a Falcon run: find the coordinator, poll it, reconnect when lost.

Every call blocks (run it off the UI thread) but is bounded by the configured timeouts. Ray
itself runs in a child process (see :mod:`deck.plugins.falcon_nodes.client_driver`), so neither a
hung cluster nor Ray's own output can reach the deck; importing this module never loads Ray.
"""

from __future__ import annotations

import enum
import importlib.util
import logging
import math
import os
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import psutil

from deck import DeckError
from deck.plugins.falcon_nodes.client_coordinator import (
    COORDINATOR_NAME,
    LEGACY_COORDINATOR_NAME,
    NAMESPACE,
)
from deck.plugins.falcon_nodes.client_driver import DriverGone, DriverProcess, DriverTimeout
from deck.plugins.falcon_nodes.model import FalconStatus, parse_status

__all__ = ["ConnectionState", "FalconClient", "FalconConfig", "FalconError", "Phase", "cluster_unreachable"]

logger = logging.getLogger(__name__)

#: Seconds to wait before each reconnection attempt after a failure, the last one repeating.
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0)
#: Extra seconds the child gets beyond a call's own timeout before it is presumed hung.
_GRACE = 2.0


class FalconError(DeckError):
    """A Falcon request could not be answered; the message says why."""


@dataclass(frozen=True, slots=True)
class FalconConfig:
    """Where the run is and how long to wait for it (the plugin's layout options)."""

    address: str = "auto"
    namespace: str = NAMESPACE
    actor: str = COORDINATOR_NAME
    fallback_actor: str | None = LEGACY_COORDINATOR_NAME
    timeout: float = 5.0
    connect_timeout: float = 30.0
    refresh: float = 1.0

    @property
    def actor_names(self) -> tuple[str, ...]:
        """Names tried in order when looking for the coordinator."""
        fallback = self.fallback_actor
        return (self.actor,) if not fallback or fallback == self.actor else (self.actor, fallback)

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> FalconConfig:
        """Build from layout options, naming the option at fault when one is wrong."""
        known = {field.name: field for field in fields(cls)}
        unknown = sorted(set(options) - set(known))
        if unknown:
            raise ValueError(f"unknown falcon option(s): {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, value in options.items():
            if name in ("timeout", "connect_timeout", "refresh"):
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                    raise ValueError(f"falcon option {name!r} must be a positive number: {value!r}")
                values[name] = float(value)
            elif name == "fallback_actor" and value is None:
                values[name] = None
            elif name == "address" and (
                not isinstance(value, str)
                or (value.strip() != "auto" and _split_host_port(value.strip()) is None)
            ):
                raise ValueError(
                    f"falcon option 'address' must be 'auto', 'host:port' or 'ray://host:port': {value!r}"
                )
            elif not isinstance(value, str) or not value.strip():
                raise ValueError(f"falcon option {name!r} must be a non-empty string: {value!r}")
            else:
                values[name] = value.strip()
        return cls(**values)


class Phase(enum.Enum):
    """Where the connection stands."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    WAITING = "waiting"
    GONE = "gone"
    LOST = "lost"
    NO_CLUSTER = "no_cluster"
    REFUSED = "refused"
    NO_RAY = "no_ray"
    FILES = "files"


@dataclass(frozen=True, slots=True)
class ConnectionState:
    """An immutable, always displayable description of the connection."""

    phase: Phase
    address: str
    detail: str = ""
    retry_at: float | None = None

    def retry_in(self, now: float | None = None) -> int | None:
        """Whole seconds until the next attempt, or None when none is scheduled."""
        if self.retry_at is None:
            return None
        return max(0, math.ceil(self.retry_at - (time.monotonic() if now is None else now)))

    def describe(self, now: float | None = None) -> str:
        """One line for the status bar, e.g. 'connection lost (retrying in 4 s)'."""
        retry = self.retry_in(now)
        suffix = f" (retrying in {retry} s)" if retry is not None else ""
        reason = f": {self.detail}" if self.detail else ""
        if self.phase is Phase.CONNECTING:  # the detail is why the last attempt failed
            last = f" (last attempt: {self.detail})" if self.detail else ""
            return f"connecting to {self.address}{last}"
        if self.phase is Phase.CONNECTED:
            return f"connected to {self.address} ({self.detail})"
        if self.phase is Phase.WAITING:
            return f"coordinator not found (waiting for a run){reason}"
        if self.phase is Phase.GONE:
            return f"coordinator gone{reason}{suffix}"
        if self.phase is Phase.LOST:
            return f"connection lost{reason}{suffix}"
        if self.phase is Phase.FILES:  # a falcon-sbi run directory: the address is its path
            # The state first: a long path must not push it off the line.
            return (
                f"{self.detail} (run directory {self.address})"
                if self.detail
                else f"run directory {self.address}"
            )
        if self.phase is Phase.NO_RAY:
            return "Ray is not installed here (pip install 'deck-tui[falcon]')"
        if self.phase is Phase.REFUSED:
            return f"the Ray cluster at {self.address} refused the connection{reason}{suffix}"
        return f"no Ray cluster at {self.address}{reason}{suffix}"

    def __str__(self) -> str:
        return self.describe()


def _split_host_port(address: str) -> tuple[str, int] | None:
    target = address.removeprefix("ray://")
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        return None
    return host.strip("[]"), int(port)


def cluster_unreachable(address: str) -> str | None:
    """Why no Ray cluster can be at address, or None when one may be (checked cheaply)."""
    if address == "auto":
        address = os.environ.get("RAY_ADDRESS", "").strip() or "auto"
    if address == "auto":
        names = (proc.info["name"] for proc in psutil.process_iter(["name"]))
        return None if "gcs_server" in names else "no Ray processes on this machine"
    host_port = _split_host_port(address)
    if host_port is None:
        return None
    try:
        socket.create_connection(host_port, timeout=1.0).close()
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return None


class FalconClient:
    """Connects to the coordinator on demand and answers with immutable snapshots.

    Safe to share between threads: requests are serialised. ``state`` can be read at any time
    from any thread, including while another thread waits on a request.
    """

    def __init__(self, config: FalconConfig | None = None) -> None:
        self.config = config or FalconConfig()
        self._lock = threading.Lock()
        self._driver: DriverProcess | None = None
        self._busy: DriverProcess | None = None  # the child a request is waiting on
        self._warm = False
        self._failures = 0
        self._state = ConnectionState(Phase.CONNECTING, self.config.address)

    @property
    def state(self) -> ConnectionState:
        """The connection as of now."""
        return self._state

    def poll(self) -> FalconStatus | None:
        """The run's status, or None while there is none to show (``state`` says why)."""
        try:
            return parse_status(self._call("get_status"))
        except FalconError:
            return None

    def node_log(self, name: str, num_lines: int = 50) -> tuple[str, ...]:
        """The last log lines of one node; raises FalconError when they cannot be read."""
        lines = self._call("get_node_log", name, num_lines)
        return tuple(str(line) for line in lines) if isinstance(lines, (list, tuple)) else ()

    def pause(self, name: str) -> str:
        """Pause a node; returns the coordinator's message, raises FalconError if it did not."""
        return self._command("pause_node", name)

    def resume(self, name: str) -> str:
        """Resume a paused node; returns the message, raises FalconError if it did not."""
        return self._command("resume_node", name)

    def close(self) -> None:
        """Stop the Ray child process, cutting short a request in flight; used again, it reconnects."""
        busy = self._busy
        if busy is not None:
            busy.kill()
        with self._lock:
            self._drop_driver()
            self._state = ConnectionState(Phase.CONNECTING, self.config.address)

    def __enter__(self) -> FalconClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _command(self, method: str, name: str) -> str:
        reply = self._call(method, name)
        message = str(reply.get("message", "")) if isinstance(reply, Mapping) else str(reply)
        if not isinstance(reply, Mapping) or not reply.get("ok"):
            raise FalconError(message or f"{method} {name!r} failed")
        return message

    def _call(self, method: str, *args: Any) -> Any:
        with self._lock:
            driver = self._connected_driver()
            # The first call after connecting also pays for Ray's warm-up (e.g. a Ray Client
            # session): give it the connect timeout.
            timeout = self.config.timeout if self._warm else self.config.connect_timeout
            try:
                self._busy = driver
                reply = driver.request(("call", method, list(args), timeout), timeout + _GRACE)
            except (DriverTimeout, DriverGone) as exc:
                self._drop_driver()
                detail = f"no answer from Ray within {timeout:g} s"
                raise self._lost(detail if isinstance(exc, DriverTimeout) else str(exc)) from None
            finally:
                self._busy = None
            self._warm = True
            if reply[0] == "ok":
                self._failures = 0
                self._state = ConnectionState(Phase.CONNECTED, self._state.address, reply[2])
                return reply[1]
            kind, message = reply[1], reply[2]
            if kind == "not_found":  # the cluster answered: only the run is missing
                self._failures = 0
                self._state = ConnectionState(Phase.WAITING, self._state.address, message)
                raise FalconError(self._state.describe())
            if kind == "failed":  # the coordinator answered with an error: the link is fine
                raise FalconError(message)
            if kind == "broken":
                self._drop_driver()
            raise self._lost(message, Phase.GONE if kind == "gone" else Phase.LOST)

    def _lost(self, detail: str, phase: Phase = Phase.LOST) -> FalconError:
        """The failure of a call: the whole cluster when its GCS no longer answers, else `phase`."""
        unreachable = cluster_unreachable(self._state.address)
        if unreachable is not None:
            self._drop_driver()
            return self._fail(Phase.NO_CLUSTER, unreachable, address=self._state.address)
        return self._fail(phase, detail)

    def _connected_driver(self) -> DriverProcess:
        if self._driver is not None:
            return self._driver
        address = self.config.address
        if self._waiting() and not self._back(address):
            raise FalconError(self._state.describe(time.monotonic()))
        if importlib.util.find_spec("ray") is None:
            self._state = ConnectionState(Phase.NO_RAY, address)
            raise FalconError(self._state.describe())
        reason = cluster_unreachable(address)
        if reason is not None:
            raise self._fail(Phase.NO_CLUSTER, reason)
        failed = self._state
        last = "" if failed.phase is Phase.CONNECTING else replace(failed, retry_at=None).describe()
        self._state = ConnectionState(Phase.CONNECTING, address, last)
        driver = self._busy = DriverProcess()
        request = ("connect", address, self.config.namespace, list(self.config.actor_names))
        try:
            reply = driver.request(request, self.config.connect_timeout)
        except (DriverTimeout, DriverGone):
            driver.close(grace=0)
            wait = f"{self.config.connect_timeout:g} s"
            raise self._fail(Phase.NO_CLUSTER, f"no answer within {wait}") from None
        finally:
            self._busy = None
        if reply[0] != "ok":
            driver.close()
            raise self._fail(Phase.REFUSED if reply[1] == "refused" else Phase.NO_CLUSTER, reply[2])
        logger.info("falcon: connected to the Ray cluster at %s", reply[1])
        self._driver = driver
        self._warm = False
        self._state = ConnectionState(Phase.CONNECTING, reply[1])
        return driver

    def _waiting(self) -> bool:
        retry_at = self._state.retry_at
        return retry_at is not None and time.monotonic() < retry_at

    def _back(self, address: str) -> bool:
        """Whether a cluster found unreachable answers again (a cheap check, worth making every poll)."""
        return self._state.phase is Phase.NO_CLUSTER and cluster_unreachable(address) is None

    def _fail(self, phase: Phase, detail: str, address: str | None = None) -> FalconError:
        delay = RETRY_DELAYS[min(self._failures, len(RETRY_DELAYS) - 1)]
        self._failures += 1
        if address is None:
            address = self._state.address if phase in (Phase.LOST, Phase.GONE) else self.config.address
        self._state = ConnectionState(phase, address, detail, time.monotonic() + delay)
        logger.info("falcon: %s", self._state.describe(time.monotonic()))
        return FalconError(self._state.describe(time.monotonic()))

    def _drop_driver(self) -> None:
        if self._driver is not None:
            self._driver.close(grace=0.5)
            self._driver = None
