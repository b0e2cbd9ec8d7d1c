"""Every built-in plugin's default keys against the keyboard grammar (docs/keys.md)."""

from __future__ import annotations

from pathlib import Path

import known_offenders
import pytest

from deck._assemble import CORE_PLUGIN, assemble
from deck._core_plugin import CorePlugin
from deck._errors import LayoutError
from deck._grammar import clashes
from deck._installed import default_configs
from deck._keymap import Keymap
from deck._layout import load_layout
from deck._plugins import PluginHost, available_plugins


def builtin_plugins() -> list[str]:
    """The plugins shipped inside the deck package."""
    return sorted(
        name for name, entry in available_plugins().items() if entry.value.startswith("deck.plugins.")
    )


def default_bindings(name: str) -> tuple[Keymap, dict[str, str]]:
    """The keymap of the core plus one plugin with its default config, and each action's owner."""
    host = PluginHost()
    host.register(CORE_PLUGIN, CorePlugin())
    loaded = host.load(name, None, {})
    assert not loaded.error, f"plugin {name!r} did not load: {loaded.error}"
    owners: dict[str, str] = {}
    actions = []
    for owner, result in host.each("deck_actions", configs=default_configs(host)):
        assert not isinstance(result, Exception), f"{owner}: deck_actions raised {result!r}"
        owners.update((action.id, owner) for action in result or ())
        actions += result or ()
    return Keymap(actions), owners


@pytest.mark.parametrize("plugin", builtin_plugins())
def test_builtin_plugin_keys_follow_the_grammar(plugin: str) -> None:
    keymap, owners = default_bindings(plugin)
    found = clashes(keymap, owners)
    offenders = {(c.owner, c.action, c.key) for c in found}
    known = {o for o in known_offenders.KEYS if o[0] == plugin}
    new = sorted({str(c) for c in found if (c.owner, c.action, c.key) not in known})
    fixed = sorted(known - offenders)
    assert not new, f"{plugin}: keys that shadow the grammar (docs/keys.md):\n  " + "\n  ".join(new)
    assert not fixed, f"{plugin}: fixed, so remove from tests/core/known_offenders.py KEYS: {fixed}"


def test_every_builtin_plugin_is_checked() -> None:
    assert {"system", "mesh", "dynamo", "falcon", "lightning"} <= set(builtin_plugins())


def write_layout(tmp_path: Path, keys: str = "") -> Path:
    path = tmp_path / "clash.yaml"
    path.write_text(
        "title: clash\n"
        "plugins:\n"
        "  clashing:\n"
        f"    from: {Path(__file__).parent / 'plugins' / 'clashing.py'}\n"
        "screens:\n"
        "  - name: one\n"
        "    panel: clashing.list\n" + keys
    )
    return path


def test_a_clash_is_a_load_time_error_naming_both_owners(tmp_path: Path) -> None:
    with pytest.raises(LayoutError) as caught:
        assemble(load_layout(write_layout(tmp_path)), core=CorePlugin())
    message = str(caught.value)
    assert "key 'r' of clashing.remove (plugin 'clashing', on clashing.list)" in message
    assert "Refresh this panel (deck.refresh) (owner 'deck')" in message
    assert "keys:" in message  # the hint says how a layout moves one of them


def test_a_layout_moves_the_global_key_and_the_plugin_keeps_it(tmp_path: Path) -> None:
    parts = assemble(load_layout(write_layout(tmp_path, 'keys: {"R": deck.refresh}\n')), core=CorePlugin())
    assert parts.keymap.lookup("clashing.list", "r").id == "clashing.remove"  # type: ignore[union-attr]
    assert parts.keymap.lookup("global", "R").id == "deck.refresh"  # type: ignore[union-attr]


def test_a_plugin_cannot_take_a_movement_key_even_when_the_layout_rebinds_it(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match=r"key 'j' of clashing\.remove .* move down"):
        assemble(
            load_layout(write_layout(tmp_path, 'keys: {"R": deck.refresh, "j": clashing.remove}\n')),
            core=CorePlugin(),
        )
