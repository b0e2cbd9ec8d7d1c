"""`deck NAME ...`: subcommands that plugins contribute through `deck_commands`."""

from __future__ import annotations

import argparse
import importlib.resources
import logging
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from deck._actions import Command
from deck._errors import DeckError, PluginError
from deck._installed import all_plugins
from deck._yamlfile import did_you_mean

__all__ = ["open_layout", "run_command", "shipped_layout"]

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


def shipped_layout(name: str) -> dict[str, Any]:
    """A built-in layout's document, for a plugin's command to change before `open_layout`."""
    text = importlib.resources.files("deck.layouts").joinpath(f"{name}.yaml").read_text()
    document: dict[str, Any] = yaml.safe_load(text)
    return document


def open_layout(document: Mapping[str, Any], flags: Sequence[str] = (), *, name: str = "layout") -> int:
    """Run the deck on a layout built in code, as `deck --layout FILE FLAGS` would: how a plugin's
    command (`deck falcon --runs DIR`) opens its layout with the options it was given."""
    from deck._cli import main  # the deck's own command line, on the layout just written

    with tempfile.TemporaryDirectory(prefix=f"deck-{name}-") as folder:
        path = Path(folder) / f"{name}.yaml"
        path.write_text(yaml.safe_dump(dict(document), sort_keys=False))
        return main(["--layout", str(path), *flags])
