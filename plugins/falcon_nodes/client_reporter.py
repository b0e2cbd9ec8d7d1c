"""The node side of the monitor: a status dict and a bounded log ring a training node embeds."""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime

__all__ = ["NodeReporter"]


class NodeReporter:
    """What one training node shows the monitor; safe to update and read from any thread.

    Embed one in a node actor and expose the two methods the coordinator calls::

        class NodeWrapper:
            def __init__(self, name):
                self.reporter = NodeReporter(name, total_epochs=200)

            def get_status(self):
                return self.reporter.status_dict()

            def get_log_tail(self, num_lines=50):
                return self.reporter.log_tail(num_lines)

    A node that can pause also exposes ``pause()`` and ``resume()``.
    """

    def __init__(
        self,
        name: str,
        *,
        status: str = "initializing",
        total_epochs: int = 0,
        max_log_lines: int = 100,
        history_length: int = 20,
    ) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._status = status
        self._error: str | None = None
        self._samples = 0
        self._current_epoch = 0
        self._total_epochs = total_epochs
        self._loss: float | None = None
        self._history: deque[float] = deque(maxlen=history_length)
        self._log: deque[str] = deque(maxlen=max_log_lines)

    @property
    def status(self) -> str:
        """The node's current status word, e.g. 'training'."""
        return self._status

    def set_status(self, status: str, *, error: str | None = None) -> None:
        """Change the status; an error message is kept until the next status change."""
        with self._lock:
            self._status = status
            self._error = error

    def add_samples(self, count: int) -> None:
        """Count newly simulated or received samples."""
        with self._lock:
            self._samples += count

    def record_epoch(self, epoch: int, loss: float | None, *, total_epochs: int | None = None) -> None:
        """Note a finished epoch and its validation loss (None when not computed)."""
        with self._lock:
            self._current_epoch = epoch
            if total_epochs is not None:
                self._total_epochs = total_epochs
            if loss is not None:
                self._loss = loss
                self._history.append(loss)

    def log(self, message: str) -> None:
        """Keep a message as '[HH:MM:SS] message' lines, dropping the oldest beyond the limit."""
        stamp = f"[{datetime.now():%H:%M:%S}]"
        lines = [f"{stamp} {line}" for line in str(message).splitlines() or [""]]
        with self._lock:
            self._log.extend(lines)

    def status_dict(self) -> dict[str, object]:
        """The status in the shape the coordinator's get_status reports per node."""
        with self._lock:
            status: dict[str, object] = {
                "name": self.name,
                "status": self._status,
                "samples": self._samples,
                "current_epoch": self._current_epoch,
                "total_epochs": self._total_epochs,
                "loss": self._loss,
                "loss_history": list(self._history),
            }
            if self._error is not None:
                status["error"] = self._error
        return status

    def log_tail(self, num_lines: int = 50) -> list[str]:
        """The last num_lines log lines, oldest first."""
        with self._lock:
            lines = list(self._log)
        return lines[-num_lines:] if num_lines > 0 else []
