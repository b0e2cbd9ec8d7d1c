"""Every installed plugin at once: for `deck --list`, plugin subcommands and plugin layouts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from deck._core_plugin import CorePlugin
from deck._plugins import PluginHost, available_plugins

__all__ = ["all_plugins", "default_configs", "plugin_layouts"]


def all_plugins() -> tuple[PluginHost, dict[str, str]]:
    """Every installed plugin loaded into one host, with the errors of those that failed."""
    host = PluginHost()
    host.register("deck", CorePlugin())
    for name in sorted(available_plugins()):
        host.load(name, None, {})
    return host, host.failures()


def default_configs(host: PluginHost) -> dict[str, dict[str, Any]]:
    """Each plugin's config as a layout that says nothing about it would give it."""
    configs: dict[str, dict[str, Any]] = {}
    for name, result in host.each("deck_options"):
        if not isinstance(result, Exception):
            configs[name] = {key: option.default for key, option in (result or {}).items()}
    for _ in host.each("deck_configure", configs=configs):
        pass  # a plugin that fails here fails again, visibly, in the hooks that use its setup
    return configs


def plugin_layouts(host: PluginHost) -> dict[str, Path]:
    """Layouts that installed plugins ship, by name."""
    found: dict[str, Path] = {}
    for _, result in host.each("deck_layouts"):
        if not isinstance(result, Exception):
            found.update({name: Path(path) for name, path in (result or {}).items()})
    return found
