"""Finding, loading and calling plugins, so that one plugin's failure never takes the deck down."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

from deck import _hookspecs
from deck._contain import contained
from deck._errors import PluginError
from deck._hookresults import check_result
from deck._yamlfile import did_you_mean
from deck.plugins import BUILTIN

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

__all__ = [
    "ENTRY_POINT_GROUP",
    "LoadedPlugin",
    "PluginHost",
    "available_plugins",
    "hook_problems",
    "load_object",
]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "deck.plugins"


def available_plugins() -> dict[str, EntryPoint]:
    """Every plugin installed under the `deck.plugins` entry-point group, by name."""
    # Imported here: reading package metadata costs start-up time most decks never need.
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def load_object(origin: str) -> Any:
    """Import `module:attr` or execute a `.py` file and return the plugin object in it.

    For a bare module or file, its `plugin` attribute is the plugin when it has one;
    otherwise the module itself is (its module-level hook functions).
    """
    if origin.endswith(".py"):
        path = Path(origin)
        if not path.is_file():
            raise PluginError(f"plugin file not found: {path}")
        module_name = f"deck_local_plugin_{path.stem}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise PluginError(f"cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
        return getattr(module, "plugin", module)
    module_name, _, attr = origin.partition(":")
    module = importlib.import_module(module_name)
    if not attr:
        return getattr(module, "plugin", module)
    target: Any = module
    for part in attr.split("."):
        target = getattr(target, part)
    return target


def hook_problems(manager: pluggy.PluginManager, plugin: object) -> list[str]:
    """Why some of a registered plugin's hooks would never be called, as pluggy sees them.

    Finds `@hookimpl` functions whose name is no hook (pluggy's pending check, with a hint at the
    hook meant) and `deck_*` functions that lack `@hookimpl`, which pluggy silently skips.
    """
    known = sorted(name for name in dir(_hookspecs) if name.startswith("deck_"))
    problems = []
    for caller in manager.get_hookcallers(plugin) or ():
        optional = any(impl.optionalhook for impl in caller.get_hookimpls() if impl.plugin is plugin)
        if caller.spec is None and not optional:
            hint = did_you_mean(caller.name, known) or "the hooks are listed in docs/plugins.md"
            problems.append(f"{caller.name} is not a deck hook ({hint})")
    for name in dir(plugin):
        if not name.startswith("deck_") or manager.parse_hookimpl_opts(plugin, name) is not None:
            continue
        if callable(getattr(plugin, name, None)):
            hint = "" if name in known else f"; {did_you_mean(name, known) or 'nor is it a deck hook'}"
            problems.append(f"{name} is not marked @hookimpl, so deck never calls it{hint}")
    return problems


def _instantiate(obj: Any) -> Any:
    # A class is instantiated so each deck gets its own plugin state.
    return obj() if inspect.isclass(obj) else obj


@dataclass
class LoadedPlugin:
    """A plugin the deck tried to load: its object, or the error that stopped it."""

    name: str
    origin: str
    config: dict[str, Any] = field(default_factory=dict)
    obj: Any = None
    error: str | None = None


class PluginHost:
    """The pluggy manager plus the per-plugin calling that keeps failures contained."""

    def __init__(self) -> None:
        self.manager = pluggy.PluginManager("deck")
        self.manager.add_hookspecs(_hookspecs)
        self.plugins: dict[str, LoadedPlugin] = {}

    def load(self, name: str, origin: str | None, config: dict[str, Any]) -> LoadedPlugin:
        """Load one plugin by entry-point name, `module:attr` or `.py` path.

        An unknown name raises PluginError; a plugin that raises while importing is kept
        with its error, so the deck can show it in that plugin's place and keep running.
        """
        plugin = LoadedPlugin(name=name, origin=origin or f"entry point {name!r}", config=config)
        self.plugins[name] = plugin
        try:
            if origin or name in BUILTIN:
                obj = contained(load_object, origin or BUILTIN[name])
            else:
                found = available_plugins()
                if name not in found:
                    raise PluginError(
                        f"unknown plugin {name!r} (installed: {', '.join(sorted(found)) or 'none'})",
                        hint=did_you_mean(name, found) or "give 'from: module:attr' or 'from: path.py'",
                    )
                obj = contained(found[name].load)
            instance = contained(_instantiate, obj)
            self.manager.register(instance, name=name)
        except PluginError:
            del self.plugins[name]
            raise
        except Exception as exc:
            log.exception("plugin %s failed to load from %s", name, plugin.origin)
            plugin.error = f"{type(exc).__name__}: {exc}"
            return plugin
        problems = hook_problems(self.manager, instance)
        if problems:
            # A misspelt or unmarked hook would silently contribute nothing: fail loudly instead.
            self.manager.unregister(instance)
            plugin.error = "; ".join(problems)
            log.error("plugin %s: %s", name, plugin.error)
        else:
            plugin.obj = instance
        return plugin

    def failures(self) -> dict[str, str]:
        """Plugins that failed to load, with their errors."""
        return {name: p.error for name, p in self.plugins.items() if p.error}

    def register(self, name: str, obj: Any, config: dict[str, Any] | None = None) -> LoadedPlugin:
        """Register an already-built plugin object (the core's own, or one from a test)."""
        plugin = LoadedPlugin(name=name, origin="built in", config=config or {}, obj=obj)
        self.plugins[name] = plugin
        self.manager.register(obj, name=name)
        return plugin

    def implementations(self, name: str, hook: str, **kwargs: Any) -> list[Callable[[], Any]]:
        """One plugin's implementations of `hook`, with their arguments bound."""
        plugin = self.plugins[name]
        return [
            functools.partial(impl.function, *[kwargs[arg] for arg in impl.argnames])
            for impl in getattr(self.manager.hook, hook).get_hookimpls()
            if impl.plugin is plugin.obj
        ]

    def call(self, name: str, hook: str, **kwargs: Any) -> list[Any]:
        """Call `hook` on one plugin; the results of its implementations, errors propagate.

        A result of the wrong type raises PluginError; so does a SystemExit or KeyboardInterrupt.
        """
        return [check_result(hook, contained(f)) for f in self.implementations(name, hook, **kwargs)]

    def each(
        self, hook: str, *, configs: Mapping[str, Mapping[str, Any]] | None = None, **kwargs: Any
    ) -> Iterator[tuple[str, Any]]:
        """Call `hook` on every plugin in load order, yielding (plugin, result or exception).

        With `configs`, each plugin also gets its own `config` argument.
        """
        for name in list(self.plugins):
            if self.plugins[name].obj is None:
                continue
            if configs is not None:
                kwargs["config"] = configs.get(name, {})
            try:
                for result in self.call(name, hook, **kwargs):
                    yield name, result
            except Exception as exc:
                log.exception("plugin %s raised in %s", name, hook)
                yield name, exc
