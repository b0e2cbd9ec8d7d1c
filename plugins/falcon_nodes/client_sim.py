"""A simulated Falcon run on a real Ray cluster, for demos and tests.

    python -m deck.plugins.falcon_nodes.client_sim --nodes 12

The first ``--solo`` nodes (and the hanging node, if any) run in their own actors, exactly
like Falcon's NodeWrapper; the rest share :class:`SimNodeGroup` actors, so thousands of nodes
fit on a laptop. Ray is imported only when a run starts.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from deck.plugins.falcon_nodes.client import cluster_unreachable
from deck.plugins.falcon_nodes.client_coordinator import COORDINATOR_NAME, NAMESPACE, start_coordinator
from deck.plugins.falcon_nodes.client_simnodes import (
    HangingSimNode,
    SimDatasetManager,
    SimNode,
    SimNodeGroup,
    node_names,
)

__all__ = ["SimRun", "main", "start_sim"]

logger = logging.getLogger(__name__)

AUTO = "auto"


@dataclass
class SimRun:
    """The actors of one simulated run: node actors, group actors and a dataset manager."""

    coordinator: Any
    names: list[str]
    namespace: str = NAMESPACE
    node_actors: dict[str, Any] = field(default_factory=dict)
    groups: list[tuple[list[str], Any]] = field(default_factory=list)
    dataset_manager: Any = None

    def register(self, coordinator: Any) -> None:
        """Register every node and the dataset manager with a coordinator (e.g. a new one)."""
        import ray

        # One registration at a time: an async actor may run concurrent calls out of order.
        for name, actor in self.node_actors.items():
            ray.get(coordinator.register_node.remote(name, actor))
        for members, actor in self.groups:
            ray.get(coordinator.register_node_group.remote(members, actor))
        ray.get(coordinator.register_dataset_manager.remote(self.dataset_manager))

    def stop(self, *, keep_coordinator: bool = False) -> None:
        """Kill every actor the run started, and the coordinator unless asked to keep it."""
        import ray

        actors = [*self.node_actors.values(), *(actor for _, actor in self.groups)]
        actors.append(self.dataset_manager)
        if not keep_coordinator:
            actors.append(self.coordinator)
        for actor in actors:
            try:
                ray.kill(actor, no_restart=True)
            except Exception as exc:  # an actor that is already gone is fine
                logger.debug("could not kill %s: %s", actor, exc)


def _check_node_choice(names: Sequence[str], fail_node: str | None, hang_node: str | None) -> None:
    """Raise ValueError if a named failing or hanging node is not simulated."""
    for option, name in (("fail node", fail_node), ("hang node", hang_node)):
        if name is not None and name != AUTO and name not in names:
            raise ValueError(f"{option} {name!r} is not one of the {len(names)} simulated nodes")


def start_sim(
    nodes: int = 12,
    *,
    seed: int = 0,
    speed: float = 1.0,
    fail_node: str | None = AUTO,
    hang_node: str | None = None,
    solo: int = 4,
    group_size: int = 1000,
    run_dir: str = "outputs/sim",
    namespace: str = NAMESPACE,
    coordinator_name: str = COORDINATOR_NAME,
    detached: bool = False,
) -> SimRun:
    """Start the coordinator, the node actors and a dataset manager; needs ray.init() first.

    Returns once every actor is up and registered. ``fail_node`` AUTO picks the third node;
    None means no node fails. An existing coordinator of the same name is replaced.
    """
    import ray

    names = node_names(nodes)
    _check_node_choice(names, fail_node, hang_node)
    if fail_node == AUTO:
        fail_node = names[2] if len(names) >= 3 else None
    solo_names = [name for name in names[:solo] if name != hang_node]
    grouped = [name for name in names if name not in solo_names and name != hang_node]

    coordinator = start_coordinator(
        run_dir, name=coordinator_name, namespace=namespace, detached=detached, replace=True
    )
    run = SimRun(coordinator, names, namespace)
    node_actor = ray.remote(SimNode).options(num_cpus=0)
    for name in solo_names:
        run.node_actors[name] = node_actor.remote(name, seed, speed, name == fail_node)
    if hang_node is not None:
        hanging = ray.remote(HangingSimNode).options(num_cpus=0, max_concurrency=4)
        run.node_actors[hang_node] = hanging.remote(hang_node, seed, speed, hang_node == fail_node)
    group_actor = ray.remote(SimNodeGroup).options(num_cpus=0)
    for start in range(0, len(grouped), group_size):
        members = grouped[start : start + group_size]
        run.groups.append((members, group_actor.remote(members, seed, speed, fail_node)))
    run.dataset_manager = ray.remote(SimDatasetManager).options(num_cpus=0).remote(speed)
    actors = [*run.node_actors.values(), *(actor for _, actor in run.groups), run.dataset_manager]
    ray.get([actor.__ray_ready__.remote() for actor in actors])
    run.register(coordinator)
    return run


def _connect(address: str | None, num_cpus: int) -> str:
    """Join the cluster at address, or start a local one; returns the cluster address."""
    import ray

    quiet: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING}
    if address is None:
        try:
            context = ray.init(address=AUTO, **quiet)
        except ConnectionError:
            context = ray.init(num_cpus=num_cpus, include_dashboard=False, **quiet)
    else:
        context = ray.init(address=address, **quiet)
    info = getattr(context, "address_info", None) or {}  # a RayContext (typed as its base)
    return str(info.get("gcs_address", address or AUTO))


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m deck.plugins.falcon_nodes.client_sim",
        description="Simulate a Falcon training run on Ray for the falcon-nodes monitor.",
    )
    parser.add_argument("--nodes", type=int, default=12, help="simulated nodes (default 12)")
    parser.add_argument("--address", help="Ray cluster to join; default: the local one, started if none runs")
    parser.add_argument("--namespace", default=NAMESPACE, help="Ray namespace of the actors")
    parser.add_argument("--name", default=COORDINATOR_NAME, help="coordinator actor name")
    parser.add_argument("--run-dir", default="outputs/sim", help="run directory shown")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the losses")
    parser.add_argument("--speed", type=float, default=1.0, help="simulated time per second")
    parser.add_argument("--fail-node", default=AUTO, help="node that fails; 'none' for none")
    parser.add_argument("--hang-node", help="node whose status call never returns")
    parser.add_argument("--solo", type=int, default=4, help="nodes with their own actor")
    parser.add_argument("--group-size", type=int, default=1000, help="nodes per group actor")
    parser.add_argument("--num-cpus", type=int, default=2, help="CPUs of a cluster started here")
    parser.add_argument("--detached", action="store_true", help="leave the coordinator running after exit")
    args = parser.parse_args(argv)
    if args.nodes < 1 or args.solo < 0 or args.group_size < 1 or args.speed <= 0:
        parser.error("--nodes and --group-size must be >= 1, --solo >= 0, --speed > 0")
    if args.fail_node.lower() == "none":
        args.fail_node = None
    try:
        _check_node_choice(node_names(args.nodes), args.fail_node, args.hang_node)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the simulation until Ctrl-C or SIGTERM."""
    args = _parse_args(argv)
    reason = cluster_unreachable(args.address) if args.address else None
    if reason is not None:
        print(f"falcon sim: no Ray cluster at {args.address}: {reason}", file=sys.stderr)
        return 1
    import ray

    try:
        address = _connect(args.address, args.num_cpus)
    except ConnectionError as exc:
        print(f"falcon sim: no Ray cluster at {args.address}: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    # Either signal ends the loop below, never a call midway; a handler of our own also hears
    # Ctrl-C where the shell that started us ignores SIGINT (a background job).
    for stopping in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stopping, lambda *_: stop.set())
    try:
        run = start_sim(
            args.nodes,
            seed=args.seed,
            speed=args.speed,
            fail_node=args.fail_node,
            hang_node=args.hang_node,
            solo=args.solo,
            group_size=args.group_size,
            run_dir=args.run_dir,
            namespace=args.namespace,
            coordinator_name=args.name,
            detached=args.detached,
        )
    except ValueError as exc:  # the coordinator name is held by another run
        print(f"falcon sim: {exc}", file=sys.stderr)
        ray.shutdown()
        return 2
    print(
        f"falcon sim: {args.nodes} nodes running; coordinator {args.name!r} in namespace "
        f"{args.namespace!r} on the Ray cluster at {address}. Ctrl-C stops.",
        flush=True,
    )
    while not stop.wait(0.5):
        pass
    print("falcon sim: stopping", flush=True)
    run.stop(keep_coordinator=args.detached)
    ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
