"""Where the deck writes its log: never to the terminal it is drawing on."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from deck._secrets import SecretFilter

__all__ = ["default_log_path", "setup_logging"]


def default_log_path() -> Path:
    """$XDG_STATE_HOME/deck/deck.log (or ~/.local/state/deck/deck.log)."""
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "deck" / "deck.log"


def setup_logging(path: Path | None) -> Path | None:
    """Send every record to a rotating file; returns the path, or None if it cannot be written."""
    path = path or default_log_path()
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        root.addHandler(logging.NullHandler())
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter())  # no secret reaches the log file
    root.addHandler(handler)
    return path
