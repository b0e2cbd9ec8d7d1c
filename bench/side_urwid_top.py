"""The idle floor of a Python dashboard: the system layout's work in the fewest lines of urwid.

    python bench/side_urwid_top.py

A header clock redrawn each second, and every 2 s the CPU per core, memory and the busiest
processes read with psutil and shown as plain text: no plugins, sources, threads, theme,
recorder or tables. What the deck costs over this is the deck's own; what this costs over
htop is Python's, urwid's and psutil's. `q` quits.
"""

from __future__ import annotations

import asyncio
import time

import psutil
import urwid

REFRESH = 2.0
ATTRS = ["pid", "username", "cpu_percent", "memory_percent", "memory_info", "status", "name"]


def processes(limit: int) -> list[str]:
    """The busiest processes as table lines, the way top shows them."""
    rows = []
    for process in psutil.process_iter(ATTRS):
        info = process.info
        rss = info["memory_info"].rss if info["memory_info"] else 0
        rows.append((info["cpu_percent"] or 0.0, info["pid"], info, rss))
    rows.sort(key=lambda row: (-row[0], row[1]))
    return [
        f"{pid:>7} {(info['username'] or '?')[:8]:<8} {cpu:5.1f} {info['memory_percent'] or 0:5.1f}"
        f" {rss / 2**20:8.1f}M {(info['status'] or '?')[:1]} {info['name'] or ''}"
        for cpu, pid, info, rss in rows[:limit]
    ]


def main() -> None:
    clock = urwid.Text("")
    summary = urwid.Text("")
    table = urwid.Text("")
    body = urwid.Filler(urwid.Pile([summary, urwid.Divider(), table]), valign="top")
    frame = urwid.Frame(body, header=urwid.AttrMap(clock, "header"))

    def tick() -> None:
        clock.set_text(f" bare urwid top   {time.strftime('%H:%M:%S')}")
        loop.set_alarm_in(1.0 - time.time() % 1.0, lambda *_: tick())

    def refresh() -> None:
        cores = psutil.cpu_percent(percpu=True)
        memory = psutil.virtual_memory()
        summary.set_text(
            f"CPU {' '.join(f'{c:4.0f}%' for c in cores)}   Memory {memory.percent:.0f}%   processes"
        )
        table.set_text("\n".join(processes(40)))
        loop.set_alarm_in(REFRESH, lambda *_: refresh())

    def keys(key: str) -> None:
        if key == "q":
            raise urwid.ExitMainLoop

    loop = urwid.MainLoop(
        frame,
        [("header", "black", "light cyan")],
        event_loop=urwid.AsyncioEventLoop(loop=asyncio.new_event_loop()),
        unhandled_input=keys,
    )
    tick()
    refresh()
    loop.run()


if __name__ == "__main__":
    main()
