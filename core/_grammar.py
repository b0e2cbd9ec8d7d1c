"""The keyboard grammar (docs/keys.md): the keys every deck means the same thing by.

A plugin key never shadows a global key. `clashes` finds every binding that would, and the
assembly turns the first into a load-time error naming both owners.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from deck._actions import GLOBAL, Action
from deck._errors import LayoutError
from deck._keymap import Keymap
from deck._layout import Layout

__all__ = [
    "CORE_ACTION_KEYS",
    "FIXED_KEYS",
    "PANEL_SLOTS",
    "Clash",
    "check_grammar",
    "clashes",
    "moved_keys",
]

#: Keys that mean the same on every panel whatever a layout binds: no plugin may take them.
FIXED_KEYS: Final[dict[str, str]] = {
    "esc": "back out, or clear the panel's filter",
    "up": "move up",
    "down": "move down",
    "k": "move up",
    "j": "move down",
    "page up": "page up",
    "page down": "page down",
    "home": "first row",
    "end": "last row",
    **{str(digit): "show a screen" for digit in range(10)},
}

#: The deck's own actions behind the grammar's keys (a layout may move them elsewhere).
CORE_ACTION_KEYS: Final[dict[str, str]] = {
    "r": "deck.refresh",
    "/": "deck.filter",
    "?": "deck.help",
    ":": "deck.palette",
    "q": "deck.quit",
    "tab": "deck.next_panel",
    "shift tab": "deck.prev_panel",
    "esc": "deck.back",
    "enter": "deck.detail",
}

#: Keys a plugin may bind on its own panels, with this meaning only (never globally).
PANEL_SLOTS: Final[dict[str, str]] = {
    "enter": "open the detail of the selected thing",
    "s": "sort",
}


@dataclass(frozen=True)
class Clash:
    """A plugin's key that shadows a global key."""

    key: str
    action: str
    owner: str
    scope: str
    shadows: str
    shadow_owner: str
    shadow_action: str | None = None

    def __str__(self) -> str:
        where = "globally" if self.scope == GLOBAL else f"on {self.scope}"
        return (
            f"key {self.key!r} of {self.action} (plugin {self.owner!r}, {where}) shadows the global "
            f"key {self.key!r}: {self.shadows} (owner {self.shadow_owner!r})"
        )

    @property
    def hint(self) -> str:
        """How a layout resolves it: move one of the two keys under keys:."""
        moves = [self.action] + ([self.shadow_action] if self.shadow_action else [])
        examples = " or ".join(f'keys: {{"<another key>": {action}}}' for action in moves)
        return f"move one of them in the layout, e.g. {examples} (see docs/keys.md)"


def clashes(
    keymap: Keymap,
    owners: Mapping[str, str],
    *,
    core: str = "deck",
    scopes: Collection[str] | None = None,
) -> list[Clash]:
    """Every plugin binding that shadows a global key, in the scopes given (default: all)."""
    found: list[Clash] = []
    global_owner = {key: action for action in keymap.in_scope(GLOBAL) for key in keymap.keys_for(action.id)}
    for action in keymap.actions.values():
        owner = owners.get(action.id, core)
        if owner == core:
            continue
        for scope in action.scopes:
            if scopes is not None and scope != GLOBAL and scope not in scopes:
                continue
            for key in keymap.keys_for(action.id):
                clash = _clash(key, scope, owner, global_owner.get(key), owners, core)
                if clash is not None:
                    found.append(Clash(key, action.id, owner, scope, *clash))
    return found


def _clash(
    key: str, scope: str, owner: str, bound: Action | None, owners: Mapping[str, str], core: str
) -> tuple[str, str, str | None] | None:
    """What a plugin's binding of `key` in `scope` shadows: (meaning, owner, action id), or None."""
    if key in FIXED_KEYS:
        return f"{FIXED_KEYS[key]} (the grammar)", core, None
    if key in PANEL_SLOTS:
        return (f"{PANEL_SLOTS[key]} (the grammar)", core, None) if scope == GLOBAL else None
    if bound is None:
        return None
    bound_owner = owners.get(bound.id, core)
    if scope != GLOBAL and bound_owner != owner:
        return f"{bound.title} ({bound.id})", bound_owner, bound.id
    return None


def moved_keys(keymap: Keymap) -> dict[str, tuple[str, list[str]]]:
    """Grammar keys a layout moved: the core action's id mapped to (its grammar key, its keys now)."""
    return {
        action_id: (key, keymap.keys_for(action_id))
        for key, action_id in CORE_ACTION_KEYS.items()
        if action_id in keymap.actions and key not in keymap.keys_for(action_id)
    }


def check_grammar(keymap: Keymap, actions: Iterable[tuple[str, Action]], layout: Layout, where: str) -> None:
    """Refuse a layout whose plugins' keys shadow a global key on the panels it shows."""
    owners = {action.id: owner for owner, action in actions}
    found = clashes(keymap, owners, scopes={spec.type for spec in layout.panels()})
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise LayoutError(f"{found[0]}{more}", where=where, hint=found[0].hint)
