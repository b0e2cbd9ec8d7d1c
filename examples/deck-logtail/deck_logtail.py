"""deck-logtail: follow log files in deck panels, coloured by level, with pause and a level filter.

The whole plugin is this one module, so a layout can load it three ways: by its entry point once
installed (`logtail: {...}`), by `from: deck_logtail:LogtailPlugin`, or by the path of this file
(`from: path/to/deck_logtail.py`, which finds the `plugin` attribute below).
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from deck import (
    Action,
    ActionContext,
    ActionError,
    LogPanel,
    Option,
    PanelContext,
    PanelType,
    Result,
    Source,
    hookimpl,
)
from deck.widgets import LogLine

__all__ = ["LogtailPlugin", "Tail", "level_of_line", "plugin"]

#: Bytes read back per line kept, when more was written than the tail holds.
_BYTES_PER_LINE = 512

_LEVEL_WORD = re.compile(r"\b(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|CRITICAL|FATAL)\b")
_LEVEL_FIELD = re.compile(r"\blevel\"?\s*[=:]\s*\"?(\w+)", re.IGNORECASE)


def level_of_line(text: str) -> str:
    """The level a line announces near its start ("ERROR", "level=warn"), or "info".

    The log view maps aliases ("warning", "critical", ...) onto its levels; unknown ones are info.
    """
    head = text[:120]
    match = _LEVEL_FIELD.search(head) or _LEVEL_WORD.search(head)
    return match.group(1).lower() if match else "info"


class Tail:
    """The last `keep` lines of one file, read incrementally.

    A file that shrank or was replaced (log rotation) is read again from its start; when more
    was written since the last read than the tail can hold, only the end is read.
    The scheduler never runs two fetches of one source at once, so no lock is needed.
    """

    def __init__(self, path: Path, keep: int) -> None:
        self.path = path
        self.lines: deque[LogLine] = deque(maxlen=keep)
        self._budget = keep * _BYTES_PER_LINE
        self._file_id: tuple[int, int] | None = None
        self._offset = 0
        self._partial = b""

    def read(self) -> tuple[LogLine, ...]:
        """Take in what was appended since the last read and return the tail."""
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            raise FileNotFoundError(f"{self.path} does not exist") from None
        file_id = (stat.st_dev, stat.st_ino)
        if file_id != self._file_id or stat.st_size < self._offset:
            self._file_id = file_id
            self._restart(0)
        with open(self.path, "rb") as file:
            if stat.st_size - self._offset > self._budget:
                self._restart(stat.st_size - self._budget)
                file.seek(self._offset - 1)
                self._offset += len(file.readline()) - 1  # from the first whole line
            file.seek(self._offset)
            data = file.read(max(0, stat.st_size - self._offset))
        self._offset += len(data)
        *complete, self._partial = (self._partial + data).split(b"\n")
        for raw in complete:
            text = raw.decode("utf-8", "replace").rstrip("\r")
            self.lines.append(LogLine(text, level_of_line(text)))
        return tuple(self.lines)

    def _restart(self, offset: int) -> None:
        self.lines.clear()
        self._offset = offset
        self._partial = b""


class TailPanel(LogPanel):
    """One file's tail. While paused the view holds still; resuming catches up."""

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx, maxlen=ctx.config["lines"])
        files: Mapping[str, str] = ctx.config["files"]
        name = ctx.options["file"] or next(iter(files), "")
        if name not in files:
            raise ValueError(f"no file named {name!r} under plugins: logtail: files: ({', '.join(files)})")
        self.file = name
        self.sources = (f"logtail.{name}",)
        self._latest: Result[Any] | None = None

    def update(self, result: Result[Any]) -> None:
        self._latest = result
        if not self.log.paused:
            super().update(result)

    def toggle_pause(self) -> bool:
        """Pause or follow again; True when now paused."""
        paused = self.log.toggle_pause()
        if not paused and self._latest is not None:
            super().update(self._latest)
        return paused

    @property
    def subtitle(self) -> str:
        return f"{self.file} · {super().subtitle}"


def _panel(ctx: ActionContext) -> TailPanel:
    if not isinstance(ctx.panel, TailPanel):
        raise ActionError("focus a log panel first")
    return ctx.panel


def _pause(ctx: ActionContext) -> str:
    return "paused" if _panel(ctx).toggle_pause() else "following"


def _level(ctx: ActionContext) -> str:
    return f"showing {_panel(ctx).log.cycle_level().upper()} and worse"


def _next_match(ctx: ActionContext) -> str | None:
    log = _panel(ctx).log
    if not log.search:
        raise ActionError("nothing to find: / searches first")
    return None if log.next_match() else f"no line matches {log.search!r}"


ACTIONS = [
    Action("logtail.pause", "Pause / follow", _pause, keys=("p",), scope="logtail.tail"),
    Action("logtail.level", "Level filter", _level, keys=("v",), scope="logtail.tail"),
    Action("logtail.next", "Next match", _next_match, keys=("n",), scope="logtail.tail"),
]


class LogtailPlugin:
    """Log files followed live, coloured by level."""

    @hookimpl
    def deck_options(self) -> Mapping[str, Option]:
        return {
            "files": Option(dict, required=True, help="name: path of each log file to follow"),
            "lines": Option(int, 2000, "lines kept per file"),
            "interval": Option(float, 1.0, "seconds between reads"),
        }

    @hookimpl
    def deck_sources(self, config: Mapping[str, Any]) -> Sequence[Source[tuple[LogLine, ...]]]:
        if config["lines"] < 1:
            raise ValueError(f"lines must be at least 1, got {config['lines']}")
        return [
            Source(
                f"logtail.{name}",
                Tail(Path(str(path)).expanduser(), config["lines"]).read,
                interval=config["interval"],
                timeout=5,
                description=str(path),
            )
            for name, path in config["files"].items()
        ]

    @hookimpl
    def deck_panels(self) -> Sequence[PanelType]:
        return [
            PanelType(
                "logtail.tail",
                TailPanel,
                {"file": Option(str, "", "which of the plugin's files (default: the first)")},
                "a log file's tail; p pauses, v level, / search, n next match",
                "Log",
            )
        ]

    @hookimpl
    def deck_actions(self) -> Sequence[Action]:
        return ACTIONS


#: What a layout's `from: deck_logtail.py` (or `from: deck_logtail`) loads.
plugin = LogtailPlugin
