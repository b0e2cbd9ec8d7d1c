"""deck: a plugin-based terminal dashboard for people who run AI infrastructure.

The public API is what this module exports; everything in `_`-prefixed modules is private.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from deck._version import __version__

if TYPE_CHECKING:
    from deck._actions import GLOBAL, Action, Command, StatusSegment
    from deck._clock import now
    from deck._commands import open_layout, shipped_layout
    from deck._context import ActionContext, Context, Level
    from deck._errors import ActionError, DeckError, LayoutError, OptionError, PluginError, ThemeError
    from deck._hookspecs import hookimpl
    from deck._kit_panels import JsonPanel, LogPanel, TablePanel
    from deck._panels import Option, Panel, PanelContext, PanelType
    from deck._sanitize import sanitize
    from deck._secrets import MASK, is_secret_key, mask_secrets, mask_text
    from deck._sources import Result, Source

# Imported on first use, so that `deck --version` and `--help` never load urwid.
_EXPORTS = {
    "GLOBAL": "deck._actions",
    "Action": "deck._actions",
    "Command": "deck._actions",
    "StatusSegment": "deck._actions",
    "now": "deck._clock",
    "open_layout": "deck._commands",
    "shipped_layout": "deck._commands",
    "ActionContext": "deck._context",
    "Context": "deck._context",
    "Level": "deck._context",
    "ActionError": "deck._errors",
    "DeckError": "deck._errors",
    "LayoutError": "deck._errors",
    "OptionError": "deck._errors",
    "PluginError": "deck._errors",
    "ThemeError": "deck._errors",
    "hookimpl": "deck._hookspecs",
    "JsonPanel": "deck._kit_panels",
    "LogPanel": "deck._kit_panels",
    "TablePanel": "deck._kit_panels",
    "Option": "deck._panels",
    "Panel": "deck._panels",
    "PanelContext": "deck._panels",
    "PanelType": "deck._panels",
    "sanitize": "deck._sanitize",
    "MASK": "deck._secrets",
    "is_secret_key": "deck._secrets",
    "mask_secrets": "deck._secrets",
    "mask_text": "deck._secrets",
    "Result": "deck._sources",
    "Source": "deck._sources",
}

__all__ = [
    "GLOBAL",
    "MASK",
    "Action",
    "ActionContext",
    "ActionError",
    "Command",
    "Context",
    "DeckError",
    "JsonPanel",
    "LayoutError",
    "Level",
    "LogPanel",
    "Option",
    "OptionError",
    "Panel",
    "PanelContext",
    "PanelType",
    "PluginError",
    "Result",
    "Source",
    "StatusSegment",
    "TablePanel",
    "ThemeError",
    "__version__",
    "hookimpl",
    "is_secret_key",
    "mask_secrets",
    "mask_text",
    "now",
    "open_layout",
    "sanitize",
    "shipped_layout",
]


def __getattr__(name: str) -> object:
    """Import a public name from its private module the first time it is asked for."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'deck' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
