"""`deck new-plugin NAME`: a pip-installable plugin package that runs, and passes its test, at once."""

from __future__ import annotations

import argparse
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from string import Template

from deck._actions import Command
from deck._echo import echo
from deck._errors import DeckError
from deck._plugins import available_plugins
from deck._version import __version__

__all__ = ["PluginNames", "new_plugin", "new_plugin_command", "plugin_names"]

_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


@dataclass(frozen=True)
class PluginNames:
    """Every name derived from a plugin name, so the generated files agree with each other."""

    plugin: str
    package: str
    distribution: str
    cls: str
    title: str


def _valid(name: str) -> bool:
    return bool(_NAME.fullmatch(name)) and not name.endswith("_") and "__" not in name


def plugin_names(name: str) -> PluginNames:
    """Check `name` (the entry-point name and id prefix) and derive the package's names."""
    if not _valid(name):
        suggestion = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40]
        raise DeckError(
            f"invalid plugin name {name!r}: use lowercase letters, digits and single underscores, "
            "starting with a letter, at most 40 characters",
            hint=f"try {suggestion!r}" if _valid(suggestion) else "for example 'gpu_fleet'",
        )
    if name == "deck":
        raise DeckError("the plugin name 'deck' is reserved for deck's own actions and panels")
    words = name.split("_")
    return PluginNames(
        plugin=name,
        package=f"deck_{name}",
        distribution=f"deck-{name.replace('_', '-')}",
        cls="".join(word.capitalize() for word in words) + "Plugin",
        title=" ".join(word.capitalize() for word in words),
    )


def new_plugin(name: str, parent: Path) -> Path:
    """Write a new plugin package into `parent` and return its folder; never overwrites anything."""
    names = plugin_names(name)
    installed = available_plugins()
    if name in installed:
        raise DeckError(
            f"a plugin named {name!r} is already installed ({installed[name].value})",
            hint="choose another name: layouts refer to plugins by this name",
        )
    target = parent / names.distribution
    try:
        target.mkdir(parents=True)
    except FileExistsError:
        raise DeckError(
            f"{target} already exists; nothing was written", hint="remove it or choose --dir"
        ) from None
    fields = _fields(names)
    try:
        for relative, template in _FILES.items():
            path = target / Template(relative).substitute(fields)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(Template(template).substitute(fields), encoding="utf-8")
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target


def _fields(names: PluginNames) -> dict[str, str]:
    return {
        "plugin": names.plugin,
        "package": names.package,
        "distribution": names.distribution,
        "cls": names.cls,
        "title": names.title,
        "upper": names.title.upper(),
        "version": __version__,
    }


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the plugin's name, e.g. gpu_fleet")
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path("."),
        metavar="PATH",
        help="where to create the package folder (default: the current folder)",
    )


def _run(args: argparse.Namespace) -> int:
    target = new_plugin(args.name, args.dir)
    names = plugin_names(args.name)
    echo(f"created {target} (plugin {names.plugin!r}, package {names.package})")
    echo(f"next:  cd {target}")
    echo("       pip install -e '.[test]'")
    echo(f"       pytest && deck --layout {names.plugin}")
    return 0


def new_plugin_command() -> Command:
    """The `deck new-plugin` subcommand."""
    return Command(
        "new-plugin",
        "Create a pip-installable plugin package: a source, a panel, an action, a layout and a test.",
        _run,
        _configure,
    )


# The package, as string.Template texts ($name placeholders; "$$" is a literal dollar sign).
_FILES: dict[str, str] = {
    "pyproject.toml": """\
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "$distribution"
version = "0.1.0"
description = "$title: a deck plugin."
readme = "README.md"
requires-python = ">=3.10"
dependencies = ["deck-tui>=$version"]

[project.optional-dependencies]
test = ["pytest>=8"]

# How deck finds the plugin: layouts name it "$plugin".
[project.entry-points."deck.plugins"]
$plugin = "$package.plugin:$cls"

[tool.setuptools]
packages = ["$package"]

[tool.pytest.ini_options]
testpaths = ["tests"]
""",
    "README.md": """\
# $distribution

$title: a [deck](https://pypi.org/project/deck-tui/) plugin.

Install it, with pytest, into the environment deck runs in, then try it from this folder:

```
pip install -e '.[test]'
deck --list
deck --layout $plugin
pytest
```

`deck --list` shows the plugin `$plugin` and its panel type `$plugin.items`; `deck --layout $plugin`
opens `layouts/$plugin.yaml`; `pytest` runs `tests/` headless.

| file | what it holds |
| --- | --- |
| `$package/plugin.py` | the hooks: config options, the source, the panel type, the action |
| `$package/source.py` | collecting snapshots (replace `ItemStore` with your backend) |
| `$package/panels.py` | the items table |
| `$package/actions.py` | acknowledging an item, confirmed first; disabled by `--read-only` |
| `layouts/$plugin.yaml` | a layout using the plugin |
| `tests/test_$plugin.py` | a headless test with `deck.testing` |

The plugin guide, `docs/plugins.md` in deck's repository, explains every part.
""",
    "$package/__init__.py": '''\
"""$title: a deck plugin."""
''',
    "$package/source.py": '''\
"""Collecting $title's snapshots: replace ItemStore with a client for your backend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Item", "ItemStore"]


@dataclass(frozen=True)
class Item:
    """One row of the items panel: snapshots are immutable values."""

    name: str
    status: str


class ItemStore:
    """Stands in for your backend: the items and which of them were acknowledged."""

    def __init__(self) -> None:
        # Replaced, never mutated: the source reads it in a worker thread.
        self.acknowledged: frozenset[str] = frozenset()

    def read(self, names: Sequence[str]) -> tuple[Item, ...]:
        """One snapshot; it runs in a worker thread, so it may block (HTTP, files, a database)."""
        return tuple(Item(name, "acknowledged" if name in self.acknowledged else "new") for name in names)

    def acknowledge(self, name: str) -> None:
        """Change something in the backend (here: remember the name)."""
        self.acknowledged = self.acknowledged | {name}
''',
    "$package/panels.py": '''\
"""$title's views: a table of items."""

from __future__ import annotations

from deck import PanelContext, TablePanel
from deck.widgets import Column, badge

from $package.source import Item

__all__ = ["ItemsPanel"]


class ItemsPanel(TablePanel[Item]):
    """Every item with its status; the selected row is what actions act on."""

    sources = ("$plugin.items",)
    columns = (
        Column("Name", lambda item: item.name, weight=2),
        Column("Status", lambda item: item.status, render=badge({"new": "warn", "acknowledged": "good"})),
    )

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx, row_id=lambda item: item.name, empty="no items")
''',
    "$package/actions.py": '''\
"""$title's actions: acknowledge the selected item, after asking."""

from __future__ import annotations

from deck import Action, ActionContext, ActionError

from $package.source import Item, ItemStore

__all__ = ["actions"]


def actions(store: ItemStore) -> list[Action]:
    """The plugin's actions, sharing its store."""

    async def acknowledge(ctx: ActionContext) -> str | None:
        item = ctx.selection
        if not isinstance(item, Item):
            raise ActionError("select an item first")
        if not await ctx.confirm(f"Acknowledge {item.name}?", ok="Acknowledge"):
            return None
        await ctx.run_blocking(store.acknowledge, item.name)  # blocking work never runs on the loop
        ctx.refresh("$plugin.items")
        return f"acknowledged {item.name}"

    return [
        Action(
            "$plugin.acknowledge",
            "Acknowledge",
            acknowledge,
            keys=("a",),
            scope="$plugin.items",
            mutating=True,  # it changes the backend: --read-only disables it
        ),
    ]
''',
    "$package/plugin.py": '''\
"""$title's hooks: what the plugin offers to deck."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deck import Action, Option, PanelType, Source, hookimpl

from $package.actions import actions
from $package.panels import ItemsPanel
from $package.source import Item, ItemStore

__all__ = ["$cls"]


class $cls:
    """$title: items and their status."""

    def __init__(self) -> None:
        # One instance per deck: state shared by the source and the action lives here.
        self.store = ItemStore()

    @hookimpl
    def deck_options(self) -> Mapping[str, Option]:
        return {
            "items": Option(list, ["alpha", "beta", "gamma"], "the items to show"),
            "interval": Option(float, 2.0, "seconds between reads"),
        }

    @hookimpl
    def deck_sources(self, config: Mapping[str, Any]) -> list[Source[tuple[Item, ...]]]:
        names = tuple(str(name) for name in config["items"])
        return [Source("$plugin.items", lambda: self.store.read(names), interval=config["interval"])]

    @hookimpl
    def deck_panels(self) -> list[PanelType]:
        return [PanelType("$plugin.items", ItemsPanel, description="items; a acknowledges", title="Items")]

    @hookimpl
    def deck_actions(self) -> list[Action]:
        return actions(self.store)
''',
    "layouts/$plugin.yaml": """\
# deck --layout $plugin (from the package folder), or deck --layout layouts/$plugin.yaml
title: $upper
plugins:
  $plugin:
    items: [alpha, beta, gamma]
screens:
  - name: Items
    panel: $plugin.items
""",
    "tests/test_$plugin.py": '''\
"""$title in a headless deck: the items show, and acknowledging one asks first."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from deck.testing import Harness

LAYOUT = Path(__file__).resolve().parents[1] / "layouts" / "$plugin.yaml"


def test_acknowledge_asks_then_marks_the_item(deck_harness: Callable[..., Harness]) -> None:
    deck = deck_harness(LAYOUT, size=(100, 24))
    deck.wait_for("alpha")
    deck.press("a")
    deck.wait_for("Acknowledge alpha?")
    deck.press("y")
    deck.wait_for("acknowledged alpha")  # the status line
    deck.wait_for("● acknowledged")  # the row, after the refresh


def test_read_only_disables_acknowledge(deck_harness: Callable[..., Harness]) -> None:
    deck = deck_harness(LAYOUT, size=(100, 24), read_only=True)
    deck.wait_for("alpha")
    deck.press("a")
    deck.wait_for("disabled in read-only mode")
    assert "● acknowledged" not in deck.text()
''',
}
