"""Keys to actions, per scope, with layout overrides and conflicts caught at load time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from deck._actions import GLOBAL, Action
from deck._errors import LayoutError
from deck._yamlfile import did_you_mean

__all__ = ["Keymap"]


@dataclass(frozen=True)
class Binding:
    """One key bound to one action in one scope."""

    key: str
    action: Action


class Keymap:
    """Resolves a key in a scope: the focused panel's scope first, then the global one."""

    def __init__(
        self,
        actions: Iterable[Action],
        overrides: Mapping[str, str | None] = {},
        *,
        reserved: Mapping[str, str] = {},
        where: str = "",
    ) -> None:
        self.actions: dict[str, Action] = {}
        for action in actions:
            self.actions[action.id] = action
        self._scopes: dict[str, dict[str, Action]] = {}
        self._keys: dict[str, list[str]] = {}
        self._build(overrides, reserved, where)

    def _build(self, overrides: Mapping[str, str | None], reserved: Mapping[str, str], where: str) -> None:
        rebound: dict[str, list[str]] = {}
        for key, action_id in overrides.items():
            if action_id is None:
                continue
            if action_id not in self.actions:
                raise LayoutError(
                    f"keys: {key!r} names an unknown action {action_id!r}",
                    where=where,
                    hint=did_you_mean(action_id, self.actions) or "deck --list shows every action id",
                )
            rebound.setdefault(action_id, []).append(key)
        unbound = {key for key, action_id in overrides.items() if action_id is None}
        for action in self.actions.values():
            keys = rebound.get(action.id, [k for k in action.keys if k not in unbound])
            self._keys[action.id] = keys
            for scope_name in action.scopes:
                scope = self._scopes.setdefault(scope_name, {})
                for key in keys:
                    other = scope.get(key)
                    if other is not None and other.id != action.id:
                        raise LayoutError(
                            f"key {key!r} is bound twice in scope {scope_name!r}: {other.id} and {action.id}",
                            where=where,
                            hint=f'rebind one under keys:, e.g. keys: {{"<another key>": {action.id}}}',
                        )
                    if scope_name == GLOBAL and key in reserved:
                        raise LayoutError(
                            f"key {key!r} of {action.id} is already used for {reserved[key]}",
                            where=where,
                            hint=f'rebind it under keys:, e.g. keys: {{"<another key>": {action.id}}}',
                        )
                    scope[key] = action

    def lookup(self, scope: str, key: str) -> Action | None:
        """The action bound to `key` in exactly this scope."""
        return self._scopes.get(scope, {}).get(key)

    def keys_for(self, action_id: str) -> list[str]:
        """The keys that run an action (after overrides)."""
        return self._keys.get(action_id, [])

    def in_scope(self, scope: str) -> list[Action]:
        """Every action of a scope, in registration order."""
        return [a for a in self.actions.values() if scope in a.scopes]
