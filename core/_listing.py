"""`deck --list`: what is installed and what it offers."""

from __future__ import annotations

import inspect

from deck._echo import echo
from deck._installed import all_plugins, default_configs, plugin_layouts
from deck._layout import builtin_layouts, layout_dirs
from deck._shell import key_label
from deck._theme import builtin_themes

__all__ = ["print_listing"]


def _first_line(obj: object) -> str:
    doc = inspect.getdoc(obj if inspect.isclass(obj) or inspect.ismodule(obj) else type(obj)) or ""
    return doc.splitlines()[0] if doc else ""


def print_listing() -> None:
    """Print plugins, panel types, actions with keys, commands, layouts and themes."""
    host, failures = all_plugins()
    configs = default_configs(host)
    echo("Plugins")
    for name, plugin in host.plugins.items():
        if name == "deck":
            continue
        state = f"FAILED: {plugin.error}" if plugin.error else _first_line(plugin.obj)
        echo(f"  {name:<14} {state}")
    echo("\nPanel types")
    for _, result in host.each("deck_panels", configs=configs):
        for panel_type in [] if isinstance(result, Exception) else result or ():
            options = ", ".join(panel_type.options) or "no options"
            echo(f"  {panel_type.name:<24} {panel_type.description}  [{options}]")
    echo("\nActions (id, keys, scope)")
    for _, result in host.each("deck_actions", configs=configs):
        for action in [] if isinstance(result, Exception) else result or ():
            keys = ", ".join(key_label(k) for k in action.keys) or "—"
            flag = "  (mutating)" if action.mutating else ""
            echo(f"  {action.id:<28} {keys:<12} {', '.join(action.scopes):<22} {action.title}{flag}")
    echo("\nCommands")
    names = [c.name for _, r in host.each("deck_commands") if not isinstance(r, Exception) for c in r or ()]
    echo("  " + (", ".join(sorted(names)) or "none"))
    echo("\nLayouts (built in; also searched: " + ", ".join(str(d) for d in layout_dirs()) + ")")
    for name, path in sorted({**plugin_layouts(host), **builtin_layouts()}.items()):
        echo(f"  {name:<14} {path}")
    echo("\nThemes")
    for name, path in sorted(builtin_themes().items()):
        echo(f"  {name:<14} {path}")
    for _, result in host.each("deck_themes"):
        for name, path in ({} if isinstance(result, Exception) else result or {}).items():
            echo(f"  {name:<14} {path}")
    if failures:
        echo("\nPlugins that failed to load: " + ", ".join(failures))
