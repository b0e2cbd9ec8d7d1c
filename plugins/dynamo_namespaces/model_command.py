"""A watcher's command line: abbreviated for a table cell, whole and decoded for a viewer."""

from __future__ import annotations

import contextlib
import json
import re
import textwrap
from typing import Any

from .client import Watcher

__all__ = ["COMMAND_WIDTH", "command_text", "short_command"]

#: The text viewer is 100 columns wide; pre-wrapped lines keep its height right.
COMMAND_WIDTH = 94
_WORKER_ENV = "--worker-env "
_COMPONENT_NAME = re.compile(r" --custom-component-name ('[^']*'|\S+)")


def _json_end(text: str, start: int) -> int:
    """Where the --worker-env argument starting at `start` ends (quoted or bare JSON)."""
    quoted = text.startswith("'", start)
    try:
        _, end = json.JSONDecoder().raw_decode(text, start + quoted)
    except ValueError:
        following = text.find(" --", start)
        return len(text) if following < 0 else following
    return end + 1 if quoted and text.startswith("'", end) else end


def short_command(cmd: str) -> str:
    """A command for a table cell: no interpreter path, --worker-env's JSON elided."""
    text = cmd.strip()
    program, sep, rest = text.partition(" -m ")
    if sep and " " not in program:
        module, _, arguments = rest.partition(" ")
        text = f"{module.rsplit('.', 1)[-1]} {arguments}".rstrip()
    else:
        first, _, arguments = text.partition(" ")
        text = f"{first.rsplit('/', 1)[-1]} {arguments}".rstrip()
    at = text.find(_WORKER_ENV)
    if at >= 0:
        start = at + len(_WORKER_ENV)
        text = text[:start] + "…" + text[_json_end(text, start) :]
    return _COMPONENT_NAME.sub("", text)


def _decoded_env(cmd: str) -> Any:
    """The --worker-env list of a command, its DYNAMO_SERVICE_CONFIG string decoded too."""
    at = cmd.find(_WORKER_ENV)
    if at < 0:
        return None
    start = at + len(_WORKER_ENV)
    try:
        env = json.loads(cmd[start : _json_end(cmd, start)].strip("'"))
    except ValueError:
        return None
    for entry in env if isinstance(env, list) else ():
        config = entry.get("DYNAMO_SERVICE_CONFIG") if isinstance(entry, dict) else None
        if isinstance(config, str):
            with contextlib.suppress(ValueError):
                entry["DYNAMO_SERVICE_CONFIG"] = json.loads(config)
    return env


def command_text(watcher: Watcher, width: int = COMMAND_WIDTH) -> str:
    """What Enter shows for a watcher: its facts, the full command, and its decoded env."""
    gpus = ", ".join(watcher.allocated_gpus) or ("none (released)" if watcher.released else "none")
    index = "not a number" if watcher.index is None else str(watcher.index)
    lines = [
        f"watcher    {watcher.watcher_name}",
        f"component  {watcher.component} (index {index})",
        f"GPUs       {gpus}",
        "",
        "command, as in the state file (wrapped):",
        *(textwrap.wrap(watcher.cmd, width, break_on_hyphens=False) or ["(none)"]),
    ]
    env = _decoded_env(watcher.cmd)
    if env is not None:
        lines += ["", "--worker-env, decoded:", json.dumps(env, indent=2, ensure_ascii=False)]
    return "\n".join(lines)
