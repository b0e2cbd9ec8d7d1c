"""What each hook must return, checked as it returns, so a wrong type is that plugin's error only."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from os import PathLike
from typing import Any

from deck._errors import PluginError

__all__ = ["check_result"]


def _expected() -> dict[str, tuple[str, type | tuple[type, ...]]]:
    # Imported here: these modules import the plugin machinery themselves.
    from deck._actions import Action, Command, StatusSegment
    from deck._panels import Option, PanelType
    from deck._sources import Source

    path = (str, PathLike)
    return {
        "deck_sources": ("list", Source),
        "deck_panels": ("list", PanelType),
        "deck_actions": ("list", Action),
        "deck_status_segments": ("list", StatusSegment),
        "deck_commands": ("list", Command),
        "deck_options": ("mapping", Option),
        "deck_themes": ("mapping", path),
        "deck_layouts": ("mapping", path),
    }


def _kind(value: object) -> str:
    return type(value).__name__


def check_result(hook: str, result: Any) -> Any:
    """Return `result` (a list for list hooks); PluginError when it is not what `hook` must return."""
    if result is None:
        return None
    if hook in ("deck_startup", "deck_shutdown"):
        if not inspect.isawaitable(result):
            raise PluginError(f"{hook} returned {_kind(result)}; expected None or an awaitable")
        return result
    shape, item = _expected().get(hook, ("any", object))
    if shape == "list":
        if isinstance(result, (str, bytes, Mapping)) or not isinstance(result, Iterable):
            raise PluginError(f"{hook} returned {_kind(result)}; expected a list")
        result = list(result)
        wrong = next((x for x in result if not isinstance(x, item)), None)
        if wrong is not None:
            expected = item.__name__ if isinstance(item, type) else "a path"
            raise PluginError(f"{hook} returned a list holding {_kind(wrong)}; expected {expected} items")
    elif shape == "mapping":
        if not isinstance(result, Mapping):
            raise PluginError(f"{hook} returned {_kind(result)}; expected a mapping")
        for key, value in result.items():
            if not isinstance(key, str) or not isinstance(value, item):
                raise PluginError(f"{hook} returned a mapping with {key!r}: {_kind(value)}")
    return result
