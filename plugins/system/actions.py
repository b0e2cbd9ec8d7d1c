"""Acting on processes as htop does: signal (always confirmed), tag, tree, sort, details."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from typing import TypeVar

from deck import Action, ActionContext, ActionError
from deck.plugins.system.client import ProcessGone, process_details, send_signal
from deck.plugins.system.model import ProcessDetails, ProcessInfo
from deck.plugins.system.panels_processes import ProcessesPanel
from deck.widgets import bytes_

__all__ = ["ACTIONS", "details_text"]

T = TypeVar("T")

SIGNALS = ("SIGTERM", "SIGKILL", "SIGHUP", "SIGINT", "SIGSTOP", "SIGCONT", "SIGUSR1", "SIGUSR2")
SCOPE = "system.processes"
#: How many targets a confirmation lists before it says "and N more".
LISTED = 8


def _panel(ctx: ActionContext) -> ProcessesPanel:
    if not isinstance(ctx.panel, ProcessesPanel):
        raise ActionError("focus the processes table first")
    return ctx.panel


def _targets(ctx: ActionContext) -> list[ProcessInfo]:
    """The tagged processes, or else the selected one."""
    tagged = _panel(ctx).tagged
    return tagged or [_selected(ctx)]


def _selected(ctx: ActionContext) -> ProcessInfo:
    """The process selected when the key was pressed."""
    if not isinstance(ctx.selection, ProcessInfo):
        raise ActionError("select a process first")
    return ctx.selection


async def send(ctx: ActionContext) -> str | None:
    """Pick a signal, confirm once, send it to the tagged processes or the selected one."""
    targets = _targets(ctx)
    what = _named(targets) if len(targets) == 1 else f"{len(targets)} tagged processes"
    name = await ctx.choose(f"Signal for {what}", [s for s in SIGNALS if hasattr(signal, s)])
    if name is None:
        return None
    listed = [f"{p.pid:>7}  {p.user:<10} {p.command[:60]}" for p in targets[:LISTED]]
    if len(targets) > LISTED:
        listed.append(f"… and {len(targets) - LISTED} more")
    question = (
        f"Send {name} to process {targets[0].pid} ({targets[0].name}, user {targets[0].user})?"
        if len(targets) == 1
        else f"Send {name} to these {len(targets)} processes?"
    )
    if not await ctx.confirm(
        question + "\n\n" + "\n".join(listed), title="Send signal", destructive=True, ok=f"Send {name}"
    ):
        return "cancelled"
    sent, refused = [], []
    for process in targets:
        try:
            send_signal(process.pid, process.started, getattr(signal, name))
            sent.append(process)
        except ProcessGone as exc:
            refused.append(str(exc))
        except PermissionError:
            refused.append(f"not permitted to signal process {process.pid} (owned by {process.user})")
    ctx.refresh("system.processes")
    if len(targets) > 1:
        _panel(ctx).untag_all()
    if refused and not sent:
        raise ActionError("; ".join(refused))
    done = f"sent {name} to " + (_named(sent) if len(sent) == 1 else f"{len(sent)} processes")
    return done + (f"; refused: {'; '.join(refused)}" if refused else "")


def _named(processes: list[ProcessInfo]) -> str:
    return f"{processes[0].pid} ({processes[0].name})"


async def details(ctx: ActionContext) -> None:
    """Show the selected process in full: command line, cwd, files, connections, children."""
    process = _selected(ctx)
    try:
        found = await ctx.run_blocking(process_details, process.pid, process.started)
    except ProcessGone as exc:
        raise ActionError(str(exc)) from None
    ctx.show_text(f"Process {process.pid} ({process.name})", details_text(found, process))


def details_text(found: ProcessDetails, process: ProcessInfo) -> str:
    """The detail view's text: everything known about one process, long values whole."""
    denied = "not permitted"
    when = found.create_time
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when)) if when is not None else "?"
    lines = [
        f"PID       {found.pid}    parent {found.parent}    user {found.user}",
        f"State     {found.status}    threads {found.threads}    started {started}",
        f"CPU       {process.cpu:.1f}%    memory {bytes_(process.rss)} ({process.memory:.1f}%)",
    ]
    if process.gpus:
        memory = bytes_(process.gpu_memory) if process.gpu_memory is not None else "n/a"
        share = f"{process.gpu_percent:.0f}%" if process.gpu_percent is not None else "n/a"
        lines.append(f"GPU       {', '.join(map(str, process.gpus))}    memory {memory}    SM {share}")
    lines += [
        f"Exe       {found.exe or denied}",
        f"Cwd       {found.cwd if found.cwd is not None else denied}",
        "",
        "Command line:",
        "  " + (" ".join(found.command) or f"[{found.name}]"),
    ]
    lines += _section("Children", found.children, lambda c: f"{c[0]}  {c[1]}")
    lines += _section("Open files", found.open_files, str)
    lines += _section("Connections", found.connections, str)
    return "\n".join(lines)


def _section(title: str, items: tuple[T, ...] | None, show: Callable[[T], str]) -> list[str]:
    if items is None:
        return ["", f"{title}: not permitted"]
    return ["", f"{title} ({len(items)}):", *(f"  {show(item)}" for item in items)]


def _view(change: Callable[[ProcessesPanel], None]) -> Callable[[ActionContext], None]:
    def handler(ctx: ActionContext) -> None:
        change(_panel(ctx))

    return handler


async def search(ctx: ActionContext) -> None:
    """Jump to the next process whose command holds a text, as htop's F3 does (no filtering)."""
    panel = _panel(ctx)
    text = await ctx.prompt("Search: next process whose command holds", default=panel.searched)
    if not text:
        return
    panel.searched = text
    if not panel.find(text):
        raise ActionError(f"no process's command holds {text!r}")


async def sort(ctx: ActionContext) -> None:
    """Pick the column to sort by, as htop's F6 does."""
    panel = _panel(ctx)
    title = await ctx.choose("Sort by", panel.sortable)
    if title is not None:
        panel.sort_by(title)


def _sort_action(key: str, title: str, what: str) -> Action:
    return Action(
        f"system.sort_{what.lower()}",
        f"Sort by {what}",
        _view(lambda panel: panel.sort_by(title)),
        keys=(key,),
        scope=SCOPE,
    )


ACTIONS = [
    Action(
        "system.kill",
        "Send a signal",
        send,
        keys=("f9", "K"),
        scope=SCOPE,
        mutating=True,
        destructive=True,
        description="choose a signal and send it to the tagged processes (or the selected one), "
        "after confirmation; a pid reused since it was shown is refused",
    ),
    Action(
        "system.details",
        "Details",
        details,
        keys=("enter",),
        scope=SCOPE,
        description="command line, cwd, open files, connections and children of the selected process",
    ),
    Action("system.tag", "Tag", _view(ProcessesPanel.toggle_tag), keys=(" ",), scope=SCOPE),
    Action("system.untag", "Untag all", _view(ProcessesPanel.untag_all), keys=("U",), scope=SCOPE),
    Action("system.tree", "Tree", _view(ProcessesPanel.toggle_tree), keys=("t", "f5"), scope=SCOPE),
    Action("system.search", "Search", search, keys=("f3",), scope=SCOPE),
    Action("system.sort", "Sort by…", sort, keys=("f6",), scope=SCOPE),
    _sort_action("P", "CPU%", "CPU"),
    _sort_action("M", "MEM%", "memory"),
    _sort_action("T", "TIME+", "time"),
]
