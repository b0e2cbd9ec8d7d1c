"""Simulated Falcon training nodes and dataset manager, as plain classes Ray turns into actors.

Each node lives on simulated time (wall time times ``speed``, frozen while paused) and is
advanced only when asked for its status, so idle nodes cost nothing between polls.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterable

from deck.plugins.falcon_nodes.client_reporter import NodeReporter

__all__ = [
    "HangingSimNode",
    "SimDatasetManager",
    "SimNode",
    "SimNodeGroup",
    "SimulatedNode",
    "node_names",
]

_FIRST_NAMES = (
    "theta", "phi", "x_embed", "y_embed", "z_model", "psi",
    "omega", "sigma", "tau", "kappa", "eta", "mu",
)  # fmt: skip


def node_names(count: int) -> list[str]:
    """Readable names for the first nodes, numbered ones after that."""
    numbered = (f"node-{index:04d}" for index in range(len(_FIRST_NAMES) + 1, count + 1))
    return [*_FIRST_NAMES[:count], *numbered]


class SimulatedNode:
    """One node's lifecycle: initializing → simulating → training (loss falling) → done."""

    def __init__(
        self,
        name: str,
        *,
        seed: int = 0,
        speed: float = 1.0,
        fails: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        rng = random.Random(f"{seed}:{name}")
        self._rng = rng
        self._speed = speed
        self._clock = clock
        self._started = clock()
        self._paused_since: float | None = None
        self._paused_total = 0.0
        self._init_s = rng.uniform(0.5, 2.0)
        self._train_at = self._init_s + rng.uniform(2.0, 6.0)
        self._epoch_s = rng.uniform(0.4, 1.5)
        self._sample_rate = rng.uniform(20.0, 80.0)
        self._total_epochs = total_epochs = rng.randint(40, 200)
        self._loss_start = rng.uniform(1.0, 3.0)
        self._loss_floor = rng.uniform(0.05, 0.4)
        self._loss_tau = total_epochs / rng.uniform(3.0, 6.0)
        self._fail_epoch = rng.randint(3, 8) if fails else None
        self._phase = "initializing"
        self._epoch = 0
        self._samples = 0
        self.reporter = NodeReporter(name, total_epochs=total_epochs)
        self.reporter.log("node created, waiting for the graph")

    @property
    def name(self) -> str:
        return self.reporter.name

    def _sim_time(self) -> float:
        now = self._clock()
        paused = self._paused_total
        if self._paused_since is not None:
            paused += now - self._paused_since
        return (now - self._started - paused) * self._speed

    def advance(self) -> None:
        """Bring the node up to the current simulated time."""
        if self._paused_since is not None or self._phase in ("done", "error"):
            return
        now = self._sim_time()
        if now < self._init_s:
            return
        samples = int((now - self._init_s) * self._sample_rate)
        self.reporter.add_samples(samples - self._samples)
        self._samples = samples
        if now < self._train_at:
            self._enter("simulating", "simulating: drawing samples from the prior")
            return
        self._enter("training", "training started")
        due = min(self._total_epochs, int((now - self._train_at) / self._epoch_s))
        while self._epoch < due and self._phase == "training":
            self._finish_epoch(self._epoch + 1)
        if self._phase == "training" and self._epoch >= self._total_epochs:
            self._enter("done", f"training finished after {self._epoch} epochs")

    def _enter(self, phase: str, message: str) -> None:
        if self._phase != phase:
            self._phase = phase
            self.reporter.set_status(phase)
            self.reporter.log(message)

    def _finish_epoch(self, epoch: int) -> None:
        if epoch == self._fail_epoch:
            self._phase = "error"
            reason = f"validation loss became NaN in epoch {epoch}"
            self.reporter.set_status("error", error=reason)
            self.reporter.log(f"RuntimeError: {reason}")
            return
        decay = math.exp(-epoch / self._loss_tau)
        noise = self._rng.gauss(0.0, 0.03) * (self._loss_floor + decay)
        loss = max(0.0, self._loss_floor + (self._loss_start - self._loss_floor) * decay + noise)
        self._epoch = epoch
        self.reporter.record_epoch(epoch, loss)
        self.reporter.log(f"Epoch {epoch}/{self._total_epochs}, loss={loss:.4f}, lr=0.0001")

    def status(self) -> dict[str, object]:
        """The node's status dict after advancing it."""
        self.advance()
        return self.reporter.status_dict()

    def log_tail(self, num_lines: int) -> list[str]:
        """Recent log lines after advancing the node."""
        self.advance()
        return self.reporter.log_tail(num_lines)

    def pause(self) -> str:
        """Freeze simulated time; a finished or failed node cannot pause."""
        self.advance()
        if self._phase in ("done", "error"):
            raise RuntimeError(f"{self.name} is {self._phase}, nothing to pause")
        if self._paused_since is None:
            self._paused_since = self._clock()
            self.reporter.set_status("paused")
            self.reporter.log("paused by operator")
        return f"{self.name} paused"

    def resume(self) -> str:
        """Continue simulated time where it stopped."""
        if self._paused_since is not None:
            self._paused_total += self._clock() - self._paused_since
            self._paused_since = None
            self.reporter.set_status(self._phase)
            self.reporter.log("resumed by operator")
        return f"{self.name} resumed"


class SimNode:
    """One simulated node in its own actor (the per-node protocol)."""

    def __init__(self, name: str, seed: int, speed: float, fails: bool) -> None:
        self._node = SimulatedNode(name, seed=seed, speed=speed, fails=fails)

    def get_status(self) -> dict[str, object]:
        return self._node.status()

    def get_log_tail(self, num_lines: int = 50) -> list[str]:
        return self._node.log_tail(num_lines)

    def pause(self) -> str:
        return self._node.pause()

    def resume(self) -> str:
        return self._node.resume()


class HangingSimNode(SimNode):
    """A node whose status call never returns, as a stuck training step would."""

    def get_status(self) -> dict[str, object]:
        time.sleep(24 * 3600)
        return self._node.status()


class SimNodeGroup:
    """Many simulated nodes in one actor (the node-group protocol)."""

    def __init__(self, names: Iterable[str], seed: int, speed: float, fail_node: str | None) -> None:
        self._nodes = {
            name: SimulatedNode(name, seed=seed, speed=speed, fails=name == fail_node) for name in names
        }

    def _node(self, name: str) -> SimulatedNode:
        try:
            return self._nodes[name]
        except KeyError:
            raise LookupError(f"no node named {name!r} in this group") from None

    def get_node_statuses(self, names: list[str]) -> dict[str, dict[str, object]]:
        return {name: self._nodes[name].status() for name in names if name in self._nodes}

    def get_node_log_tail(self, name: str, num_lines: int = 50) -> list[str]:
        return self._node(name).log_tail(num_lines)

    def pause_node(self, name: str) -> str:
        return self._node(name).pause()

    def resume_node(self, name: str) -> str:
        return self._node(name).resume()


class SimDatasetManager:
    """Buffer counts that grow with simulated time, like Falcon's DatasetManagerActor."""

    def __init__(self, speed: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._speed = speed
        self._clock = clock
        self._started = clock()

    def get_store_stats(self) -> dict[str, int]:
        elapsed = (self._clock() - self._started) * self._speed
        training = int(elapsed * 40)
        validation = int(elapsed * 17)
        disfavoured = int(elapsed * 3)
        return {
            "total_length": training + validation + disfavoured,
            "training": training,
            "validation": validation,
            "disfavoured": disfavoured,
            "tombstone": int(elapsed * 0.5),
            "deleted": int(elapsed * 0.2),
        }
