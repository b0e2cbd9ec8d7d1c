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
        "Create a pip-installable plugin package in deck's one plugin shape, with a layout and tests.",
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
opens `layouts/$plugin.yaml`, which shows the files in `inbox/`; `pytest` runs `tests/` headless.

The package has deck's one plugin shape; a bigger plugin splits a part into more modules named
after it (`client_v2.py`, `panels_detail.py`):

| file | what it holds |
| --- | --- |
| `$package/plugin.py` | the hooks only: config options, the client, the source, the panel type, the action |
| `$package/client.py` | talking to the backend (here: a folder, one item per file); no urwid |
| `$package/model.py` | the immutable values a snapshot is made of |
| `$package/source.py` | the sources: snapshots the client reads in a worker thread |
| `$package/panels.py` | the items table |
| `$package/actions.py` | acknowledging an item, confirmed first; disabled by `--read-only` |
| `layouts/$plugin.yaml` | a layout using the plugin |
| `tests/` | the client on its own, and the plugin in a headless deck (`deck.testing`) |

Config (under `plugins: $plugin:` in a layout): `folder` (the folder to show, default `inbox`),
`interval` (seconds between reads). Keys: `a` acknowledges the selected item.

The plugin guide, `docs/plugins.md` in deck's repository, explains every part.
""",
    "inbox/alpha.txt": "The first example item: every file in the folder is one.\n",
    "inbox/beta.txt": "The second example item.\n",
    "inbox/gamma.txt": "The third example item.\n",
    "$package/__init__.py": '''\
"""$title: a deck plugin."""
''',
    "$package/model.py": '''\
"""What $title's snapshots are made of: immutable values, shared safely between threads."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Item"]


@dataclass(frozen=True)
class Item:
    """One row of the items panel."""

    name: str
    size: int
    modified: float
    acknowledged: bool

    @property
    def status(self) -> str:
        """What the Status column shows."""
        return "acknowledged" if self.acknowledged else "new"
''',
    "$package/client.py": '''\
"""Talking to $title's backend: here a folder, one item per file. Replace it with yours."""

from __future__ import annotations

from pathlib import Path

from $package.model import Item

__all__ = ["MARK", "FolderClient"]

#: A file is acknowledged when a file of its name plus this suffix lies beside it.
MARK = ".ack"


class FolderClient:
    """Reads and changes the backend; it knows nothing of the screen, so it is tested on its own."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def items(self) -> tuple[Item, ...]:
        """Every item, by name; it may block (a worker thread calls it)."""
        if not self.folder.is_dir():
            raise FileNotFoundError(f"{self.folder} is not a folder: set the plugin's `folder` option")
        marked = {path.stem for path in self.folder.glob(f"*{MARK}")}
        items = []
        for path in sorted(self.folder.iterdir()):
            if path.suffix == MARK or not path.is_file():
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:  # removed since the listing
                continue
            items.append(Item(path.name, stat.st_size, stat.st_mtime, path.name in marked))
        return tuple(items)

    def acknowledge(self, name: str) -> None:
        """Change something in the backend: leave the mark beside the item."""
        if Path(name).name != name or not (self.folder / name).is_file():
            raise ValueError(f"{name!r} is not an item in {self.folder}")
        (self.folder / f"{name}{MARK}").touch()
''',
    "$package/source.py": '''\
"""$title's sources: what deck fetches in a worker thread and hands to the panels as snapshots."""

from __future__ import annotations

from deck import Source

from $package.client import FolderClient
from $package.model import Item

__all__ = ["sources"]


def sources(client: FolderClient, interval: float) -> list[Source[tuple[Item, ...]]]:
    """The items, read every `interval` seconds (and at once after an action asks for it)."""
    return [Source("$plugin.items", client.items, interval=interval, description="the folder's files")]
''',
    "$package/panels.py": '''\
"""$title's views: a table of items."""

from __future__ import annotations

from deck import PanelContext, TablePanel
from deck.widgets import Column, badge, bytes_, relative_time

from $package.model import Item

__all__ = ["ItemsPanel"]


class ItemsPanel(TablePanel[Item]):
    """Every item with its status; the selected row is what actions act on."""

    sources = ("$plugin.items",)
    columns = (
        Column("Name", lambda item: item.name, weight=2),
        Column("Size", lambda item: item.size, render=bytes_, width=10, align="right"),
        Column("Modified", lambda item: item.modified, render=relative_time, width=10),
        Column("Status", lambda item: item.status, render=badge({"new": "warn", "acknowledged": "good"})),
    )

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx, row_id=lambda item: item.name, empty="no items")
''',
    "$package/actions.py": '''\
"""$title's actions: acknowledge the selected item, after asking."""

from __future__ import annotations

from deck import Action, ActionContext, ActionError

from $package.client import FolderClient
from $package.model import Item

__all__ = ["actions"]


def actions(client: FolderClient) -> list[Action]:
    """The plugin's actions, sharing its client."""

    async def acknowledge(ctx: ActionContext) -> str | None:
        item = ctx.selection
        if not isinstance(item, Item):
            raise ActionError("select an item first")
        if not await ctx.confirm(f"Acknowledge {item.name}?", ok="Acknowledge"):
            return None
        await ctx.run_blocking(client.acknowledge, item.name)  # blocking work never runs on the loop
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
"""$title's hooks: what the plugin offers to deck, and nothing else."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from deck import Action, Option, PanelType, Source, hookimpl

from $package.actions import actions
from $package.client import FolderClient
from $package.model import Item
from $package.panels import ItemsPanel
from $package.source import sources

__all__ = ["$cls"]


class $cls:
    """$title: the files in a folder, and which were acknowledged."""

    def __init__(self) -> None:
        # One instance per deck; deck_configure points the client at the layout's folder.
        self.client = FolderClient(Path("inbox"))

    @hookimpl
    def deck_options(self) -> Mapping[str, Option]:
        return {
            "folder": Option(str, "inbox", "the folder whose files are the items"),
            "interval": Option(float, 2.0, "seconds between reads"),
        }

    @hookimpl
    def deck_configure(self, config: Mapping[str, Any]) -> None:
        self.client = FolderClient(Path(config["folder"]).expanduser())

    @hookimpl
    def deck_sources(self, config: Mapping[str, Any]) -> list[Source[tuple[Item, ...]]]:
        return sources(self.client, config["interval"])

    @hookimpl
    def deck_panels(self) -> list[PanelType]:
        return [PanelType("$plugin.items", ItemsPanel, description="items; a acknowledges", title="Items")]

    @hookimpl
    def deck_actions(self) -> list[Action]:
        return actions(self.client)
''',
    "layouts/$plugin.yaml": """\
# deck --layout $plugin (from the package folder), or deck --layout layouts/$plugin.yaml
title: $upper
plugins:
  $plugin:
    folder: inbox
screens:
  - name: Items
    panel: $plugin.items
""",
    "tests/test_client.py": '''\
"""$title's client on its own: the folder's files are the items, and acknowledging marks one."""

from __future__ import annotations

from pathlib import Path

import pytest

from $package.client import FolderClient


def test_every_file_is_an_item_and_acknowledging_marks_it(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("bb")
    (tmp_path / "a.txt").write_text("a")
    client = FolderClient(tmp_path)
    assert [(item.name, item.size, item.status) for item in client.items()] == [
        ("a.txt", 1, "new"),
        ("b.txt", 2, "new"),
    ]
    client.acknowledge("b.txt")
    assert [item.status for item in client.items()] == ["new", "acknowledged"]


def test_what_is_not_an_item_is_refused(tmp_path: Path) -> None:
    client = FolderClient(tmp_path)
    with pytest.raises(ValueError, match="is not an item"):
        client.acknowledge("../elsewhere.txt")
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        FolderClient(tmp_path / "missing").items()
''',
    "tests/test_$plugin.py": '''\
"""$title in a headless deck: the items show, and acknowledging one asks first."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from deck.testing import Harness

LAYOUT = """\\
plugins:
  $plugin:
    folder: {folder}
screens:
  - name: Items
    panel: $plugin.items
"""


def _layout(tmp_path: Path) -> Path:
    """A layout showing a folder of its own, so the test changes nothing outside `tmp_path`."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("alpha.txt", "beta.txt"):
        (inbox / name).write_text(name)
    layout = tmp_path / "layout.yaml"
    layout.write_text(LAYOUT.format(folder=inbox))
    return layout


def test_acknowledge_asks_then_marks_the_item(deck_harness: Callable[..., Harness], tmp_path: Path) -> None:
    deck = deck_harness(_layout(tmp_path), size=(100, 24))
    deck.wait_for("alpha.txt")
    deck.press("a")
    deck.wait_for("Acknowledge alpha.txt?")
    deck.press("y")
    deck.wait_for("acknowledged alpha.txt")  # the status line
    deck.wait_for("● acknowledged")  # the row, after the refresh
    assert (tmp_path / "inbox" / "alpha.txt.ack").exists()


def test_read_only_disables_acknowledge(deck_harness: Callable[..., Harness], tmp_path: Path) -> None:
    deck = deck_harness(_layout(tmp_path), size=(100, 24), read_only=True)
    deck.wait_for("alpha.txt")
    deck.press("a")
    deck.wait_for("disabled in read-only mode")
    assert "● acknowledged" not in deck.text()
''',
}
