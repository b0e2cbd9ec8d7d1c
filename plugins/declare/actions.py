"""Declared actions: a key runs a command built from the selected row, its output streamed to a pane."""

from __future__ import annotations

import asyncio
import os
import shlex
import string
import threading
from collections.abc import Callable, Mapping
from typing import Any

from deck import Action, ActionContext, ActionError, sanitize
from deck.plugins.declare.client import FetchError, stream_command
from deck.plugins.declare.model import MASK, ActionSpec, mask_text
from deck.plugins.declare.panels_table import DeclaredRow, DeclaredTable
from deck.plugins.declare.source import source_name
from deck.widgets import LogLine

__all__ = ["TABLE", "declared_actions", "fill_argv"]

TABLE = "declare.table"
_UNSAFE = frozenset(chr(c) for c in range(32)) | {"\x7f"}


def fill_argv(argv: tuple[str, ...], fields: Mapping[str, Any]) -> tuple[str, ...]:
    """The argv with each `{field}` replaced by the row's value; one argument never becomes two."""
    filled = []
    for part in argv:
        text = []
        for literal, name, _, _ in string.Formatter().parse(part):
            text.append(literal)
            if name is None:
                continue
            if name not in fields or fields[name] is None:
                known = ", ".join(sorted(fields)) or "none"
                raise ActionError(f"the selected row has no value for {{{name}}} (fields: {known})")
            value = str(fields[name])
            if value == MASK:
                raise ActionError(f"{{{name}}} is a masked secret; it is never passed to a command")
            if _UNSAFE.intersection(value):
                raise ActionError(f"{{{name}}} holds control characters: {sanitize(value)}")
            text.append(value)
        filled.append("".join(text))
    return tuple(filled)


def _row(ctx: ActionContext, spec: ActionSpec | None = None) -> DeclaredRow:
    panel = ctx.panel
    if spec is not None and spec.source and isinstance(panel, DeclaredTable) and panel.source != spec.source:
        raise ActionError(f"acts on rows of source {spec.source!r}; this table shows {panel.source!r}")
    if not isinstance(ctx.selection, DeclaredRow):
        raise ActionError("select a row first")
    return ctx.selection


def show_detail(ctx: ActionContext) -> None:
    """Every field of the selected row, as JSON."""
    row = _row(ctx)
    ctx.show_json(f"Row {sanitize(row.id[0])}", dict(row.fields))


def _question(spec: ActionSpec) -> Callable[[ActionContext], str]:
    def question(ctx: ActionContext) -> str:
        fields = _row(ctx, spec).fields
        argv = fill_argv(spec.argv, fields)
        effect = "changes something outside the deck" if spec.mutating else "only reads"
        row = "  ".join(f"{name}={value}" for name, value in fields.items())
        row = row if len(row) <= 300 else row[:299] + "…"
        return f"Run this command? ({effect})\n\n{sanitize(shlex.join(argv))}\n\nfor the row: {sanitize(row)}"

    return question


def _runner(spec: ActionSpec) -> Callable[[ActionContext], Any]:
    async def run(ctx: ActionContext) -> str:
        argv = fill_argv(spec.argv, _row(ctx, spec).fields)
        program = os.path.basename(argv[0])
        write = ctx.show_log(f"{spec.title}: {shlex.join(argv)}")
        loop = asyncio.get_running_loop()
        pending = {False: b"", True: b""}

        def take(chunk: bytes, is_stderr: bool) -> None:
            # Called in the worker thread: whole lines go to the loop, the rest waits for more.
            text = pending[is_stderr] + chunk
            *lines, pending[is_stderr] = text.split(b"\n")
            if lines:
                loop.call_soon_threadsafe(write, _log_lines(lines, is_stderr))

        stop = threading.Event()
        try:
            output = await ctx.run_blocking(
                stream_command,
                argv,
                timeout=spec.timeout,
                max_bytes=spec.max_bytes,
                on_output=take,
                stop=stop,
            )
        except asyncio.CancelledError:  # the deck is closing: the command goes with it
            stop.set()
            raise
        except FetchError as exc:
            write([LogLine(f"{program}: {exc}", "error")])
            raise ActionError(f"{program}: {exc}") from None
        finally:
            rest = [data for data in (pending[False], pending[True]) if data]
            write(_log_lines(rest, False))
            if isinstance(ctx.panel, DeclaredTable):
                ctx.refresh(source_name(ctx.panel.source))
        if output.capped:
            write([LogLine(f"output cut at {spec.max_bytes} bytes; the command was stopped", "warn")])
        ok = output.status == 0
        write(
            [LogLine(f"exit status {output.status} after {output.seconds:.1f} s", "info" if ok else "error")]
        )
        if not ok:
            raise ActionError(f"{program} exited with status {output.status} (its output is in the pane)")
        return f"{spec.title}: {program} finished (exit 0)"

    return run


def _log_lines(lines: list[bytes], is_stderr: bool) -> list[LogLine]:
    level = "warn" if is_stderr else "info"
    return [LogLine(mask_text(line.decode("utf-8", "replace").rstrip("\r")), level) for line in lines]


def declared_actions(specs: tuple[ActionSpec, ...]) -> list[Action]:
    """The detail action every declared table has, and one action per declared command."""
    actions = [
        Action(
            "declare.detail",
            "Row detail",
            show_detail,
            keys=("enter",),
            scope=TABLE,
            description="every field of the selected row, as JSON",
        )
    ]
    for spec in specs:
        actions.append(
            Action(
                spec.id,
                spec.title,
                _runner(spec),
                keys=(spec.key,),
                scope=TABLE,
                mutating=spec.mutating,
                destructive=spec.destructive,
                confirm=_question(spec) if spec.confirm else None,
                description=f"runs {shlex.join(spec.argv)} for the selected row"
                + (f" of {spec.source!r}" if spec.source else ""),
            )
        )
    return actions
