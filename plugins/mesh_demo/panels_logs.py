"""LOGS and the NET.MAP event tail: level chips, id and text filters, follow and pause."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import urwid

from deck import Panel, PanelContext, Result
from deck.widgets import LEVELS, LogLine, LogView, Segment

from . import model
from .client import MeshClient
from .client_daemons import AGENT
from .client_world import LOG_CAPACITY
from .model import MeshSnapshot
from .panels import Exportable, SyncOnDraw
from .panels_cells import kind_icon
from .source import SOURCE, followed

__all__ = ["ID_PREFIX", "LogFilter", "LogsPanel"]

#: `id:node-3` or `id:d-1a2b,d-3c4d` keeps the lines of exactly those nodes or daemons.
ID_PREFIX = "id:"
#: An id no node or daemon has: what a following view matches while nothing is selected.
_NOBODY = "-"
_CHIPS = {"debug": "DEBUG+", "info": "INFO+", "warn": "WARN+", "error": "ERR"}


def _stamp(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) + f".{int(ts * 1000) % 1000:03d}"


def _printable(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable())


class LogFilter:
    """What the operator typed after `/` (or what `l` set): node/daemon ids and words, all required."""

    def __init__(self, text: str = "") -> None:
        self.text = text.strip()
        ids: set[str] = set()
        words: list[str] = []
        for term in self.text.split():
            if term.lower().startswith(ID_PREFIX):
                ids.update(i for i in term[len(ID_PREFIX) :].split(",") if i)
            else:
                words.append(term.lower())
        self.ids = frozenset(ids)
        self.words = tuple(words)

    def __bool__(self) -> bool:
        return bool(self.text)

    def matches(self, line: model.LogLine) -> bool:
        if self.ids and line.node not in self.ids and line.daemon_id not in self.ids:
            return False
        if self.words:
            haystack = (
                f"{line.node} {line.daemon} {line.daemon_id} {line.level} {line.kind} {line.message}".lower()
            )
            return all(word in haystack for word in self.words)
        return True


class LogsPanel(Panel, Exportable):
    """Log lines of the mesh, appended as they come; `/` filters, `l` elsewhere jumps here filtered.

    Variants: `events_only` (the NET.MAP tail of cluster events), `follow` ("group": the lines
    of the selected group's members; "node": the selected node's), `chips` (the level row).
    """

    sources = (SOURCE,)
    export_name = "logs"

    def __init__(
        self,
        ctx: PanelContext,
        client: MeshClient,
        *,
        events_only: bool = False,
        follow: str = "none",
        chips: bool = True,
    ) -> None:
        super().__init__(ctx)
        self.client = client
        self.events_only = events_only
        self.follow = follow
        self.snapshot: MeshSnapshot | None = None
        self.filter = LogFilter()
        self.paused = False
        self.log = LogView(LOG_CAPACITY, show_source=True)
        self._last_seq = -1
        self._followed: str | None = None
        self._width = len(f"node-{client.mesh.node_count - 1}")
        self._chips = urwid.Text("", wrap="clip") if chips else None
        body: urwid.Widget = self.log
        if self._chips is not None:
            body = urwid.Pile([("pack", self._chips), self.log], focus_item=1)
        self.widget = SyncOnDraw(body, self._before_draw)
        if events_only:
            self.export_name = "events"

    # ---- data -------------------------------------------------------------------------------------

    def update(self, result: Result[MeshSnapshot]) -> None:
        self.snapshot = result.value

    def _before_draw(self) -> None:
        self.sync()
        if self._chips is not None:
            self._chips.set_text(self._chip_markup())

    def _wanted(self, line: model.LogLine) -> bool:
        if self.events_only and line.kind == "log":
            return False
        return self.filter.matches(line)

    def sync(self) -> None:
        """Append the lines that arrived since the last draw (nothing while paused)."""
        snapshot = self.snapshot
        if snapshot is None or self.paused:
            return
        if self.follow != "none" and followed(self.ctx.deck, self.follow) != self._followed:
            self._follow(snapshot)
            return
        logs = snapshot.logs
        if not logs or logs[-1].seq <= self._last_seq:
            return
        fresh: list[model.LogLine] = []
        for line in reversed(logs):
            if line.seq <= self._last_seq:
                break
            fresh.append(line)
        self._last_seq = logs[-1].seq
        self.log.extend(self._converted(reversed(fresh)))

    def _follow(self, snapshot: MeshSnapshot) -> None:
        """Show the lines of the selected node, or of the selected group's members."""
        self._followed = chosen = followed(self.ctx.deck, self.follow)
        if self.follow == "group":
            ids = [d.id for d in snapshot.daemons if d.group == chosen]
        else:
            ids = [chosen] if chosen else []
        self.filter = LogFilter(ID_PREFIX + ",".join(ids or [_NOBODY]))
        self._refill(snapshot)

    def _refill(self, snapshot: MeshSnapshot) -> None:
        logs = snapshot.logs
        self._last_seq = logs[-1].seq if logs else -1
        self.log.replace(self._converted(logs))

    def _converted(self, lines: Iterable[model.LogLine]) -> list[LogLine]:
        width = self._width
        result = []
        for line in lines:
            if not self._wanted(line):
                continue
            named = not line.daemon or line.daemon == AGENT or line.daemon in line.message
            who = "" if named else f"{line.daemon}: "
            result.append(
                LogLine(
                    f"{kind_icon(line.kind)} {who}{line.message}",
                    line.level,
                    line.ts,
                    f"{line.node or 'mesh':<{width}}",
                )
            )
        return result

    # ---- operator controls ------------------------------------------------------------------------

    @property
    def filterable(self) -> bool:
        return True

    def apply_filter(self, text: str) -> None:
        self.filter = LogFilter(_printable(text))
        words = self.filter.words
        self.log.search = words[0] if len(words) == 1 else ""
        if self.snapshot is not None:
            self._refill(self.snapshot)

    def toggle_pause(self) -> bool:
        """Freeze the view (no new lines) or resume it with everything that arrived meanwhile."""
        self.paused = not self.paused
        if self.log.paused != self.paused:
            self.log.toggle_pause()
        if not self.paused:
            self.sync()
        return self.paused

    def cycle_level(self) -> str:
        return self.log.cycle_level()

    # ---- chrome -----------------------------------------------------------------------------------

    def _chip_markup(self) -> list[Segment]:
        markup: list[Segment] = []
        for level in LEVELS:
            role = "tab_active" if level == self.log.level else "tab"
            markup += [(role, f" {_CHIPS[level]} "), ("text", " ")]
        shown = f"{len(self.log)} lines"
        if self.filter:
            markup += [("muted", "│ match "), ("accent", self.filter.text), ("muted", f" · {shown} ")]
        else:
            markup.append(("muted", f"│ {shown} "))
        if self.paused:
            markup.append(("warn", "│ ‖ paused (p resumes)"))
        elif self.log.follow:
            markup.append(("good", "│ ● following"))
        else:
            markup.append(("muted", "│ scrolled (End follows)"))
        return markup

    @property
    def title(self) -> str:
        chosen = followed(self.ctx.deck, self.follow)
        return f"{self.ctx.title} · {chosen}" if chosen else self.ctx.title

    @property
    def subtitle(self) -> str:
        if self._chips is not None:
            return "v level · p pause · / filter"
        state = "paused" if self.paused else "following" if self.log.follow else "scrolled"
        return f"{len(self.log)} lines · {state}"

    def hints(self) -> Sequence[tuple[str, str]]:
        return (("End", "follow"),)

    # ---- export -----------------------------------------------------------------------------------

    def export_rows(self) -> tuple[list[str], list[list[str]]]:
        """The lines that pass the filter and the level, oldest first."""
        snapshot = self.snapshot
        if snapshot is None:
            return ["TIME", "LEVEL", "NODE", "DAEMON", "KIND", "MESSAGE"], []
        floor = list(LEVELS).index(self.log.level)
        rows = [
            [
                _stamp(line.ts),
                line.level,
                line.node or "",
                f"{line.daemon} {line.daemon_id}" if line.daemon else "",
                line.kind,
                line.message,
            ]
            for line in snapshot.logs
            if self._wanted(line) and model.LEVEL_RANK[line.level] >= floor
        ]
        return ["TIME", "LEVEL", "NODE", "DAEMON", "KIND", "MESSAGE"], rows
