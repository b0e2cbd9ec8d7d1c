"""`deck NAME ...`: subcommands that plugins contribute through `deck_commands`."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from deck._actions import Command
from deck._errors import DeckError, PluginError
from deck._installed import all_plugins
from deck._yamlfile import did_you_mean

__all__ = ["run_command"]

log = logging.getLogger(__name__)


def run_command(argv: Sequence[str]) -> int:
    """Run a plugin's subcommand; its exit code is returned."""
    name = argv[0]
    host, failures = all_plugins()
    commands: dict[str, Command] = {}
    for _, result in host.each("deck_commands"):
        if isinstance(result, Exception):
            continue
        for command in result or ():
            commands[command.name] = command
    if name not in commands:
        hint = did_you_mean(name, commands) or f"to open a layout: deck --layout {name}"
        known = ", ".join(sorted(commands)) or "none"
        if failures:
            hint += "; plugins that failed to load: " + ", ".join(f"{n} ({e})" for n, e in failures.items())
        raise DeckError(f"unknown command {name!r} (commands: {known})", hint=hint)
    parser = argparse.ArgumentParser(prog=f"deck {name}", description=commands[name].help)
    commands[name].configure(parser)
    args = parser.parse_args(list(argv[1:]))
    try:
        return int(commands[name].run(args) or 0)
    except DeckError:
        raise
    except Exception as exc:
        log.exception("command %s failed", name)
        raise PluginError(f"deck {name} failed: {type(exc).__name__}: {exc}") from None
