"""Layouts: which plugins to load and how their panels fill the screens, read from YAML."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal, Union

from deck._errors import LayoutError
from deck._limits import number_problem
from deck._yamlfile import Document, Path_, did_you_mean, load_document

__all__ = [
    "Layout",
    "PanelSpec",
    "PluginSpec",
    "ScreenSpec",
    "Split",
    "builtin_layouts",
    "find_layout",
    "load_layout",
]

DEFAULT_THEME: Final = "neon-syndicate"
_TOP_KEYS: Final = ("title", "theme", "clock", "plugins", "screens", "keys", "recorder", "alerts")
#: How the header clock reads: with seconds (redrawn every second) or without (once a minute).
CLOCKS: Final = ("seconds", "minutes")
_SCREEN_KEYS: Final = ("name", "key", "rows", "columns", "panel", "title", "options")
_NODE_KEYS: Final = ("rows", "columns", "panel", "title", "options", "height", "width", "weight")
_SCREEN_KEYS_ORDER: Final = "1234567890"
#: Sizes in the grid: a fixed height or width in cells, or a share of what is left.
MAX_CELLS: Final = 1000
MAX_WEIGHT: Final = 1000.0

Size = tuple[Literal["weight", "given"], float]


@dataclass(frozen=True)
class PluginSpec:
    """A plugin the layout asks for: its name, where to load it from, and its config."""

    name: str
    origin: str | None
    config: Mapping[str, Any]
    path: Path_


@dataclass(frozen=True)
class PanelSpec:
    """One panel in the grid: its type, title, options and size."""

    type: str
    title: str | None
    options: Mapping[str, Any]
    size: Size
    path: Path_


@dataclass(frozen=True)
class Split:
    """Children stacked as rows (top to bottom) or columns (left to right)."""

    direction: Literal["rows", "columns"]
    children: tuple[Node, ...]
    size: Size
    path: Path_


Node = Union[PanelSpec, Split]  # noqa: UP007 (a runtime alias; `|` needs 3.10 classes)


@dataclass(frozen=True)
class ScreenSpec:
    """A tab: a name, the key that shows it, and its grid."""

    name: str
    key: str
    body: Node
    path: Path_


@dataclass(frozen=True)
class Layout:
    """A parsed layout file; plugin-dependent checks happen when plugins are loaded."""

    title: str
    theme: str
    plugins: tuple[PluginSpec, ...]
    screens: tuple[ScreenSpec, ...]
    keys: Mapping[str, str | None]
    document: Document
    name: str
    clock: str = "seconds"
    recorder: Any = None  # the `recorder:` section, checked by deck._recorder_config
    alerts: Any = None  # the `alerts:` section, checked by deck._alerts

    def where(self, path: Path_, *, key: bool = False) -> str:
        """Return file:line:column for a path inside the layout (of its key, if `key`)."""
        return self.document.where(path, key=key)

    def panels(self) -> list[PanelSpec]:
        """Every panel on every screen, in order."""
        found: list[PanelSpec] = []

        def walk(node: Node) -> None:
            if isinstance(node, PanelSpec):
                found.append(node)
            else:
                for child in node.children:
                    walk(child)

        for screen in self.screens:
            walk(screen.body)
        return found


def builtin_layouts() -> dict[str, Path]:
    """Map the name of every layout shipped with deck to its file."""
    folder = resources.files("deck.layouts")
    return {
        Path(entry.name).stem: Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith(".yaml")
    }


def layout_dirs(env: Mapping[str, str] | None = None) -> list[Path]:
    """The folders searched for a layout by name, in order (built-ins come last)."""
    env = os.environ if env is None else env
    config_home = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return [Path.cwd() / "layouts", config_home / "deck" / "layouts"]


def find_layout(name_or_path: str, env: Mapping[str, str] | None = None) -> Path:
    """Resolve a layout: a path, then ./layouts, then $XDG_CONFIG_HOME/deck/layouts, then built-ins."""
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path
    file_name = path.name if path.suffix in (".yaml", ".yml") else f"{path.name}.yaml"
    if path.parent == Path("."):
        for folder in layout_dirs(env):
            if (folder / file_name).is_file():
                return folder / file_name
        builtins = builtin_layouts()
        if Path(file_name).stem in builtins:
            return builtins[Path(file_name).stem]
    known = sorted(builtin_layouts())
    raise LayoutError(
        f"no layout named {name_or_path!r}; looked for a file, then in "
        + ", ".join(str(d) for d in layout_dirs(env))
        + f", then the built-ins ({', '.join(known)})",
        hint=did_you_mean(path.stem, known) or "see docs/layouts.md",
    )


def load_layout(path: Path) -> Layout:
    """Read and structurally validate a layout file."""
    doc = load_document(path, LayoutError)
    return _Parser(doc).layout(name=path.stem)


class _Parser:
    def __init__(self, doc: Document) -> None:
        self.doc = doc

    def fail(self, path: Path_, message: str, hint: str | None = None, *, key: bool = False) -> LayoutError:
        return LayoutError(message, where=self.doc.where(path, key=key), hint=hint or "see docs/layouts.md")

    def mapping(self, value: Any, path: Path_, what: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(path, f"{what} must be a mapping, got {_kind(value)}")
        return value

    def check_keys(self, data: Mapping[str, Any], allowed: tuple[str, ...], path: Path_) -> None:
        for key in data:
            if key not in allowed:
                raise self.fail(
                    (*path, key),
                    f"unknown key {key!r}; expected one of {', '.join(allowed)}",
                    did_you_mean(key, allowed),
                    key=True,
                )

    def layout(self, name: str) -> Layout:
        data = self.mapping(self.doc.data, (), "a layout")
        self.check_keys(data, _TOP_KEYS, ())
        title = data.get("title", name)
        if not isinstance(title, (str, int, float)):
            raise self.fail(("title",), f"title must be text, got {_kind(title)}")
        theme = data.get("theme", DEFAULT_THEME)
        if not isinstance(theme, str):
            raise self.fail(("theme",), f"theme must be a name or path, got {_kind(theme)}")
        clock = data.get("clock", CLOCKS[0])
        if clock not in CLOCKS:
            raise self.fail(("clock",), f"clock must be one of {', '.join(CLOCKS)}, got {clock!r}")
        screens_data = data.get("screens")
        if not isinstance(screens_data, list) or not screens_data:
            raise self.fail(("screens",), "screens must be a non-empty list of screens")
        if len(screens_data) > len(_SCREEN_KEYS_ORDER):
            raise self.fail(
                ("screens",), f"at most {len(_SCREEN_KEYS_ORDER)} screens, got {len(screens_data)}"
            )
        screens = tuple(self.screen(item, ("screens", i), i) for i, item in enumerate(screens_data))
        names = [s.name for s in screens]
        keys = [s.key for s in screens]
        for index, screen in enumerate(screens):
            if names.count(screen.name) > 1:
                raise self.fail((*screen.path, "name"), f"screen name {screen.name!r} is used twice")
            if keys.index(screen.key) != index:
                first = screens[keys.index(screen.key)].name
                free = [k for k in _SCREEN_KEYS_ORDER if k not in keys]
                raise self.fail(
                    (*screen.path, "key"),
                    f"screen key {screen.key!r} is already used by screen {first!r}",
                    f"did you mean {free[0]!r}? (a free key)" if free else None,
                )
        return Layout(
            title=str(title),
            theme=theme,
            plugins=self.plugins(data.get("plugins"), ("plugins",)),
            screens=screens,
            keys=self.keys(data.get("keys"), ("keys",)),
            document=self.doc,
            name=name,
            clock=clock,
            recorder=data.get("recorder"),
            alerts=data.get("alerts"),
        )

    def plugins(self, value: Any, path: Path_) -> tuple[PluginSpec, ...]:
        if isinstance(value, list):
            value = {item: None for item in value} if all(isinstance(v, str) for v in value) else value
        data = self.mapping(value, path, "plugins")
        specs = []
        for name, config in data.items():
            config = dict(self.mapping(config, (*path, name), f"the config of plugin {name!r}"))
            origin = config.pop("from", None)
            if origin is not None and not isinstance(origin, str):
                raise self.fail(
                    (*path, name, "from"),
                    f"'from' must be module:attr or a .py path, got {_kind(origin)}",
                )
            if origin and origin.endswith(".py") and not Path(origin).is_absolute():
                origin = str((Path(self.doc.file).parent / origin).resolve())
            specs.append(PluginSpec(name=str(name), origin=origin, config=config, path=(*path, name)))
        return tuple(specs)

    def keys(self, value: Any, path: Path_) -> dict[str, str | None]:
        data = self.mapping(value, path, "keys")
        for key, action in data.items():
            if action is not None and not isinstance(action, str):
                raise self.fail(
                    (*path, key), f"key {key!r} must name an action id or null, got {_kind(action)}"
                )
        return {str(k): v for k, v in data.items()}

    def screen(self, value: Any, path: Path_, index: int) -> ScreenSpec:
        data = self.mapping(value, path, "a screen")
        self.check_keys(data, _SCREEN_KEYS, path)
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise self.fail(path, "every screen needs a name")
        key = data.get("key", _SCREEN_KEYS_ORDER[index])
        if isinstance(key, int) and not isinstance(key, bool) and 0 <= key <= 9:
            key = str(key)
        if not isinstance(key, str) or not key.strip():
            raise self.fail((*path, "key"), f"key must be a key name like '1' or 'f5', got {_kind(key)}")
        body_data = {k: v for k, v in data.items() if k in ("rows", "columns", "panel", "title", "options")}
        body = self.node(body_data, path, ("weight", 1.0), parent=None)
        return ScreenSpec(name=name, key=key, body=body, path=path)

    def size(self, data: Mapping[str, Any], path: Path_, parent: str | None) -> Size:
        fixed_key = {"rows": "height", "columns": "width"}.get(parent or "")
        for key in ("height", "width"):
            if key in data and key != fixed_key:
                where = "a row" if key == "height" else "a column"
                raise self.fail(
                    (*path, key),
                    f"{key!r} only applies inside {where}s list",
                    f"use 'weight' here, or put this in '{'rows' if key == 'height' else 'columns'}'",
                )
        if fixed_key and fixed_key in data and "weight" in data:
            raise self.fail((*path, fixed_key), f"give either {fixed_key!r} or 'weight', not both")
        if fixed_key and fixed_key in data:
            value = data[fixed_key]
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or number_problem(value, 1, MAX_CELLS) is not None
            ):
                raise self.fail(
                    (*path, fixed_key),
                    f"{fixed_key} must be a whole number of cells from 1 to {MAX_CELLS}, got {value!r}",
                    "use 'weight' for a share of the screen",
                )
            return ("given", value)
        weight = data.get("weight", 1)
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not weight > 0:
            problem: str | None = f"must be a number > 0, got {weight!r}"
        else:
            problem = number_problem(weight, None, MAX_WEIGHT)
        if problem is not None:
            raise self.fail(
                (*path, "weight"),
                f"weight {problem}",
                f"a weight is a share of the space, like 1 or 2 (at most {MAX_WEIGHT:g})",
            )
        return ("weight", float(weight))

    def node(self, value: Any, path: Path_, size: Size | None, parent: str | None) -> Node:
        data = self.mapping(value, path, "a grid cell")
        self.check_keys(data, _NODE_KEYS, path)
        size = size or self.size(data, path, parent)
        kinds = [k for k in ("rows", "columns", "panel") if k in data]
        if len(kinds) != 1:
            found = ", ".join(kinds) if kinds else "none"
            raise self.fail(
                path,
                f"each cell needs exactly one of 'panel', 'rows' or 'columns' (found: {found})",
            )
        kind = kinds[0]
        if kind == "panel":
            return self.panel(data, path, size)
        children = data[kind]
        if not isinstance(children, list) or not children:
            raise self.fail((*path, kind), f"{kind} must be a non-empty list, got {_kind(children)}")
        return Split(
            direction=kind,
            children=tuple(self.node(c, (*path, kind, i), None, kind) for i, c in enumerate(children)),
            size=size,
            path=path,
        )

    def panel(self, data: Mapping[str, Any], path: Path_, size: Size) -> PanelSpec:
        panel_type = data["panel"]
        if not isinstance(panel_type, str) or "." not in panel_type:
            raise self.fail((*path, "panel"), f"panel must be a type like 'system.cpu', got {panel_type!r}")
        title = data.get("title")
        if title is not None and not isinstance(title, str):
            raise self.fail((*path, "title"), f"title must be text, got {_kind(title)}")
        options = self.mapping(data.get("options"), (*path, "options"), "options")
        return PanelSpec(type=panel_type, title=title, options=options, size=size, path=path)


def _kind(value: Any) -> str:
    names = {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        type(None): "nothing",
    }
    return names.get(type(value), type(value).__name__)
