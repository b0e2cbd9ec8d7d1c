"""From a layout to checked parts: plugins loaded, configs and options validated, keys bound."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deck._actions import Action, StatusSegment
from deck._errors import LayoutError, OptionError, PluginError
from deck._grammar import check_grammar
from deck._keymap import Keymap
from deck._layout import Layout, PluginSpec
from deck._limits import FLOAT_RANGE, INT_RANGE, nearest, number_problem
from deck._panels import Option, PanelType
from deck._plugins import PluginHost
from deck._sources import Source
from deck._theme import Theme, find_theme, load_theme
from deck._yamlfile import Path_, did_you_mean

__all__ = ["CORE_PLUGIN", "Assembly", "assemble", "validate_options"]

log = logging.getLogger(__name__)

CORE_PLUGIN = "deck"


@dataclass
class Assembly:
    """Everything a deck is built from, checked against the layout."""

    layout: Layout
    host: PluginHost
    theme: Theme
    configs: dict[str, dict[str, Any]]
    panel_types: dict[str, tuple[str, PanelType]]
    actions: list[tuple[str, Action]]
    sources: list[tuple[str, Source[Any]]]
    segments: list[tuple[str, StatusSegment]]
    keymap: Keymap
    themes: dict[str, Path] = field(default_factory=dict)
    #: Each panel's options, checked and with defaults filled in, by the panel's path in the layout.
    panel_options: dict[Path_, dict[str, Any]] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)


def _check_type(value: Any, option: Option) -> Any:
    expected = option.type if isinstance(option.type, tuple) else (option.type,)
    if float in expected and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, bool) and bool not in expected:
        raise TypeError
    if not isinstance(value, expected):
        raise TypeError
    return value


def validate_options(
    values: Mapping[str, Any], schema: Mapping[str, Option], where: Any, what: str
) -> dict[str, Any]:
    """Check `values` against `schema` and fill defaults; `where(key)` locates errors.

    `where` takes an option's name (or a path starting with one, or None for the whole block)
    and whether the key rather than the value is meant. Options are checked in the schema's
    order, so an option's `check` sees the ones listed before it.
    """
    for key in values:
        if key not in schema:
            known = ", ".join(sorted(schema)) or "none"
            raise LayoutError(
                f"{what} has no option {key!r} (known: {known})",
                where=where(key, True),
                hint=did_you_mean(key, schema) or "see docs/layouts.md",
            )
    result: dict[str, Any] = {}
    for key, option in schema.items():
        if key in values:
            result[key] = _checked(values[key], key, option, result, where, what)
        elif option.required:
            raise LayoutError(f"{what} needs the option {key!r} ({option.help})", where=where(None))
        else:
            result[key] = option.default
    return result


def _checked(value: Any, key: str, option: Option, earlier: Mapping[str, Any], where: Any, what: str) -> Any:
    """One option's value, checked against its Option (and its `check`, given the earlier options)."""
    try:
        value = _check_type(value, option)
    except TypeError:
        names = option.type if isinstance(option.type, tuple) else (option.type,)
        raise LayoutError(
            f"{what}: {key!r} must be {' or '.join(t.__name__ for t in names)}, got {value!r}",
            where=where(key),
            hint=option.help or None,
        ) from None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        low, high = option.range or (FLOAT_RANGE if isinstance(value, float) else INT_RANGE)
        problem = number_problem(value, low, high)
        if problem is not None:
            raise LayoutError(
                f"{what}: {key!r} {problem}",
                where=where(key),
                hint=f"did you mean {nearest(value, low, high):g}? ({option.help or key} "
                f"goes from {low:g} to {high:g})",
            )
    if option.choices is not None and value not in option.choices:
        raise LayoutError(
            f"{what}: {key!r} must be one of {', '.join(map(str, option.choices))}, got {value!r}",
            where=where(key),
            hint=did_you_mean(value, map(str, option.choices)),
        )
    if option.check is not None:
        try:
            value = option.check(value, earlier)
        except OptionError as exc:
            raise LayoutError(
                f"{what}: {key}: {exc.message}",
                where=where((key, *exc.path)),
                hint=exc.hint or option.help or None,
            ) from None
    return value


def _locator(layout: Layout, base: Path_, *, whole: Path_ | None = None) -> Callable[..., str]:
    """Where an option (or a path inside one) sits in the layout file."""

    def where(key: object, is_key: bool = False) -> str:
        # An option's name (a key of any YAML type, even `true`), a path inside one, or None.
        if key is None:
            return layout.where(base if whole is None else whole)
        inside = key if isinstance(key, tuple) else (str(key),)  # YAML keys may be numbers or booleans
        return layout.where((*base, *inside), key=is_key)

    return where


def _collect(
    host: PluginHost,
    hook: str,
    problems: dict[str, str],
    configs: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for name, result in host.each(hook, configs=configs):
        if isinstance(result, Exception):
            problems.setdefault(name, f"{hook} raised {type(result).__name__}: {result}")
            continue
        items = result.items() if isinstance(result, Mapping) else (result or ())
        found.extend((name, item) for item in items)
    return found


def assemble(layout: Layout, *, theme: str | None = None, core: object | None = None) -> Assembly:
    """Load the layout's plugins and check everything that depends on them."""
    host = PluginHost()
    if core is not None:
        host.register(CORE_PLUGIN, core)
    problems: dict[str, str] = {}
    configs = _load_plugins(layout, host, problems)
    panel_types = _panel_types(host, problems, configs)
    unavailable, panel_options = _check_panels(layout, panel_types, problems)
    actions = _collect(host, "deck_actions", problems, configs)
    keymap = _keymap(layout, actions)
    sources = _sources(host, problems, configs)
    segments = _collect(host, "deck_status_segments", problems, configs)
    themes = {name: Path(path) for _, (name, path) in _collect(host, "deck_themes", problems)}
    return Assembly(
        layout=layout,
        host=host,
        theme=load_theme(find_theme(_theme_name(layout, theme), themes)),
        configs=configs,
        panel_types=panel_types,
        actions=actions,
        sources=sources,
        segments=segments,
        keymap=keymap,
        themes=themes,
        problems=problems,
        unavailable=unavailable,
        panel_options=panel_options,
    )


def _load_plugins(layout: Layout, host: PluginHost, problems: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Load every plugin the layout names; its checked config, by plugin name."""
    configs: dict[str, dict[str, Any]] = {CORE_PLUGIN: {}}
    for spec in layout.plugins:
        if spec.name == CORE_PLUGIN:
            raise LayoutError(f"the plugin name {CORE_PLUGIN!r} is reserved", where=layout.where(spec.path))
        try:
            plugin = host.load(spec.name, spec.origin, dict(spec.config))
        except PluginError as exc:
            raise LayoutError(exc.message, where=layout.where(spec.path), hint=exc.hint) from None
        if plugin.error:
            problems[spec.name] = f"failed to load from {plugin.origin}: {plugin.error}"
            continue
        try:
            schemas = host.call(spec.name, "deck_options")
        except Exception as exc:
            problems[spec.name] = f"deck_options raised {type(exc).__name__}: {exc}"
            continue
        configs[spec.name] = _plugin_config(layout, spec, schemas)
        try:
            host.call(spec.name, "deck_configure", config=configs[spec.name])
        except Exception as exc:
            log.exception("plugin %s raised in deck_configure", spec.name)
            problems[spec.name] = f"deck_configure raised {type(exc).__name__}: {exc}"
    return configs


def _plugin_config(layout: Layout, spec: PluginSpec, schemas: list[Any]) -> dict[str, Any]:
    """A plugin's config from the layout, checked against the options it declares (if any)."""
    if not schemas:
        return dict(spec.config)
    schema: dict[str, Option] = {}
    for part in schemas:
        schema.update(part or {})
    return validate_options(
        spec.config,
        schema,
        _locator(layout, spec.path),
        f"plugin {spec.name!r}",
    )


def _panel_types(
    host: PluginHost, problems: dict[str, str], configs: Mapping[str, Mapping[str, Any]]
) -> dict[str, tuple[str, PanelType]]:
    """Every panel type the plugins offer, with the plugin offering it."""
    panel_types: dict[str, tuple[str, PanelType]] = {}
    for name, panel_type in _collect(host, "deck_panels", problems, configs):
        panel_types[panel_type.name] = (name, panel_type)
    return panel_types


def _check_panels(
    layout: Layout, panel_types: Mapping[str, tuple[str, PanelType]], problems: Mapping[str, str]
) -> tuple[dict[str, str], dict[Path_, dict[str, Any]]]:
    """Check each panel of the layout: the panels a broken plugin would have offered (with why),
    and every other panel's checked options."""
    unavailable: dict[str, str] = {}
    panel_options: dict[Path_, dict[str, Any]] = {}
    for panel in layout.panels():
        if panel.type not in panel_types:
            if problems:
                unavailable[panel.type] = "; ".join(f"plugin {n!r} {p}" for n, p in problems.items())
                continue
            raise LayoutError(
                f"unknown panel type {panel.type!r} (known: {', '.join(sorted(panel_types)) or 'none'})",
                where=layout.where((*panel.path, "panel")),
                hint=did_you_mean(panel.type, panel_types) or "deck --list shows every panel type",
            )
        panel_type = panel_types[panel.type][1]
        panel_options[panel.path] = validate_options(
            panel.options,
            panel_type.options,
            _locator(layout, (*panel.path, "options"), whole=panel.path),
            f"panel {panel.type!r}",
        )
    return unavailable, panel_options


def _keymap(layout: Layout, actions: list[tuple[str, Action]]) -> Keymap:
    """Bind the actions' keys, the layout's `keys:` first; screen keys are taken; the grammar holds."""
    reserved = {screen.key: f"showing screen {screen.name!r}" for screen in layout.screens}
    keys_where = layout.where(("keys",)) if layout.keys else layout.document.file
    keymap = Keymap([a for _, a in actions], layout.keys, reserved=reserved, where=keys_where)
    check_grammar(keymap, actions, layout, keys_where)
    return keymap


def _sources(
    host: PluginHost, problems: dict[str, str], configs: Mapping[str, Mapping[str, Any]]
) -> list[tuple[str, Source[Any]]]:
    """Every working plugin's sources; a plugin offering a name already taken is a problem."""
    sources: list[tuple[str, Source[Any]]] = []
    owners: dict[str, str] = {}
    for name in list(host.plugins):
        if name in problems or host.plugins[name].obj is None:
            continue
        try:
            mine = [
                s
                for result in host.call(name, "deck_sources", config=configs.get(name, {}))
                for s in result or ()
            ]
        except Exception as exc:
            log.exception("plugin %s raised in deck_sources", name)
            problems[name] = f"deck_sources raised {type(exc).__name__}: {exc}"
            continue
        clash = next((s.name for s in mine if s.name in owners), None)
        if clash is not None:
            problems[name] = f"offers source {clash!r}, which plugin {owners[clash]!r} already provides"
            continue
        owners.update((s.name, name) for s in mine)
        sources.extend((name, source) for source in mine)
    return sources


def _theme_name(layout: Layout, theme: str | None) -> str:
    """The theme asked for: --theme, else the layout's (a path in a layout is relative to it)."""
    chosen = theme or layout.theme
    beside = Path(layout.document.file).parent / chosen
    if theme is None and chosen.endswith((".yaml", ".yml")) and beside.is_file():
        return str(beside)
    return chosen
