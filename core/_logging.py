"""Where the deck writes its log: never to the terminal it is drawing on."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from deck._secrets import SecretFilter

__all__ = ["default_log_path", "setup_logging"]


def default_log_path() -> Path:
    """$XDG_STATE_HOME/deck/deck.log (or ~/.local/state/deck/deck.log)."""
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "deck" / "deck.log"


def _with_traceback(record: logging.LogRecord) -> bool:
    """Attach the exception being handled to a record logged without it (for --debug)."""
    if record.exc_info is None and sys.exc_info()[1] is not None:
        record.exc_info = sys.exc_info()
    return True


def setup_logging(path: Path | None, *, debug: bool = False) -> Path | None:
    """Send every record to a rotating file; returns the path, or None if it cannot be written.

    With `debug`, DEBUG records are written too, and every record logged while an exception is
    being handled carries its traceback.
    """
    path = path or default_log_path()
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for old in list(root.handlers):
        root.removeHandler(old)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        root.addHandler(logging.NullHandler())
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if debug:
        handler.addFilter(_with_traceback)
    handler.addFilter(SecretFilter())  # last: no secret reaches the log file, tracebacks included
    root.addHandler(handler)
    return path
