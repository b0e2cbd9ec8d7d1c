"""The dashboard's views: banner and status, components, watchers, GPU map, and the raw state."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import urwid

from deck import JsonPanel, Panel, PanelContext, Result, TablePanel, sanitize
from deck.widgets import Banner, Cell, Column, Gauge, KeyValue, badge, local_time

from .client import SCALABLE_COMPONENTS, StateError, StateSnapshot, Watcher, gpu_sort_key
from .model_command import short_command
from .source import SOURCE, FolderView, Problem

__all__ = [
    "ComponentRow",
    "ComponentsPanel",
    "GpuRow",
    "GpusPanel",
    "OverviewPanel",
    "StatePanel",
    "WatchersPanel",
    "namespace_segment",
]

BANNER = "DYNAMO"
#: Above this many watchers the raw state starts folded (Enter unfolds, + unfolds all).
FOLD_ABOVE = 100
_ICONS = {"good": "✓", "warn": "!", "bad": "✗"}


class _Notice(urwid.WidgetWrap[urwid.Widget]):
    """A problem drawn in the middle of a panel instead of its content, wrapped to fit."""

    def __init__(self) -> None:
        self._text = urwid.Text("", align="center")
        super().__init__(urwid.Filler(self._text, valign="middle"))

    def show(self, problem: Problem) -> None:
        icon = _ICONS.get(problem.level, "·")
        markup: list[tuple[str, str]] = [(problem.level, f"{icon} {sanitize(problem.headline)}")]
        markup += [("muted", "\n" + sanitize(detail)) for detail in problem.details]
        self._text.set_text(markup)

    @property
    def text(self) -> str:
        """The notice as plain text."""
        return str(self._text.text)


class _FollowsView:
    """Mixin: a panel fed by the dynamo view, showing the view's problem in place of its content."""

    sources: Sequence[str] = (SOURCE,)
    widget: urwid.Widget

    def _follow(self) -> None:
        self.content = self.widget
        self.notice = _Notice()
        self.current: FolderView | None = None

    def update(self, result: Result[FolderView]) -> None:
        view = result.value
        assert view is not None
        self.current = view
        problem = view.problem
        if problem is not None:
            self.notice.show(problem)
            self.widget = self.notice
            self.clear()
            return
        assert view.snapshot is not None
        self.widget = self.content
        self.show(view.snapshot, view)

    def show(self, state: StateSnapshot, view: FolderView) -> None:
        """Draw a readable state."""

    def clear(self) -> None:
        """Forget the rows of a state no longer shown, so actions never act on them."""


class _FollowsTable(_FollowsView):
    """Mixin for the table panels: no rows while there is a problem."""

    table: Any

    def clear(self) -> None:
        self.table.update([])


def _namespace_title(view: FolderView | None, fallback: str) -> str:
    if view is None or view.namespace is None:
        return fallback
    return f"{fallback} · {view.namespace}"


class OverviewPanel(Panel):
    """The DYNAMO banner with the namespace's file, circus endpoint, last change and health."""

    sources = (SOURCE,)

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx)
        self.banner = Banner(BANNER)
        self.facts = KeyValue()
        width = urwid.BigText(BANNER, urwid.HalfBlock5x4Font()).pack()[0]
        self.widget = urwid.Columns(
            [(width, urwid.Filler(self.banner, valign="top")), self.facts], dividechars=3
        )
        self.current: FolderView | None = None

    def update(self, result: Result[FolderView]) -> None:
        view = result.value
        assert view is not None
        self.current = view
        self.facts.pairs = self._pairs(view)

    @property
    def title(self) -> str:
        return _namespace_title(self.current, self.ctx.title)

    @property
    def subtitle(self) -> str:
        if self.current is None or len(self.current.namespaces) < 2:
            return ""
        return f"{len(self.current.namespaces)} namespaces · n switches"

    def _pairs(self, view: FolderView) -> list[tuple[str | None, Cell]]:
        state = view.state
        namespace: Cell = [("accent", view.namespace)] if view.namespace else [("muted", "—")]
        if state is not None:
            namespace = [*namespace, ("muted", " · "), ("text", str(state.path))]
        problem = view.problem
        if problem is not None:
            status: Cell = [(problem.level, f"{_ICONS[problem.level]} {problem.headline}")]
            pairs: list[tuple[str | None, Cell]] = [("Namespace", namespace), ("Status", status)]
            if isinstance(state, StateError):
                pairs.append(("Problem", [("bad", state.problem)]))
                pairs += [("", [("muted", detail)]) for detail in problem.details[1:]]
            else:
                pairs += [("", [("muted", detail)]) for detail in problem.details]
            return pairs
        assert isinstance(state, StateSnapshot)
        warnings: list[tuple[str | None, Cell]] = [("Warning", [("warn", w)]) for w in state.warnings]
        return [
            ("Namespace", namespace),
            ("Status", self._health(state)),
            *warnings[:1],  # the first warning before the details, the rest after them
            ("Changed", [*_when(state.version.mtime_ns / 1e9), ("muted", f" · {state.version.short}")]),
            ("Circus", state.circus_endpoint or [("muted", "— (no circus_endpoint)")]),
            *warnings[1:],
        ]

    @staticmethod
    def _health(state: StateSnapshot) -> Cell:
        listed = len(state.gpu_info)
        used = listed - len(state.free_gpus)
        summary = f"{len(state.watchers)} watchers · {used}/{listed} GPUs used"
        if state.warnings:
            count = len(state.warnings)
            return [("warn", f"! {summary} · {count} warning{'s' if count > 1 else ''}")]
        return [("good", f"✓ {summary}")]


def _when(seconds: float) -> list[tuple[str | None, str]]:
    """A file time: the clock time when today, with the date otherwise."""
    same_day = time.strftime("%Y%m%d", time.localtime(seconds)) == time.strftime("%Y%m%d")
    text = local_time(seconds, "%H:%M:%S" if same_day else "%Y-%m-%d %H:%M:%S")
    return [("text", text)] if isinstance(text, str) else list(text)


@dataclass(frozen=True)
class ComponentRow:
    """One line of the component summary."""

    component: str
    count: int
    gpus: str
    watchers: str


def _instance(watcher: Watcher, base: str) -> str:
    """`base` for the base entry, else the key's suffix (1, 2, ... or what the file has)."""
    suffix = watcher.key.removeprefix(base).lstrip("_") or "base"
    return suffix + (" (released)" if watcher.released else "")


def _component_rows(state: StateSnapshot) -> list[ComponentRow]:
    rows = []
    for summary in state.components:
        base = f"{state.namespace}_{summary.component}"
        names = [_instance(w, base) for w in summary.watchers]
        rows.append(
            ComponentRow(
                component=summary.component,
                count=summary.count,
                gpus=",".join(summary.gpus),
                watchers=", ".join(names),
            )
        )
    return rows


def _component_cell(component: str) -> Cell:
    if component in SCALABLE_COMPONENTS:
        return [("magenta", "⚡ " + component)]
    return [("text", "   " + component)]  # as wide as "⚡ "


class ComponentsPanel(_FollowsTable, TablePanel[ComponentRow]):
    """Every component type with its watchers, count and GPUs; the scalable ones first."""

    columns = (
        Column("Component", lambda r: r.component, width=16, render=_component_cell),
        Column("Count", lambda r: r.count, width=5, align="right"),
        Column("GPUs", lambda r: r.gpus or None, width=9),
        Column("Watchers", lambda r: r.watchers, weight=3),
    )

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx, row_id=lambda r: r.component, empty="no components")
        self._follow()

    def show(self, state: StateSnapshot, view: FolderView) -> None:
        self.table.update(_component_rows(state))

    @property
    def subtitle(self) -> str:
        state = self.current.snapshot if self.current is not None else None
        if state is None:
            return ""
        counts = [f"{c.component} {c.count}" for c in state.components if c.component in SCALABLE_COMPONENTS]
        return " · ".join(counts)


def _watcher_gpus(watcher: Watcher) -> str | None:
    if watcher.allocated_gpus:
        return ",".join(watcher.allocated_gpus)
    return "released" if watcher.released else None


def _gpus_cell(value: str | None) -> Cell:
    return value if value and value != "released" else [("muted", value or "—")]


def _index_cell(index: int | None) -> Cell:
    return [("warn", "?")] if index is None else str(index)


class WatchersPanel(_FollowsTable, TablePanel[Watcher]):
    """Every circus watcher of the namespace; Enter shows its full command."""

    columns = (
        Column("Watcher", lambda w: w.key, weight=3, min_width=18),
        Column("Index", lambda w: w.index, width=5, align="right", render=_index_cell),
        Column("GPUs", _watcher_gpus, width=8, render=_gpus_cell),
        Column("Command", lambda w: short_command(w.cmd), weight=7, min_width=10),
    )

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx, row_id=lambda w: w.key, empty="no watchers")
        self._follow()

    def show(self, state: StateSnapshot, view: FolderView) -> None:
        self.table.update(state.watchers)


@dataclass(frozen=True)
class GpuRow:
    """One GPU of the map: its holders named without the namespace prefix."""

    gpu: str
    state: str  # free, in use, shared (more than one holder), unlisted (not in gpu_info)
    holders: str


def _gpu_rows(state: StateSnapshot) -> list[GpuRow]:
    prefix = f"{state.namespace}_"
    rows = []
    for slot in state.gpus:
        if not slot.listed:
            label = "unlisted"
        elif len(slot.holders) > 1:
            label = "shared"
        else:
            label = "free" if slot.free else "in use"
        holders = ", ".join(holder.removeprefix(prefix) for holder in slot.holders)
        rows.append(GpuRow(slot.gpu, label, holders))
    return rows


class GpusPanel(_FollowsTable, TablePanel[GpuRow]):
    """SYSTEM_RESOURCES as a map: which watcher holds which GPU, and which are free."""

    columns = (
        Column("GPU", lambda r: r.gpu, width=5, align="right", sort_key=gpu_sort_key),
        Column(
            "State",
            lambda r: r.state,
            width=10,
            render=badge({"free": "good", "in use": "magenta", "shared": "bad", "unlisted": "warn"}),
        ),
        Column("Holder", lambda r: r.holders or None, weight=1),
    )

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx, row_id=lambda r: r.gpu, empty="no GPUs in SYSTEM_RESOURCES")
        self.gauge = Gauge("Allocated", warn=1.0, bad=2.0)
        self.widget = urwid.Pile([("pack", self.gauge), self.table])
        self._follow()

    def show(self, state: StateSnapshot, view: FolderView) -> None:
        listed = len(state.gpu_info)
        used = listed - len(state.free_gpus)
        self.gauge.update(used / listed if listed else None, f"{used}/{listed}")
        self.table.update(_gpu_rows(state))

    @property
    def subtitle(self) -> str:
        state = self.current.snapshot if self.current is not None else None
        if state is None:
            return ""
        free = len(state.free_gpus)
        return f"{free} free" if state.gpu_info else "no inventory"


class StatePanel(_FollowsView, JsonPanel):
    """The state file as coloured, foldable JSON (Enter folds, - folds all, + unfolds all)."""

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx)
        self._follow()
        self._file: Path | None = None

    def show(self, state: StateSnapshot, view: FolderView) -> None:
        self.view.value = view.document
        if state.path != self._file:
            self._file = state.path
            if len(state.watchers) > FOLD_ABOVE:
                # Drawing means flattening every line on the event loop: fold a big file up front.
                self.view.fold_all(True)

    def clear(self) -> None:
        self.view.value = None
        self._file = None

    @property
    def title(self) -> str:
        return _namespace_title(self.current, self.ctx.title)

    @property
    def subtitle(self) -> str:
        state = self.current.snapshot if self.current is not None else None
        if state is None:
            return ""
        return f"{state.path.name} · {state.version.size:,} bytes · version {state.version.short}"

    def hints(self) -> Sequence[tuple[str, str]]:
        return (("enter", "fold"), ("-", "fold all"), ("+", "unfold all"))


def namespace_segment(result: Result[FolderView]) -> Any:
    """The header's word on the state files: the namespace on show, or that there are none."""
    view = result.value
    if view is None:
        return ""
    if view.problem is not None and view.namespace is None:
        return [("muted", "no state files")]
    role = "bad" if view.state is not None and not view.state.ok else "accent"
    return [("muted", "ns "), (role, view.namespace or "—")]
