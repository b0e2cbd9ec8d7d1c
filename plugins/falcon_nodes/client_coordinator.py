"""The coordinator actor: one named Ray actor through which a monitor reads a whole run.

A training application (Falcon or any Ray app) starts it once, registers its node actors and
its dataset manager, and monitors find it by name::

    import ray
    from deck.plugins.falcon_nodes.client_coordinator import start_coordinator

    ray.init()
    coordinator = start_coordinator("outputs/exp01")
    coordinator.register_node.remote("theta", theta_actor)
    coordinator.register_dataset_manager.remote(dataset_manager_actor)

Node protocol (one actor per node): ``get_status() -> dict``, ``get_log_tail(num_lines) ->
list[str]``, and optionally ``pause()`` / ``resume()``. :class:`NodeReporter` builds both
answers. Node-group protocol (one actor hosting many nodes, registered with
``register_node_group``): ``get_node_statuses(names) -> {name: dict}``,
``get_node_log_tail(name, num_lines)``, and optionally ``pause_node(name)`` /
``resume_node(name)``. A group answers for all its nodes in one call, so a run of thousands of
nodes costs a handful of calls; a group that times out marks all its nodes as timed out.

Ray is imported only inside functions: importing this module never loads Ray.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from deck.plugins.falcon_nodes.client_reporter import NodeReporter

__all__ = [
    "COORDINATOR_NAME",
    "DEFAULT_NODE_TIMEOUT",
    "LEGACY_COORDINATOR_NAME",
    "NAMESPACE",
    "FalconCoordinator",
    "NodeReporter",
    "start_coordinator",
]

COORDINATOR_NAME: Final = "falcon:coordinator"
LEGACY_COORDINATOR_NAME: Final = "falcon:monitor_bridge"
NAMESPACE: Final = "falcon"
DEFAULT_NODE_TIMEOUT: Final = 2.0


def _describe(exc: BaseException) -> str:
    """A one-line reason for a failed node call, without Ray's multi-line wrapping."""
    import ray.exceptions

    if isinstance(exc, ray.exceptions.ActorUnavailableError):
        return "actor unavailable"
    if isinstance(exc, ray.exceptions.RayActorError) and not isinstance(exc, ray.exceptions.RayTaskError):
        return "actor died"
    cause = getattr(exc, "cause", None) if isinstance(exc, ray.exceptions.RayTaskError) else exc
    if isinstance(cause, ray.exceptions.RayActorError):
        return "actor died"
    if isinstance(cause, BaseException):
        text = str(cause).strip().splitlines()
        return f"{type(cause).__name__}: {text[0]}" if text else type(cause).__name__
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _error_row(reason: str, exc: BaseException | None = None) -> dict[str, object]:
    """A node's error row; a failed call carries Ray's full text (with its traceback) too."""
    row: dict[str, object] = {"status": "error", "error": reason}
    if exc is not None and reason not in ("actor died", "actor unavailable"):
        row["traceback"] = str(exc)
    return row


def _placement(handle: Any) -> dict[str, object] | None:
    """The actor's host, pid, Ray node id and that node's resources from the GCS; None until placed."""
    import ray
    from ray._private import state

    try:
        info = state.actors(handle._actor_id.hex())
        address = info.get("Address") or {}
        node_id, pid = address.get("NodeID"), info.get("Pid")
        if not node_id or not pid:
            return None
        nodes: list[dict[str, Any]] = ray.nodes()  # type: ignore[no-untyped-call]
        node = next((n for n in nodes if n.get("NodeID") == node_id), {})
    except Exception:  # a private API of Ray's: without it, the rows simply say less
        return {}
    resources = node.get("Resources") or {}
    kept = {key: resources[key] for key in ("CPU", "GPU", "memory") if key in resources}
    return {"host": address.get("IPAddress"), "pid": pid, "node_id": node_id, "resources": kept}


def _buffer_row(reply: Any, reason: str | None) -> dict[str, Any]:
    if reason is not None:
        return {"error": reason}
    if not isinstance(reply, dict):
        return {"error": f"dataset manager sent {type(reply).__name__}, expected a dict"}
    return reply


@dataclass(eq=False)
class _Target:
    """One actor answering status calls for one node, a group of nodes (names), or a buffer."""

    handle: Any
    method: str = "get_status"
    names: tuple[str, ...] | None = None
    pending: asyncio.Future[Any] | None = None
    requested_at: float = 0.0
    _placement: dict[str, object] | None = None

    def request(self) -> tuple[asyncio.Future[Any], float]:
        """The status call and when it started: a new one, or the one a slow node still owes.

        Reusing the unfinished call means a stuck node gets one call, not one per poll, and
        a poll does not wait again for a call that already timed out.
        """
        loop = asyncio.get_running_loop()
        if self.pending is None:
            args = () if self.names is None else (list(self.names),)
            try:
                ref = getattr(self.handle, self.method).remote(*args)
            except AttributeError:
                failed = loop.create_future()
                failed.set_exception(AttributeError(f"actor has no method {self.method!r}"))
                return failed, loop.time()
            self.pending = asyncio.wrap_future(ref.future())
            self.requested_at = loop.time()
        return self.pending, self.requested_at

    def collect(self, future: asyncio.Future[Any]) -> tuple[Any, str | None, BaseException | None]:
        """(reply, None, None) once the call finished, else (None, reason, the exception if any)."""
        if not future.done():
            return None, "timeout", None
        if self.pending is future:
            self.pending = None
        if future.cancelled():
            return None, "cancelled", None
        exc = future.exception()
        return (None, _describe(exc), exc) if exc is not None else (future.result(), None, None)

    def row_for(self, name: str, reply: Any, reason: str | None, exc: BaseException | None) -> object:
        """The status row of one node from this target's reply."""
        if reason is not None:
            return {**_error_row(reason, exc), **self.identity, **self.placement()}
        if self.names is not None:
            if not isinstance(reply, dict):
                return _error_row(f"group sent {type(reply).__name__}, expected a dict")
            reply = reply.get(name, {"status": "unknown", "error": "not reported by its group"})
        if not isinstance(reply, dict):
            return _error_row(f"node sent {type(reply).__name__}, expected a dict")
        return {**reply, **self.identity, **self.placement()}

    def placement(self) -> dict[str, object]:
        """Where the node's actor runs (host, pid, Ray node and its resources), once it is placed."""
        if self._placement is None:
            self._placement = _placement(self.handle)
        return self._placement or {}

    @functools.cached_property
    def identity(self) -> dict[str, object]:
        """What the coordinator knows of the node's actor: its id and the controls it offers."""
        controls = [verb for verb in ("pause", "resume") if self._offers(verb)]
        try:
            actor_id = self.handle._actor_id.hex()
        except AttributeError:
            actor_id = None
        return {"actor_id": actor_id, "controls": controls}

    def _offers(self, verb: str) -> bool:
        try:
            getattr(self.handle, verb if self.names is None else f"{verb}_node")
        except AttributeError:
            return False
        return True


class FalconCoordinator:
    """Aggregates the status of a run's nodes and dataset manager for monitors.

    Use as a Ray async actor (see :func:`start_coordinator`). Every node call runs in parallel
    and is bounded by ``node_timeout`` seconds; a node that does not answer in time shows as
    ``{"status": "error", "error": "timeout"}`` while the others are reported normally.
    """

    def __init__(self, run_dir: str, *, node_timeout: float = DEFAULT_NODE_TIMEOUT) -> None:
        self._run_dir = str(run_dir)
        self._started_at = datetime.now().isoformat()
        self._node_timeout = node_timeout
        self._where: dict[str, _Target] = {}
        self._buffer: _Target | None = None

    async def register_node(self, name: str, actor_handle: Any) -> None:
        """Add (or replace) a node served by its own actor."""
        self._where[str(name)] = _Target(actor_handle)

    async def register_node_group(self, names: list[str], actor_handle: Any) -> None:
        """Add nodes served together by one actor implementing the node-group protocol."""
        target = _Target(actor_handle, "get_node_statuses", tuple(str(name) for name in names))
        for name in target.names or ():
            self._where[name] = target

    async def register_dataset_manager(self, actor_handle: Any) -> None:
        """Set the actor whose ``get_store_stats()`` feeds the buffer line."""
        self._buffer = _Target(actor_handle, "get_store_stats")

    async def get_node_names(self) -> list[str]:
        """Registered node names, in registration order."""
        return list(self._where)

    async def get_status(self, node_timeout: float | None = None) -> dict[str, Any]:
        """The whole run: run_dir, started_at (ISO, local time), nodes by name, buffer stats."""
        timeout = self._node_timeout if node_timeout is None else node_timeout
        targets = list({id(target): target for target in self._where.values()}.values())
        if self._buffer is not None:
            targets.append(self._buffer)
        calls = {id(target): target.request() for target in targets}
        now = asyncio.get_running_loop().time()
        deadline = max((started + timeout for _, started in calls.values()), default=now)
        waiting = [call for call, started in calls.values() if started + timeout > now]
        if waiting:
            await asyncio.wait(waiting, timeout=max(0.0, deadline - now))
        replies = {id(t): t.collect(calls[id(t)][0]) for t in targets}
        nodes = {name: target.row_for(name, *replies[id(target)]) for name, target in self._where.items()}
        return {
            "run_dir": self._run_dir,
            "started_at": self._started_at,
            "nodes": nodes,
            "buffer": _buffer_row(*replies[id(self._buffer)][:2]) if self._buffer else {},
        }

    async def get_node_log(self, node_name: str, num_lines: int = 50) -> list[str]:
        """The node's last num_lines log lines; [] for a name that is not registered."""
        target = self._where.get(node_name)
        if target is None:
            return []
        if target.names is None:
            ref = target.handle.get_log_tail.remote(num_lines)
        else:
            ref = target.handle.get_node_log_tail.remote(node_name, num_lines)
        try:
            lines = await asyncio.wait_for(asyncio.wrap_future(ref.future()), self._node_timeout)
        except asyncio.TimeoutError:
            raise TimeoutError(
                f"node {node_name!r} did not send its log within {self._node_timeout:g} s"
            ) from None
        except Exception as exc:  # the node's failure, never the coordinator's
            raise LookupError(f"node {node_name!r}: {_describe(exc)}") from None
        return [str(line) for line in lines] if isinstance(lines, (list, tuple)) else []

    async def pause_node(self, name: str) -> dict[str, Any]:
        """Ask a node to pause; the reply says whether it did and why not."""
        return await self._command(name, "pause")

    async def resume_node(self, name: str) -> dict[str, Any]:
        """Ask a paused node to continue; the reply says whether it did and why not."""
        return await self._command(name, "resume")

    async def _command(self, name: str, verb: str) -> dict[str, Any]:
        target = self._where.get(name)
        if target is None:
            return {"ok": False, "node": name, "message": f"no node named {name!r}"}
        try:
            method = getattr(target.handle, verb if target.names is None else f"{verb}_node")
        except AttributeError:
            return {"ok": False, "node": name, "message": f"node {name!r} does not support {verb}"}
        ref = method.remote() if target.names is None else method.remote(name)
        try:
            reply = await asyncio.wait_for(asyncio.wrap_future(ref.future()), self._node_timeout)
        except asyncio.TimeoutError:
            message = f"node {name!r} did not answer {verb} within {self._node_timeout:g} s"
            return {"ok": False, "node": name, "message": message}
        except Exception as exc:
            return {"ok": False, "node": name, "message": f"{verb} {name!r}: {_describe(exc)}"}
        message = reply if isinstance(reply, str) and reply else f"{name}: {verb}d"
        return {"ok": True, "node": name, "message": message}


def start_coordinator(
    run_dir: str,
    *,
    name: str = COORDINATOR_NAME,
    namespace: str = NAMESPACE,
    detached: bool = True,
    replace: bool = False,
    node_timeout: float = DEFAULT_NODE_TIMEOUT,
    replace_timeout: float = 10.0,
) -> Any:
    """Start the coordinator as a named actor in the connected Ray cluster; returns its handle.

    Args:
        run_dir: What the monitor shows as the run (usually the output directory).
        name: Actor name monitors look up.
        namespace: Ray namespace of the actor.
        detached: Outlive the driver that started it (it then lives until killed).
        replace: Kill a coordinator already holding the name instead of failing.
        node_timeout: Seconds each node gets to answer a status, log or pause call.
        replace_timeout: Seconds to wait for the old coordinator's name to be released.

    Raises:
        ValueError: The name is taken (and replace is False, or it was not released in time).
    """
    import ray

    actor_class = ray.remote(FalconCoordinator).options(
        name=name,
        namespace=namespace,
        lifetime="detached" if detached else None,
        num_cpus=0,
        max_restarts=0,
    )
    if replace:
        with contextlib.suppress(ValueError):
            ray.kill(ray.get_actor(name, namespace=namespace), no_restart=True)
    deadline = time.monotonic() + replace_timeout
    while True:
        try:
            return actor_class.remote(run_dir, node_timeout=node_timeout)
        except ValueError:
            if not replace or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
