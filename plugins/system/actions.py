"""Acting on processes: send a signal, always confirmed."""

from __future__ import annotations

import os
import signal

from deck import Action, ActionContext, ActionError
from deck.plugins.system.source import ProcessInfo

__all__ = ["ACTIONS"]

SIGNALS = ("SIGTERM", "SIGKILL", "SIGHUP", "SIGINT", "SIGSTOP", "SIGCONT", "SIGUSR1", "SIGUSR2")


async def send_signal(ctx: ActionContext) -> str | None:
    """Pick a signal, confirm, send it to the selected process."""
    process = ctx.selection
    if not isinstance(process, ProcessInfo):
        raise ActionError("select a process first")
    name = await ctx.choose(
        f"Signal for {process.pid} ({process.name})", [s for s in SIGNALS if hasattr(signal, s)]
    )
    if name is None:
        return None
    question = (
        f"Send {name} to process {process.pid} ({process.name}, user {process.user})?\n\n"
        f"{process.command[:200]}"
    )
    if not await ctx.confirm(
        question,
        title="Send signal",
        destructive=name in ("SIGKILL", "SIGTERM", "SIGSTOP", "SIGINT"),
        ok=f"Send {name}",
    ):
        return "cancelled"
    try:
        os.kill(process.pid, getattr(signal, name))
    except ProcessLookupError:
        raise ActionError(f"process {process.pid} has already exited") from None
    except PermissionError:
        raise ActionError(
            f"not permitted to signal process {process.pid} (owned by {process.user})"
        ) from None
    ctx.refresh("system.processes")
    return f"sent {name} to {process.pid} ({process.name})"


ACTIONS = [
    Action(
        "system.kill",
        "Send a signal",
        send_signal,
        keys=("k",),
        scope="system.processes",
        mutating=True,
        description="choose a signal and send it to the selected process, after confirmation",
    ),
]
